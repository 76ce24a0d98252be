using System.Security.Cryptography;
using DvtBus.Bls;
using DvtBus.Keystores.Ssv;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Tests;

[Trait("Category", "Vectors")]
public class SsvKeySharesVectorTests
{
    private static string Mock(string file) => TestData.Ssv("ssv-keys", "mock-key-shares", file);

    [Theory]
    [InlineData("multi-shares.json", new ulong[] { 123, 456, 777, 789 })]
    [InlineData("old-shares.json", new ulong[] { 5, 6, 7, 8 })]
    [InlineData("item-with-operators.json", new ulong[] { 5, 6, 7, 8 })]
    public void Parses_valid_ssv_keys_variant(string file, ulong[] operatorIds)
    {
        var item = Assert.Single(SsvKeyShares.Load(Mock(file)));

        Assert.Equal(operatorIds, item.Shares.OperatorIds);
        Assert.Equal(operatorIds, item.Operators.Select(o => o.Id));
        Assert.Equal(4, item.Shares.PublicShares.Count);
        Assert.Equal(4, item.Shares.EncryptedShares.Count);
        Assert.Equal(3, item.Shares.Threshold);
        Assert.Equal(1, item.Shares.FaultTolerance);
        Assert.Equal(Address.Parse("0x81592c3de184a3e2c0dcb5a261bc107bfa91f494"), item.OwnerAddress);
        Assert.Equal(1UL, item.OwnerNonce);
        Assert.StartsWith("0xa063fa14", item.Shares.ValidatorPublicKey.ToString());
    }

    [Fact]
    public void Unsorted_cli_operator_ids_end_up_sorted_in_the_payload()
    {
        var cliOrder = TestData.Json(TestData.Ssv("ssv-keys", "examples", "operatorIds.json")).AsArray().Select(n => n!.GetValue<ulong>()).ToArray();

        var item = Assert.Single(SsvKeyShares.Load(Mock("multi-shares.json")));

        Assert.Equal(new ulong[] { 123, 456, 789, 777 }, cliOrder);
        Assert.Equal(cliOrder.Order(), item.Shares.OperatorIds);
    }

    [Theory]
    [InlineData("item-with-wrong-operator-id.json", "operator id 'aaa' is not a positive integer")]
    [InlineData("item-with-duplicated-operator-key.json", "have the same operatorKey")]
    [InlineData("item-with-missed-operator-key.json", "operator 5 has no operatorKey")]
    [InlineData("item-empty.json", "data.publicKey is missing")]
    [InlineData("multi-shares-invalid-struct.json", "neither a 'shares' list nor 'data' and 'payload'")]
    public void Rejects_invalid_ssv_keys_variant_with_its_reason(string file, string reason)
    {
        var error = Assert.Throws<KeyMaterialException>(() => SsvKeyShares.Load(Mock(file)));

        Assert.Contains(reason, error.Message);
        Assert.Contains(file, error.Message);
    }

    [Fact]
    public void Mock_public_shares_interpolate_to_the_validator_key_at_operator_ids()
    {
        var shares = Assert.Single(SsvKeyShares.Load(Mock("multi-shares.json"))).Shares;

        var recovered = BlsThreshold.RecoverPublicKey(shares.IndexedPublicShares.Skip(1).ToArray());

        Assert.Equal(shares.ValidatorPublicKey, recovered);
    }

    [Fact]
    public void Mock_owner_signature_verifies_with_the_checksummed_owner_address()
    {
        var item = Assert.Single(SsvKeyShares.Load(Mock("multi-shares.json")));

        Assert.True(item.Shares.VerifyOwnerSignature(item.OwnerAddress!.Value, item.OwnerNonce!.Value));
        Assert.False(item.Shares.VerifyOwnerSignature(item.OwnerAddress!.Value, item.OwnerNonce!.Value + 1));
    }
}

public class SsvValidatorSharesTests
{
    private static readonly BlsPublicKey Validator = BlsPublicKey.From(Enumerable.Repeat((byte)0xaa, 48).ToArray());

    private static byte[] Blob(int n) => RandomNumberGenerator.GetBytes(96 + n * (48 + 256));

