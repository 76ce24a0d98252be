using DvtBus.Bls;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Tests;

[Trait("Category", "Vectors")]
public class Eip2335VectorTests
{
    public static TheoryData<string, string> OfficialKeystores => new()
    {
        { "staking-deposit-cli_test0_pbkdf2.json", TestData.OfficialPassword },
        { "staking-deposit-cli_test1_scrypt.json", TestData.OfficialPassword },
        { "chainsafe_pbkdf2-0.json", "testpassword" },
        { "chainsafe_pbkdf2-1.json", TestData.OfficialPassword },
        { "chainsafe_scrypt-0.json", "testpassword" },
        { "chainsafe_scrypt-1.json", TestData.OfficialPassword },
    };

    [Theory]
    [MemberData(nameof(OfficialKeystores))]
    public void Decrypts_official_keystore_to_the_official_secret(string file, string password)
    {
        var path = TestData.Eip2335("eip2335_keystores", file);
        var keystore = Eip2335Keystore.Load(path);

        var secret = TestData.DecryptOnce(path, password);

        Assert.Equal(TestData.OfficialSecret, Hex.Encode(secret));
        Assert.Equal(BlsPublicKey.Parse(TestData.OfficialPubkey), keystore.PublicKey);
        Assert.Equal(file.Contains("scrypt") ? KdfFunction.Scrypt : KdfFunction.Pbkdf2, keystore.Kdf);
    }

    [Fact]
    public void Fraktur_password_is_the_same_as_its_normalised_ascii_form()
    {
        // NFKD maps the Fraktur letters to ASCII and keeps the key emoji: 0x7465737470617373776f7264f09f9491.
        var keystore = Eip2335Keystore.Load(TestData.Eip2335("eip2335_keystores", "staking-deposit-cli_test0_pbkdf2.json"));
        using var normalised = KeystorePassword.FromUtf8(Convert.FromHexString("7465737470617373776f7264f09f9491"));

        Assert.Equal(TestData.OfficialSecret, Hex.Encode(keystore.DecryptSecret(normalised)));
    }

    [Fact]
    public void Control_characters_in_the_password_are_ignored()
    {
        var keystore = Eip2335Keystore.Load(TestData.Eip2335("eip2335_keystores", "chainsafe_pbkdf2-0.json"));
        using var noisy = KeystorePassword.FromText("\u0001test\npass\u007fword\u0085\u009f");

        Assert.Equal(TestData.OfficialSecret, Hex.Encode(keystore.DecryptSecret(noisy)));
    }

    /// <summary>An ASCII password takes the byte path (no string copy): C0 controls and DEL are dropped there too.</summary>
    [Fact]
    public void Control_characters_in_an_ascii_password_are_ignored()
    {
        var secret = Convert.FromHexString(TestData.OfficialSecret.Replace("0x", "", StringComparison.Ordinal));
        using var clean = KeystorePassword.FromText("testpassword");
        var keystore = Eip2335Keystore.Parse(Eip2335Keystore.Encrypt(secret, clean, new KdfOptions(KdfFunction.Pbkdf2, 16)).ToJson());
        using var noisy = KeystorePassword.FromText("\u0001test\tpass\u007fword\u001f");
        using var other = KeystorePassword.FromText("testpassworc");

        Assert.Equal(secret, keystore.DecryptSecret(noisy));
        Assert.Throws<WrongPasswordException>(() => keystore.DecryptSecret(other));
    }

    [Theory]
    [InlineData("staking-deposit-cli_test0_pbkdf2.json", "testpassword")]
    [InlineData("chainsafe_pbkdf2-0.json", TestData.OfficialPassword)]
    [InlineData("chainsafe_pbkdf2-1.json", "testpassword🔑 ")]
    public void Rejects_wrong_password_with_checksum_message(string file, string password)
    {
        var keystore = Eip2335Keystore.Load(TestData.Eip2335("eip2335_keystores", file));
        using var pw = KeystorePassword.FromText(password);

        var error = Assert.Throws<WrongPasswordException>(() => keystore.DecryptSecret(pw));

        Assert.Equal("checksum mismatch: wrong password?", error.Message);
    }

    [Theory]
    [InlineData("staking-deposit-cli_test0_pbkdf2.json", TestData.OfficialPassword)]
    [InlineData("chainsafe_pbkdf2-0.json", "testpassword")]
    public void Decrypted_official_key_matches_the_pubkey_field(string file, string password)
    {
        var keystore = Eip2335Keystore.Load(TestData.Eip2335("eip2335_keystores", file));
        using var pw = KeystorePassword.FromText(password);

        using var key = keystore.DecryptKey(pw);

        Assert.Equal(BlsPublicKey.Parse(TestData.OfficialPubkey), key.PublicKey);
    }

    [Theory]
    [InlineData("staking-deposit-cli_test1_scrypt.json", TestData.OfficialPassword)]
    [InlineData("chainsafe_scrypt-0.json", "testpassword")]
    public void Scrypt_official_secret_is_the_key_of_the_pubkey_field(string file, string password)
    {
        var path = TestData.Eip2335("eip2335_keystores", file);

        using var key = BlsSecretKey.FromBytes(TestData.DecryptOnce(path, password));

        Assert.Equal(Eip2335Keystore.Load(path).PublicKey, key.PublicKey);
    }
}
