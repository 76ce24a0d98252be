using DvtBus.Bls;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Tests;

/// <summary>Keystores written by real tools (all scrypt 2^18), apart from the official vectors so both classes run in parallel.</summary>
[Trait("Category", "Vectors")]
public class ToolKeystoreVectorTests
{
    public static TheoryData<string> StakingSmithKeystores => new(
        "withdrawal_credentials_bls__hoodi__keystore-m_12381_3600_0_0_0-1755000050.json",
        "withdrawal_credentials_execution__hoodi__keystore-m_12381_3600_0_0_0-1755073089.json",
        "multiple_validators__hoodi__keystore-m_12381_3600_0_0_0-1755071454.json",
        "multiple_validators__hoodi__keystore-m_12381_3600_1_0_0-1755071454.json",
        "multiple_validators__hoodi__keystore-m_12381_3600_2_0_0-1755071454.json");

    [Theory]
    [MemberData(nameof(StakingSmithKeystores))]
    public void Decrypts_eth_staking_smith_keystore_with_its_password(string file)
    {
        var entry = TestData.Json(TestData.Eip2335("tool_keystores", "eth-staking-smith", "passwords.json"))["files"]![file]!;
        var path = TestData.Eip2335("tool_keystores", "eth-staking-smith", file);
        var keystore = Eip2335Keystore.Load(path);

        var secret = TestData.DecryptOnce(path, entry["password"]!.GetValue<string>());

        Assert.Equal(32, secret.Length);
        Assert.Equal(entry["path"]!.GetValue<string>(), keystore.Path);
        Assert.NotNull(keystore.PublicKey);
        if (entry["secret_key"] is { } expected) Assert.Equal(expected.GetValue<string>(), Hex.Encode(secret));
    }

    [Theory]
    [MemberData(nameof(StakingSmithKeystores))]
    public void Eth_staking_smith_secret_is_the_key_of_its_pubkey(string file)
    {
        var entry = TestData.Json(TestData.Eip2335("tool_keystores", "eth-staking-smith", "passwords.json"))["files"]![file]!;
        var path = TestData.Eip2335("tool_keystores", "eth-staking-smith", file);

        using var key = BlsSecretKey.FromBytes(TestData.DecryptOnce(path, entry["password"]!.GetValue<string>()));

        Assert.Equal(Eip2335Keystore.Load(path).PublicKey, key.PublicKey);
    }

    [Fact]
    public void Decrypts_charon_keystore_with_its_password_file()
    {
        var path = TestData.Eip2335("tool_keystores", "charon", "keystore-scrypt.json");
        var keystore = Eip2335Keystore.Load(path);
        using var pw = KeystorePassword.ReadFile(TestData.Eip2335("tool_keystores", "charon", "keystore-scrypt.txt"));

        var secret = TestData.DecryptOnce(path, pw);

        Assert.Equal(32, secret.Length);
        Assert.Equal("3E40BBD1-565C-0F76-6508-DF06F57803F9", keystore.Uuid);
    }

    [Fact]
    public void Charon_secret_is_the_key_of_its_pubkey()
    {
        var path = TestData.Eip2335("tool_keystores", "charon", "keystore-scrypt.json");
        using var password = KeystorePassword.ReadFile(TestData.Eip2335("tool_keystores", "charon", "keystore-scrypt.txt"));

        using var key = BlsSecretKey.FromBytes(TestData.DecryptOnce(path, password));

        Assert.Equal(Eip2335Keystore.Load(path).PublicKey, key.PublicKey);
    }

    [Fact]
    public void Decrypts_the_ssv_keys_validator_keystore()
    {
        var path = TestData.Ssv("ssv-keys", "test.keystore.json");

        var secret = TestData.DecryptOnce(path, "testtest");

        Assert.Equal("0x63bc15d14d1460491535700fa2b6ac8873e1ede401cfc46e0c5ce77f00633d29", Hex.Encode(secret));
    }

    [Fact]
    public void Ssv_keys_validator_secret_is_the_key_of_its_pubkey()
    {
        var path = TestData.Ssv("ssv-keys", "test.keystore.json");

        using var key = BlsSecretKey.FromBytes(TestData.DecryptOnce(path, "testtest"));

        Assert.Equal(Eip2335Keystore.Load(path).PublicKey, key.PublicKey);
    }
}