    [Fact]
    public void Splits_the_blob_by_operator_position()
    {
        var blob = Blob(4);
        ulong[] ids = [3, 9, 27, 81];

        var shares = SsvValidatorShares.Parse(Validator, ids, blob);

        Assert.Equal(blob[..96], shares.Signature.ToArray());
        Assert.Equal(blob[(96 + 2 * 48)..(96 + 3 * 48)], shares.PublicShareOf(27).ToArray());
        var encryptedStart = 96 + 4 * 48 + 3 * 256;
        Assert.Equal(blob[encryptedStart..(encryptedStart + 256)], shares.EncryptedShareOf(81).ToArray());
        Assert.Equal(new ulong[] { 3, 9, 27, 81 }, shares.IndexedPublicShares.Select(s => s.Id));
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(7, 5)]
    [InlineData(10, 7)]
    [InlineData(13, 9)]
    public void Threshold_is_two_f_plus_one(int n, int threshold)
    {
        var ids = Enumerable.Range(1, n).Select(i => (ulong)i).ToArray();

        Assert.Equal(threshold, SsvValidatorShares.Parse(Validator, ids, Blob(n)).Threshold);
    }

    [Theory]
    [InlineData(new ulong[] { 1, 2, 3 }, "3f+1")]
    [InlineData(new ulong[] { 1, 2, 3, 4, 5 }, "3f+1")]
    [InlineData(new ulong[] { 2, 1, 3, 4 }, "strictly ascending")]
    [InlineData(new ulong[] { 1, 2, 2, 4 }, "strictly ascending")]
    [InlineData(new ulong[] { 0, 1, 2, 3 }, "operator id 0")]
    public void Rejects_operator_ids_that_cannot_form_an_ssv_cluster(ulong[] ids, string reason)
    {
        var error = Assert.Throws<KeyMaterialException>(() => SsvValidatorShares.Parse(Validator, ids, Blob(ids.Length)));

        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Rejects_blob_of_the_wrong_length()
    {
        var error = Assert.Throws<KeyMaterialException>(() => SsvValidatorShares.Parse(Validator, [1, 2, 3, 4], Blob(4)[..^1]));

        Assert.Contains("1311 bytes, 4 operators need 1312", error.Message);
    }

    [Fact]
    public void Unknown_operator_is_rejected_by_name()
    {
        var shares = SsvValidatorShares.Parse(Validator, [1, 2, 3, 4], Blob(4));

        var error = Assert.Throws<KeyMaterialException>(() => shares.PublicShareOf(5));

        Assert.Contains("operator 5", error.Message);
    }

    [Fact]
    public void Decrypted_share_is_checked_against_its_public_share()
    {
        using var rsa = RSA.Create(2048);
        using var operatorKey = SsvOperatorKey.FromPem(rsa.ExportRSAPrivateKeyPem());
        using var share = BlsSecretKey.Generate();
        using var stranger = BlsSecretKey.Generate();
        var secret = share.ToBytes();
        var blob = Blob(4);
        share.PublicKey.Span.CopyTo(blob.AsSpan(96));
        operatorKey.PublicKey.EncryptShare(secret).CopyTo(blob.AsSpan(96 + 4 * 48));
        stranger.PublicKey.Span.CopyTo(blob.AsSpan(96 + 48));
        operatorKey.PublicKey.EncryptShare(secret).CopyTo(blob.AsSpan(96 + 4 * 48 + 256));
        var shares = SsvValidatorShares.Parse(Validator, [1, 2, 3, 4], blob);

        using var decrypted = shares.DecryptShare(1, operatorKey);
        var error = Assert.Throws<KeyMaterialException>(() => shares.DecryptShare(2, operatorKey));

        Assert.Equal(share.PublicKey, decrypted.PublicKey);
        Assert.Contains("does not match its public share", error.Message);
    }
}

public class SsvOwnerAddressTests
{
    [Theory]
    [InlineData("0xdcc846fa10c7cfce9e6eb37e06ed93b666cfc5e9", "0xDCc846fA10C7CfCE9e6Eb37e06eD93b666cFC5E9")]
    [InlineData("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    public void Owner_address_is_signed_in_its_eip55_form(string lower, string checksummed)
    {
        Assert.Equal(checksummed, SsvValidatorShares.ChecksumAddress(Address.Parse(lower)));
    }
}
