using System.Numerics;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Transactions;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Ethereum.Tests.Unit;

public class TransactionTests
{
    private static readonly Eip1559Transaction Sample = new(
        ChainId: 560048, Nonce: 7, MaxPriorityFeePerGas: 1_500_000_000, MaxFeePerGas: 30_000_000_000, GasLimit: 250_000,
        To: Address.Parse("0x1111111111111111111111111111111111111111"), Value: BigInteger.Parse("1000000000000000000"), Data: [0x83, 0xd4, 0x30, 0xd5]);

    [Fact]
    public void Signed_transaction_round_trips_and_recovers_its_sender()
    {
        using var key = EthPrivateKey.Generate();
        var signed = Sample.Sign(key);
        Assert.Equal(0x02, signed.Raw[0]);
        Assert.Equal(Keccak.Hash(signed.Raw), signed.Hash);
        var decoded = SignedEip1559Transaction.Decode(signed.Raw);
        Assert.Equal(key.Address, decoded.Sender());
        Assert.Equal(signed.Hash, decoded.Hash);
        Assert.Equal(Sample.ChainId, decoded.Transaction.ChainId);
        Assert.Equal(Sample.Nonce, decoded.Transaction.Nonce);
        Assert.Equal(Sample.Value, decoded.Transaction.Value);
        Assert.Equal(Sample.To, decoded.Transaction.To);
        Assert.Equal(Sample.Data, decoded.Transaction.Data);
    }

    [Fact]
    public void Contract_creation_and_access_lists_survive_the_round_trip()
    {
        using var key = EthPrivateKey.Generate();
        var entry = new AccessListEntry(Address.Parse("0x2222222222222222222222222222222222222222"), [Keccak.Hash("slot")]);
        var creation = Sample with { To = null, AccessList = [entry] };
        var decoded = SignedEip1559Transaction.Decode(creation.Sign(key).Raw);
        Assert.Null(decoded.Transaction.To);
        var decodedEntry = Assert.Single(decoded.Transaction.AccessList!);
        Assert.Equal(entry.Address, decodedEntry.Address);
        Assert.Equal(entry.StorageKeys, decodedEntry.StorageKeys);
        Assert.NotEqual(Sample.SigningHash(), creation.SigningHash());
    }

    [Fact]
    public void Each_field_changes_the_signing_hash()
    {
        var hashes = new[]
        {
            Sample, Sample with { ChainId = 1 }, Sample with { Nonce = 8 }, Sample with { MaxPriorityFeePerGas = 1 },
            Sample with { MaxFeePerGas = 2 }, Sample with { GasLimit = 21_000 }, Sample with { To = null },
            Sample with { Value = 0 }, Sample with { Data = [] },
        }.Select(t => t.SigningHash()).ToArray();
        Assert.Equal(hashes.Length, hashes.Distinct().Count());
    }

    [Fact]
    public void Refuses_a_tip_above_the_max_fee()
    {
        using var key = EthPrivateKey.Generate();
        Assert.Throws<InvalidOperationException>(() => (Sample with { MaxPriorityFeePerGas = Sample.MaxFeePerGas + 1 }).Sign(key));
    }

    [Fact]
    public void Rejects_raw_bytes_that_are_not_a_canonical_type_2_transaction()
    {
        using var key = EthPrivateKey.Generate();
        var raw = Sample.Sign(key).Raw;
        Assert.Throws<FormatException>(() => SignedEip1559Transaction.Decode([]));
        Assert.Throws<FormatException>(() => SignedEip1559Transaction.Decode(raw[1..]));
        Assert.Throws<FormatException>(() => SignedEip1559Transaction.Decode([.. raw, 0x00]));
        Assert.Throws<FormatException>(() => SignedEip1559Transaction.Decode(raw[..^1]));
        var items = Rlp.Decode(raw.AsSpan(1)).Items.ToList();
        byte[] Encode(IEnumerable<RlpItem> fields) => [0x02, .. Rlp.Encode(RlpItem.List(fields))];
        Assert.Throws<FormatException>(() => SignedEip1559Transaction.Decode(Encode(items.Take(11))));
        var badParity = items.ToArray();
        badParity[9] = RlpItem.Of(new BigInteger(2));
        Assert.Throws<FormatException>(() => SignedEip1559Transaction.Decode(Encode(badParity)));
        var shortTo = items.ToArray();
        shortTo[5] = RlpItem.Of(new byte[19]);
        Assert.Throws<FormatException>(() => SignedEip1559Transaction.Decode(Encode(shortTo)));
        var paddedNonce = items.ToArray();
        paddedNonce[1] = RlpItem.Of([0x00, 0x07]);
        Assert.Throws<FormatException>(() => SignedEip1559Transaction.Decode(Encode(paddedNonce)));
    }

    [Theory]
    [InlineData(100, 15, 115)]
    [InlineData(101, 15, 117)] // 116.15 rounds up: a node compares the raised fee, never a rounded-down one
    [InlineData(1, 15, 2)]
    [InlineData(0, 15, 1)] // nothing to raise: one wei more still replaces
    [InlineData(1_000_000_000, 10, 1_100_000_000)]
    public void Bump_raises_a_fee_by_the_percent_rounded_up_and_by_at_least_one_wei(long fee, int percent, long bumped) =>
        Assert.Equal(new BigInteger(bumped), TransactionSender.Bump(fee, percent));
}
