using DvtBus.Primitives;

namespace DvtBus.Keystores.Tests;

public class KeystorePasswordTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dvt-password-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly KdfOptions Cheap = new(KdfFunction.Pbkdf2, 16);

    [Theory]
    [InlineData("hunter2\n")]
    [InlineData("hunter2\r\n")]
    [InlineData("hunter2")]
    public void Password_file_drops_one_trailing_newline(string content)
    {
        using var original = KeystorePassword.FromText("hunter2");
        var keystore = Eip2335Keystore.Encrypt(new byte[] { 1, 2, 3 }, original, Cheap);
        var ethereum = EthereumKeystore.Encrypt(Convert.FromHexString("7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"), original, Cheap);
        var file = Path.Combine(_dir, "pw.txt");
        File.WriteAllText(file, content);

        using var read = KeystorePassword.ReadFile(file);

        Assert.Equal(new byte[] { 1, 2, 3 }, keystore.DecryptSecret(read));
        // v3 keystores do not normalise, so this also shows the newline itself is gone.
        Assert.Equal(32, ethereum.DecryptPrivateKey(read).Length);
    }

    [Fact]
    public void Password_file_keeps_non_ascii_bytes_as_they_are()
    {
        var file = Path.Combine(_dir, "pw.txt");
        File.WriteAllBytes(file, [0x61, 0xdb, 0xb5]);
        using var text = KeystorePassword.FromText("a\u06F5");
        var keystore = EthereumKeystore.Encrypt(Convert.FromHexString("7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"), text, Cheap);

        using var read = KeystorePassword.ReadFile(file);

        Assert.Equal(32, keystore.DecryptPrivateKey(read).Length);
    }

    [Fact]
    public void Rejects_password_file_that_is_not_utf8()
    {
        var file = Path.Combine(_dir, "pw.txt");
        File.WriteAllBytes(file, [0x61, 0xff, 0x62]);

        var error = Assert.Throws<KeyMaterialException>(() => KeystorePassword.ReadFile(file));

        Assert.Contains("not valid UTF-8", error.Message);
        Assert.Contains(file, error.Message);
    }

    [Fact]
    public void Missing_password_file_names_the_file()
    {
        var file = Path.Combine(_dir, "absent.txt");

        var error = Assert.Throws<KeyMaterialException>(() => KeystorePassword.ReadFile(file));

        Assert.Contains(file, error.Message);
    }

    [Fact]
    public void Rejects_text_with_an_unpaired_surrogate()
    {
        var error = Assert.Throws<ArgumentException>(() => KeystorePassword.FromText("abc\uD83D"));

        Assert.Contains("unpaired surrogate", error.Message);
    }

    [Fact]
    public void Password_never_appears_in_its_string_form()
    {
        using var pw = KeystorePassword.FromText("correct horse battery staple");

        Assert.DoesNotContain("horse", pw.ToString());
    }

    [Fact]
    public void Compatibility_characters_normalise_to_the_same_key()
    {
        // U+FB01 (the "fi" ligature) and U+2460 (circled one) decompose under NFKD to "fi" and "1".
        using var plain = KeystorePassword.FromText("fi1");
        using var fancy = KeystorePassword.FromText("\uFB01\u2460");
        var keystore = Eip2335Keystore.Encrypt(new byte[] { 9 }, plain, Cheap);

        Assert.Equal(new byte[] { 9 }, keystore.DecryptSecret(fancy));
        Assert.Equal("0x09", Hex.Encode(keystore.DecryptSecret(fancy)));
    }
}
