using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Keystores.Ssv;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Tests;

/// <summary>
/// Rebuilds the ssv-dkg ceremonies from the raw files: operator keystores -> RSA keys -> decrypted
/// shares, compared with the collector's plain shares and recombined into the deposit signature.
/// </summary>
[Trait("Category", "Vectors")]
public class SsvCeremonyVectorTests
{
    public static TheoryData<string> Ceremonies => new(
        "4_operators_1_validator", "7_operators_1_validator", "10_operators_1_validator", "13_operators_1_validator",
        "4_operators_10_validators_bulk");

    public static TheoryData<string> SingleValidatorCeremonies => new(
        "4_operators_1_validator", "7_operators_1_validator", "10_operators_1_validator", "13_operators_1_validator");

    private static IReadOnlyList<SsvKeyShare> KeyShares(string ceremony) =>
        SsvKeyShares.Load(TestData.Ssv("ssv-dkg", "ceremonies", ceremony, "keyshares.json"));

    private static JsonArray DepositData(string ceremony) =>
        TestData.Json(TestData.Ssv("ssv-dkg", "ceremonies", ceremony, "deposit_data.json")).AsArray();

    [Theory]
    [MemberData(nameof(Ceremonies))]
    public void Keyshares_operators_are_the_registered_operator_keys(string ceremony)
    {
        var registered = TestData.OperatorInfo().ToDictionary(o => o.Id, o => o.PublicKey);

        foreach (var item in KeyShares(ceremony))
        {
            Assert.Equal(item.Operators.Select(o => o.Id), item.Shares.OperatorIds);
            foreach (var op in item.Operators) Assert.Equal(registered[op.Id], op.PublicKey);
            Assert.Equal(Address.Parse("0xDCc846fA10C7CfCE9e6Eb37e06eD93b666cFC5E9"), item.OwnerAddress);
        }
    }

    [Theory]
    [MemberData(nameof(SingleValidatorCeremonies))]
    public void Decrypted_shares_equal_the_plain_shares(string ceremony)
    {
        var derived = TestData.Json(TestData.Threshold("ssv-dkg-derived", ceremony + ".json"));
        var item = Assert.Single(KeyShares(ceremony));

        Assert.Equal(derived["threshold"]!.GetValue<int>(), item.Shares.Threshold);
        Assert.Equal(BlsPublicKey.Parse(derived["group_public_key"]!.GetValue<string>()), item.Shares.ValidatorPublicKey);
        foreach (var expected in derived["shares"]!.AsArray())
        {
            var id = expected!["index"]!.GetValue<ulong>();
            var secret = TestData.OperatorKeys[id].DecryptShareSecret(item.Shares.EncryptedShareOf(id).Span);
            Assert.Equal(expected["secret_key"]!.GetValue<string>(), Hex.Encode(secret));
            Assert.Equal(BlsPublicKey.Parse(expected["public_key"]!.GetValue<string>()), item.Shares.PublicShareOf(id));
        }
    }

    [Theory]
    [MemberData(nameof(SingleValidatorCeremonies))]
    public void Deposit_signing_root_is_recomputed_from_the_deposit_data(string ceremony)
    {
        var derived = TestData.Json(TestData.Threshold("ssv-dkg-derived", ceremony + ".json"));
        var deposit = DepositData(ceremony)[0]!;

        Assert.Equal(derived["deposit_signing_root"]!.GetValue<string>(), Hex.Encode(DepositSigningRoot(deposit)));
    }

    [Theory]
    [MemberData(nameof(Ceremonies))]
    public void Threshold_of_decrypted_shares_signs_the_ceremony_deposit(string ceremony)
    {
        var deposits = DepositData(ceremony);
        var items = KeyShares(ceremony);
        Assert.Equal(deposits.Count, items.Count);

        foreach (var item in items)
        {
            var deposit = deposits.Single(d => BlsPublicKey.Parse(d!["pubkey"]!.GetValue<string>()) == item.Shares.ValidatorPublicKey)!;
            var root = DepositSigningRoot(deposit);
            var partials = new List<IndexedSignature>();
            // The last t operators, so that a wrong x-coordinate (position instead of id) cannot pass by luck.
            foreach (var id in item.Shares.OperatorIds.TakeLast(item.Shares.Threshold))
            {
                using var share = item.Shares.DecryptShare(id, TestData.OperatorKeys[id]);
                partials.Add(new IndexedSignature(id, share.Sign(root)));
            }

            var signature = BlsThreshold.RecoverSignature(partials);

            Assert.Equal(BlsSignature.Parse(deposit["signature"]!.GetValue<string>()), signature);
            Assert.True(item.Shares.VerifyOwnerSignature(item.OwnerAddress!.Value, item.OwnerNonce!.Value));
        }
    }

    [Fact]
    public void Share_of_one_operator_does_not_decrypt_with_another_operators_key()
    {
        var item = Assert.Single(KeyShares("4_operators_1_validator"));

        Assert.Throws<KeyMaterialException>(() => item.Shares.DecryptShare(11, TestData.OperatorKeys[22]));
    }

    // signing_root = hash_tree_root(SigningData{deposit_message_root, domain}) with
    // domain = DOMAIN_DEPOSIT || hash_tree_root(ForkData{fork_version, zero root})[0:28].
    private static byte[] DepositSigningRoot(JsonNode deposit)
    {
        var forkData = new byte[64];
        Hex.Decode(deposit["fork_version"]!.GetValue<string>()).CopyTo(forkData, 0);
        var domain = new byte[32];
        domain[0] = 0x03;
        SHA256.HashData(forkData).AsSpan(0, 28).CopyTo(domain.AsSpan(4));
        var signingData = new byte[64];
        Hex.Decode(deposit["deposit_message_root"]!.GetValue<string>()).CopyTo(signingData, 0);
        domain.CopyTo(signingData, 32);
        return SHA256.HashData(signingData);
    }
}
