using System.Security.Cryptography;
using System.Text;
using DvtBus.Keystores.Ssv;

namespace DvtBus.Keystores.Tests;

[Trait("Category", "Vectors")]
public class SsvOperatorKeyVectorTests
{
    [Fact]
    public void Every_ssv_dkg_operator_key_decrypts_to_the_key_registered_for_its_id()
    {
        var info = TestData.OperatorInfo();

        Assert.Equal(13, info.Count);
        foreach (var (id, _, publicKey) in info)
        {
            var key = TestData.OperatorKeys[id];
            Assert.Equal(publicKey, key.PublicKey);
            Assert.Equal(2048, key.PublicKey.KeySizeBits);
        }
    }

    [Fact]
    public void Operator_public_key_round_trips_through_the_ssv_base64_form()
    {
        var (_, _, publicKey) = TestData.OperatorInfo()[0];

        Assert.Equal(publicKey, SsvOperatorPublicKey.Parse(publicKey.ToBase64()));
    }

    [Fact]
    public void Wrong_operator_password_fails_naming_the_keystore()
    {
        var keystore = TestData.Ssv("ssv-dkg", "operators", "operator1", "encrypted_private_key.json");
        var otherPassword = TestData.Ssv("ssv-dkg", "operators", "operator13", "password");

        var error = Assert.Throws<WrongPasswordException>(() => SsvOperatorKey.Load(keystore, otherPassword));

        Assert.Contains(keystore, error.Message);
        Assert.Contains("checksum mismatch: wrong password?", error.Message);
    }

    public static TheoryData<string> SpecFiles => new(
        "encryption.EncryptionSpecTest_encryption_bls_secret_key_encryption.json",
        "encryption.EncryptionSpecTest_encryption_simple_encryption.json");

    [Theory]
    [MemberData(nameof(SpecFiles))]
    public void Ssv_spec_key_pair_parses_and_round_trips_the_plaintext(string file)
    {
        var spec = TestData.Json(TestData.Ssv("ssv-spec", file));
        using var key = SsvOperatorKey.FromPem(Encoding.ASCII.GetString(Convert.FromBase64String(spec["SKPem"]!.GetValue<string>())));
        var publicKey = SsvOperatorPublicKey.Parse(spec["PKPem"]!.GetValue<string>());
        var plain = Convert.FromBase64String(spec["PlainText"]!.GetValue<string>());

        var ciphertext = publicKey.Encrypt(plain);

        Assert.Equal(publicKey, key.PublicKey);
        Assert.Equal(256, ciphertext.Length);
        Assert.Equal(plain, key.Decrypt(ciphertext));
    }

    [Fact]
    public void Ssv_spec_bls_secret_round_trips_in_the_hex_text_form_nodes_expect()
    {
        var spec = TestData.Json(TestData.Ssv("ssv-spec", "encryption.EncryptionSpecTest_encryption_bls_secret_key_encryption.json"));
        using var key = SsvOperatorKey.FromPem(Encoding.ASCII.GetString(Convert.FromBase64String(spec["SKPem"]!.GetValue<string>())));
        var secret = Convert.FromBase64String(spec["PlainText"]!.GetValue<string>());

        var ciphertext = key.PublicKey.EncryptShare(secret);

        Assert.Equal(Convert.ToHexStringLower(secret), Encoding.ASCII.GetString(key.Decrypt(ciphertext)));
        Assert.Equal(secret, key.DecryptShareSecret(ciphertext));
    }
}

public class SsvOperatorKeyTests
{
    private static readonly Lazy<RSA> Rsa = new(() => RSA.Create(2048));

    [Fact]
    public void Pkcs8_private_key_is_accepted_too()
    {
        using var key = SsvOperatorKey.FromPem(Rsa.Value.ExportPkcs8PrivateKeyPem());

        Assert.Equal(SsvOperatorPublicKey.Parse(Rsa.Value.ExportSubjectPublicKeyInfoPem()), key.PublicKey);
    }

    /// <summary>
    /// The decrypted share is hex text, decoded from its bytes: with or without 0x, in either case; anything but 64
    /// hex digits is refused as the wrong key's output.
    /// </summary>
    [Theory]
    [InlineData("{0}", true)]
    [InlineData("0x{0}", true)]
    [InlineData("0X{1}", true)]
    [InlineData("{0}00", false)]
    [InlineData("0x{2}", false)]
    [InlineData("zz{3}", false)]
    public void Share_hex_text_is_read_with_or_without_0x_and_nothing_else(string form, bool accepted)
    {
        using var key = SsvOperatorKey.FromPem(Rsa.Value.ExportRSAPrivateKeyPem());
        var secret = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();
        var lower = Convert.ToHexStringLower(secret);
        var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, form, lower, lower.ToUpperInvariant(), lower[2..], lower[2..]);
        var ciphertext = key.PublicKey.Encrypt(Encoding.ASCII.GetBytes(text));

        if (accepted) Assert.Equal(secret, key.DecryptShareSecret(ciphertext));
        else Assert.Contains("not the hex text of 32 bytes", Assert.Throws<KeyMaterialException>(() => key.DecryptShareSecret(ciphertext)).Message);
    }

    [Fact]
    public void Share_ciphertext_for_another_operator_is_rejected()
    {
        using var mine = SsvOperatorKey.FromPem(Rsa.Value.ExportRSAPrivateKeyPem());
        using var other = RSA.Create(2048);
        var ciphertext = SsvOperatorPublicKey.Parse(other.ExportSubjectPublicKeyInfoPem()).EncryptShare(new byte[32]);

        Assert.Throws<KeyMaterialException>(() => mine.DecryptShareSecret(ciphertext));
    }

    [Fact]
    public void Plaintext_that_is_not_a_hex_share_is_rejected()
    {
        using var key = SsvOperatorKey.FromPem(Rsa.Value.ExportRSAPrivateKeyPem());
        var ciphertext = key.PublicKey.Encrypt(Encoding.ASCII.GetBytes("not hex at all"));

        var error = Assert.Throws<KeyMaterialException>(() => key.DecryptShareSecret(ciphertext));

        Assert.Contains("not the hex text of 32 bytes", error.Message);
    }

    [Fact]
    public void Rejects_ciphertext_of_the_wrong_length()
    {
        using var key = SsvOperatorKey.FromPem(Rsa.Value.ExportRSAPrivateKeyPem());

        Assert.Throws<KeyMaterialException>(() => key.Decrypt(new byte[10]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("!!!")]
    [InlineData("LS0tLS1CRUdJTiBSU0EgUFVCTElDIEtFWS0tLS0tCk1JSUJJakFOQmdr")]
    public void Rejects_operator_public_key_that_is_not_rsa(string encoded)
    {
        Assert.Throws<KeyMaterialException>(() => SsvOperatorPublicKey.Parse(encoded));
    }

    [Fact]
    public void Rejects_rsa_keys_below_2048_bits()
    {
        using var small = RSA.Create(1024);

        Assert.Throws<KeyMaterialException>(() => SsvOperatorKey.FromPem(small.ExportRSAPrivateKeyPem()));
        Assert.Throws<KeyMaterialException>(() => SsvOperatorPublicKey.Parse(small.ExportSubjectPublicKeyInfoPem()));
    }

    [Fact]
    public void Private_key_is_never_printed()
    {
        using var key = SsvOperatorKey.FromPem(Rsa.Value.ExportRSAPrivateKeyPem());

        Assert.Contains("redacted", key.ToString());
        Assert.DoesNotContain("PRIVATE", key.ToString());
    }
}
