using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Primitives;
using DvtBus.TestSupport;

namespace DvtBus.Keystores.Tests;

public class EthereumKeystoreTests
{
    // A well-known throwaway key (the Web3 Secret Storage example); its address is 0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b.
    private static readonly byte[] PrivateKey = Convert.FromHexString("7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d");
    private static readonly Address ExpectedAddress = Address.Parse("0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b");

    [Fact]
    public void Address_is_derived_from_the_private_key()
    {
        Assert.Equal(ExpectedAddress, EthereumKeystore.AddressOf(PrivateKey));
    }

    [Theory]
    [InlineData(KdfFunction.Pbkdf2, 1024)]
    [InlineData(KdfFunction.Scrypt, 1024)]
    public void Encrypted_keystore_round_trips_through_json(KdfFunction function, int cost)
    {
        using var pw = KeystorePassword.FromText("v3 password");
        var keystore = EthereumKeystore.Encrypt(PrivateKey, pw, new KdfOptions(function, cost));

        var parsed = EthereumKeystore.Parse(keystore.ToJson());

        Assert.Equal(PrivateKey, parsed.DecryptPrivateKey(pw));
        Assert.Equal(ExpectedAddress, parsed.Address);
        Assert.Equal(function, parsed.Kdf);
    }

    [Fact]
    public async Task Ethers_decrypts_what_we_encrypt()
    {
        using var pw = KeystorePassword.FromText("ethers peer");
        var keystore = EthereumKeystore.Encrypt(PrivateKey, pw, new KdfOptions(KdfFunction.Scrypt, 1024));

        var answer = JsonNode.Parse(await NodePeer.RunAsync("keystores-peer.mjs",
            JsonSerializer.Serialize(new { op = "v3-decrypt", keystore = keystore.ToJson(), password = "ethers peer" })))!;

        Assert.Equal("0x" + Convert.ToHexStringLower(PrivateKey), answer["privateKey"]!.GetValue<string>());
        Assert.Equal(ExpectedAddress, Address.Parse(answer["address"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Decrypts_what_ethers_encrypts()
    {
        var answer = JsonNode.Parse(await NodePeer.RunAsync("keystores-peer.mjs", JsonSerializer.Serialize(new
        {
            op = "v3-encrypt",
            privateKey = "0x" + Convert.ToHexStringLower(PrivateKey),
            password = "ethers peer",
            n = 1024,
        })))!;
        var keystore = EthereumKeystore.Parse(answer["keystore"]!.GetValue<string>());
        using var pw = KeystorePassword.FromText("ethers peer");

        Assert.Equal(PrivateKey, keystore.DecryptPrivateKey(pw));
        Assert.Equal(ExpectedAddress, keystore.Address);
    }

    [Fact]
    public void Rejects_wrong_password_with_mac_message()
    {
        using var pw = KeystorePassword.FromText("right");
        using var wrong = KeystorePassword.FromText("wrong");
        var keystore = EthereumKeystore.Encrypt(PrivateKey, pw, new KdfOptions(KdfFunction.Pbkdf2, 16));

        var error = Assert.Throws<WrongPasswordException>(() => keystore.DecryptPrivateKey(wrong));

        Assert.Contains("wrong password?", error.Message);
    }

    [Fact]
    public void Rejects_key_that_does_not_belong_to_the_address_field()
    {
        using var pw = KeystorePassword.FromText("right");
        var json = JsonNode.Parse(EthereumKeystore.Encrypt(PrivateKey, pw, new KdfOptions(KdfFunction.Pbkdf2, 16)).ToJson())!;
        json["address"] = "0x0000000000000000000000000000000000000001";
        var keystore = EthereumKeystore.Parse(json.ToJsonString());

        var error = Assert.Throws<KeyMaterialException>(() => keystore.DecryptPrivateKey(pw));

        Assert.Contains("does not belong to the keystore address", error.Message);
    }

    [Theory]
    [InlineData("00")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")]
    public void Refuses_to_encrypt_an_invalid_private_key(string hex)
    {
        using var pw = KeystorePassword.FromText("x");

        Assert.Throws<ArgumentException>(() => EthereumKeystore.Encrypt(Convert.FromHexString(hex), pw, new KdfOptions(KdfFunction.Pbkdf2, 16)));
    }

    [Theory]
    [InlineData("""{"version":4,"crypto":{}}""", "version must be 3")]
    [InlineData("""{"version":3}""", "'crypto'")]
    [InlineData("""{"version":3,"crypto":{"cipher":"aes-128-cbc"}}""", "unsupported cipher 'aes-128-cbc'")]
    [InlineData("""{"version":3,"crypto":{},"crypto":{}}""", "is not valid JSON")]
    [InlineData("""{"version":3,"crypto":{"cipher":"aes-128-ctr","cipher":"aes-128-ctr"}}""", "is not valid JSON")]
    public void Rejects_malformed_keystore_with_a_reason(string json, string reason)
    {
        var error = Assert.ThrowsAny<KeyMaterialException>(() => EthereumKeystore.Parse(json));

        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Rejects_keystore_with_short_mac()
    {
        using var pw = KeystorePassword.FromText("x");
        var json = JsonNode.Parse(EthereumKeystore.Encrypt(PrivateKey, pw, new KdfOptions(KdfFunction.Pbkdf2, 16)).ToJson())!;
        json["crypto"]!["mac"] = "abcd";

        var error = Assert.Throws<KeyMaterialException>(() => EthereumKeystore.Parse(json.ToJsonString()));

        Assert.Contains("mac must be 32 bytes", error.Message);
    }

    [Fact]
    public void String_form_shows_the_address_but_no_secret()
    {
        using var pw = KeystorePassword.FromText("x");
        var keystore = EthereumKeystore.Encrypt(PrivateKey, pw, new KdfOptions(KdfFunction.Pbkdf2, 16));

        Assert.Contains("0x008aeeda", keystore.ToString());
        Assert.DoesNotContain("7a28b5ba", keystore.ToString());
    }
}
