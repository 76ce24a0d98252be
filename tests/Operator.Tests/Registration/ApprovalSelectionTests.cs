using System.Numerics;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

public sealed class ApprovalSelectionTests
{
    private static readonly EthPrivateKey[] Oracles = Enumerable.Range(0, 5).Select(i => DevnetDeployment.Key($"oracle-{i}")).ToArray();
    private static readonly Address Keeper = Address.Parse("0x00000000000000000000000000000000000cee9e");
    private static readonly Address Vault = Address.Parse("0x00000000000000000000000000000000000a0a17");
    private static readonly Bytes32 Root = Bytes32.From(Enumerable.Repeat((byte)7, 32).ToArray());
    private static readonly byte[] Validators = [1, 2, 3];
    private static readonly IReadOnlySet<Address> Registered = Oracles.Select(o => o.Address).ToHashSet();

    private static Bytes32 Hash(string ipfs, BigInteger deadline) =>
        StakeWiseTypedData.KeeperValidatorsHash(31337, Keeper, Root, Vault, Validators, ipfs, deadline);

    private static OracleApproval Answer(int oracle, string ipfs, long deadline) => new(Oracles[oracle].Sign(Hash(ipfs, deadline)), ipfs, deadline);

    [Fact]
    public void Keeps_the_largest_agreeing_group_and_exactly_the_minimum_sorted_by_signer()
    {
        OracleApproval[] answers = [Answer(0, "bafy-a", 100), Answer(1, "bafy-b", 100), Answer(2, "bafy-a", 100), Answer(3, "bafy-a", 100), Answer(4, "bafy-a", 99)];

        var selected = ApprovalSelection.Select(answers, 2, Registered, Hash, out var shortfall);

        Assert.Null(shortfall);
        Assert.NotNull(selected);
        Assert.Equal(("bafy-a", 100L, 2), (selected.IpfsHash, selected.Deadline, selected.Count));
        Assert.Equal(130, selected.Signatures.Length);
        var signers = Enumerable.Range(0, 2).Select(i => EthSignature.FromBytes(selected.Signatures.AsSpan(i * 65, 65)).Recover(Hash("bafy-a", 100))).ToList();
        var expected = new[] { 0, 2, 3 }.Select(i => Oracles[i].Address).OrderBy(a => a.ToString(), StringComparer.Ordinal).Take(2).ToList();
        Assert.Equal(expected, signers);
    }

    /// <summary>
    /// An oracle whose signer does not normalise s sends (r, n - s) with the other v: it recovers the same oracle,
    /// but the keeper's ECDSA refuses it. Selection counts it and packs the low-s form.
    /// </summary>
    [Fact]
    public void High_s_signatures_count_and_are_packed_in_the_low_s_form_the_keeper_accepts()
    {
        var n = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);
        var hash = Hash("bafy-a", 100);
        OracleApproval HighS(int oracle)
        {
            var bytes = Oracles[oracle].Sign(hash).ToBytes();
            var highS = n - new BigInteger(bytes.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
            highS.TryWriteBytes(bytes.AsSpan(32, 32), out _, isUnsigned: true, isBigEndian: true);
            bytes[64] = (byte)(bytes[64] == 27 ? 28 : 27);
            return new OracleApproval(EthSignature.FromBytes(bytes), "bafy-a", 100);
        }
        OracleApproval[] answers = [HighS(0), HighS(1), HighS(2)];
        Assert.All(answers, a => Assert.False(a.Signature.Verify(hash, a.Signature.Recover(hash))));

        var selected = ApprovalSelection.Select(answers, 3, Registered, Hash, out _);

        Assert.NotNull(selected);
        var packed = Enumerable.Range(0, 3).Select(i => EthSignature.FromBytes(selected.Signatures.AsSpan(i * 65, 65))).ToList();
        Assert.All(packed, sig => Assert.True(sig.Verify(hash, sig.Recover(hash))));
        Assert.Equal(new[] { 0, 1, 2 }.Select(i => Oracles[i].Address).OrderBy(a => a.ToString(), StringComparer.Ordinal), packed.Select(p => p.Recover(hash)));
        Assert.Equal(new[] { 0, 1, 2 }.Select(i => Oracles[i].Sign(hash)).OrderBy(sig => sig.Recover(hash).ToString(), StringComparer.Ordinal).SelectMany(sig => sig.ToBytes()), selected.Signatures);
    }

    [Fact]
    public void Signature_over_other_content_does_not_count_towards_the_group()
    {
        var misdirected = new OracleApproval(Oracles[1].Sign(Hash("bafy-other", 100)), "bafy-a", 100);
        OracleApproval[] answers = [Answer(0, "bafy-a", 100), misdirected, Answer(0, "bafy-a", 100)];

        Assert.Null(ApprovalSelection.Select(answers, 2, Registered, Hash, out var shortfall));
        Assert.Equal("1 of 3 answering oracles agree on one approval; the keeper needs 2", shortfall);
    }

    [Fact]
    public void Signer_that_is_not_a_keeper_oracle_does_not_count()
    {
        using var stranger = DevnetDeployment.Key("not-an-oracle");
        var forged = new OracleApproval(stranger.Sign(Hash("bafy-a", 100)), "bafy-a", 100);

        Assert.Null(ApprovalSelection.Select([Answer(0, "bafy-a", 100), forged], 2, Registered, Hash, out var shortfall));
        Assert.StartsWith("1 of 2", shortfall);
    }

    [Fact]
    public void Too_few_answers_give_the_shortfall_as_the_reason()
    {
        Assert.Null(ApprovalSelection.Select([], 3, Registered, Hash, out var none));
        Assert.Equal("0 of 0 answering oracles agree on one approval; the keeper needs 3", none);
        Assert.Null(ApprovalSelection.Select([Answer(0, "x", 1), Answer(1, "y", 1)], 2, Registered, Hash, out var split));
        Assert.Contains("the keeper needs 2", split);
    }
}
