using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Primitives;
using DvtBus.TestSupport;

namespace DvtBus.Keystores.Tests;

public class Eip2335KeystoreTests
{
    private static readonly byte[] Secret = Convert.FromHexString("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");

    [Theory]
    [InlineData(KdfFunction.Pbkdf2, 1024)]
    [InlineData(KdfFunction.Scrypt, 1024)]
    public void Encrypted_keystore_round_trips_through_json(KdfFunction function, int cost)
    {
        using var pw = KeystorePassword.FromText("round trip");
        var keystore = Eip2335Keystore.Encrypt(Secret, pw, new KdfOptions(function, cost), path: "m/12381/3600/0/0/0");

        var parsed = Eip2335Keystore.Parse(keystore.ToJson());

        Assert.Equal(Secret, parsed.DecryptSecret(pw));
        Assert.Equal(function, parsed.Kdf);
        Assert.Equal("m/12381/3600/0/0/0", parsed.Path);
        Assert.True(Guid.TryParse(parsed.Uuid, out _));
    }

    [Fact]
    public void Each_encryption_uses_fresh_salt_iv_and_uuid()
    {
        using var pw = KeystorePassword.FromText("same");
        var options = new KdfOptions(KdfFunction.Pbkdf2, 16);

        var first = JsonNode.Parse(Eip2335Keystore.Encrypt(Secret, pw, options).ToJson())!;
        var second = JsonNode.Parse(Eip2335Keystore.Encrypt(Secret, pw, options).ToJson())!;

        Assert.NotEqual(first["crypto"]!["kdf"]!["params"]!["salt"]!.GetValue<string>(), second["crypto"]!["kdf"]!["params"]!["salt"]!.GetValue<string>());
        Assert.NotEqual(first["crypto"]!["cipher"]!["params"]!["iv"]!.GetValue<string>(), second["crypto"]!["cipher"]!["params"]!["iv"]!.GetValue<string>());
        Assert.NotEqual(first["uuid"]!.GetValue<string>(), second["uuid"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("pbkdf2")]
    [InlineData("scrypt")]
    public async Task Node_decrypts_what_we_encrypt(string kdf)
    {
        using var pw = KeystorePassword.FromText(TestData.OfficialPassword);
        var keystore = Eip2335Keystore.Encrypt(Secret, pw,
            new KdfOptions(kdf == "scrypt" ? KdfFunction.Scrypt : KdfFunction.Pbkdf2, 1024));

        var answer = await NodePeer.RunAsync("keystores-peer.mjs", JsonSerializer.Serialize(new
        {
            op = "eip2335-decrypt",
            keystore = keystore.ToJson(),
            password = TestData.OfficialPassword,
        }));

        Assert.Equal(Convert.ToHexStringLower(Secret), JsonNode.Parse(answer)!["secret"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("pbkdf2")]
    [InlineData("scrypt")]
    public async Task Decrypts_what_node_encrypts(string kdf)
    {
        var answer = await NodePeer.RunAsync("keystores-peer.mjs", JsonSerializer.Serialize(new
        {
            op = "eip2335-encrypt",
            secret = Convert.ToHexStringLower(Secret),
            password = "p\u00E4ssw\u00F6rd\u2163",
            kdf,
            cost = 2048,
        }));
        var keystore = Eip2335Keystore.Parse(JsonNode.Parse(answer)!["keystore"]!.GetValue<string>());
        using var pw = KeystorePassword.FromText("p\u00E4ssw\u00F6rd\u2163");

        Assert.Equal(Secret, keystore.DecryptSecret(pw));
    }

    [Fact]
    public void Bls_key_keystore_records_the_public_key_and_decrypts_to_the_same_key()
    {
        using var key = BlsSecretKey.FromBytes(Secret);
        using var pw = KeystorePassword.FromText("bls");

        var keystore = Eip2335Keystore.Parse(Eip2335Keystore.Encrypt(key, pw, new KdfOptions(KdfFunction.Pbkdf2, 16)).ToJson());
        using var decrypted = keystore.DecryptKey(pw);

        Assert.Equal(BlsPublicKey.Parse(TestData.OfficialPubkey), keystore.PublicKey);
        Assert.Equal(key.PublicKey, decrypted.PublicKey);
    }

    [Fact]
    public void Rejects_key_that_does_not_match_the_pubkey_field()
    {
        using var pw = KeystorePassword.FromText("bls");
        var json = JsonNode.Parse(Eip2335Keystore.Encrypt(Secret, pw, new KdfOptions(KdfFunction.Pbkdf2, 16)).ToJson())!;
        using var other = BlsSecretKey.FromBytes(Convert.FromHexString("63bc15d14d1460491535700fa2b6ac8873e1ede401cfc46e0c5ce77f00633d29"));
        json["pubkey"] = Hex.Encode(other.PublicKey.Span, prefix: false);
        var keystore = Eip2335Keystore.Parse(json.ToJsonString());

        var error = Assert.Throws<KeyMaterialException>(() => keystore.DecryptKey(pw));

        Assert.Contains("does not match the keystore pubkey", error.Message);
    }

    [Fact]
    public void Rejects_secret_that_is_not_a_bls_key()
    {
        using var pw = KeystorePassword.FromText("x");
        var keystore = Eip2335Keystore.Encrypt(new byte[] { 1, 2, 3 }, pw, new KdfOptions(KdfFunction.Pbkdf2, 16));

        var error = Assert.Throws<KeyMaterialException>(() => keystore.DecryptKey(pw));

        Assert.Contains("3 bytes", error.Message);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "not json", "not valid JSON" },
        { "[]", "must be a JSON object" },
        { """{"version":3,"crypto":{}}""", "version must be 4" },
        { """{"version":4}""", "'crypto'" },
        { Mutate(c => c["kdf"]!["function"] = "argon2"), "unsupported kdf function 'argon2'" },
        { Mutate(c => c["kdf"]!["params"]!["prf"] = "hmac-sha512"), "prf 'hmac-sha512'" },
        { Mutate(c => c["kdf"]!["params"]!["dklen"] = 16), "dklen must be 32" },
        { Mutate(c => c["cipher"]!["function"] = "aes-256-gcm"), "unsupported cipher 'aes-256-gcm'" },
        { Mutate(c => c["cipher"]!["params"]!["iv"] = "00"), "iv must be 16 bytes" },
        { Mutate(c => c["checksum"]!["function"] = "keccak256"), "checksum function 'keccak256'" },
        { Mutate(c => c["checksum"]!["message"] = "zz"), "'message' is not hex" },
        { Mutate(c => c["kdf"]!["params"]!["c"] = 0), "iteration count 0" },
        { MutateScrypt(c => c["kdf"]!["params"]!["n"] = 1000), "not a power of two" },
        { MutateScrypt(c => c["kdf"]!["params"]!["n"] = 1 << 30), "more than 1 GiB" },
        // Within the memory bound, but p runs the derivation 262143 times over (about a day) before the password is checked.
        { MutateScrypt(c => { c["kdf"]!["params"]!["n"] = 131072; c["kdf"]!["params"]!["r"] = 8; c["kdf"]!["params"]!["p"] = 262143; }), "more than 8 times the work" },
        { Mutate(c => c["cipher"]!["message"] = ""), "cipher message is empty" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejects_malformed_keystore_with_a_reason(string json, string reason)
    {
        var error = Assert.ThrowsAny<KeyMaterialException>(() => Eip2335Keystore.Parse(json));

        Assert.Contains(reason, error.Message);
    }

    /// <summary>Parameters within our bounds that the scrypt implementation refuses (n of 2^16 with r = 1) fail as a key error, not an ArgumentException.</summary>
    [Fact]
    public void Scrypt_parameters_the_implementation_refuses_fail_as_a_key_error()
    {
        var keystore = Eip2335Keystore.Parse(MutateScrypt(c => { c["kdf"]!["params"]!["n"] = 65536; c["kdf"]!["params"]!["r"] = 1; }));
        using var pw = KeystorePassword.FromText("x");

        var error = Assert.Throws<KeyMaterialException>(() => keystore.DecryptSecret(pw));

        Assert.StartsWith("scrypt n = 65536, r = 1, p = ", error.Message);
    }

    [Fact]
    public void Rejects_pubkey_of_wrong_length()
    {
        var json = JsonNode.Parse(Valid(KdfFunction.Pbkdf2))!;
        json["pubkey"] = "abcd";

        var error = Assert.Throws<KeyMaterialException>(() => Eip2335Keystore.Parse(json.ToJsonString()));

        Assert.Contains("pubkey", error.Message);
    }

    [Theory]
    [InlineData(KdfFunction.Scrypt, 1000)]
    [InlineData(KdfFunction.Pbkdf2, 0)]
    public void Refuses_to_encrypt_with_unusable_kdf_options(KdfFunction function, int cost)
    {
        using var pw = KeystorePassword.FromText("x");

        Assert.Throws<ArgumentException>(() => Eip2335Keystore.Encrypt(Secret, pw, new KdfOptions(function, cost)));
    }

    [Fact]
    public void String_form_shows_the_public_key_but_no_secret()
    {
        using var key = BlsSecretKey.FromBytes(Secret);
        using var pw = KeystorePassword.FromText("x");

        var text = Eip2335Keystore.Encrypt(key, pw, new KdfOptions(KdfFunction.Pbkdf2, 16)).ToString();

        Assert.Contains("0x9612d7a7", text);
        Assert.DoesNotContain("19d6689c", text);
    }

    [Fact]
    public void Missing_keystore_file_names_the_file()
    {
        var file = Path.Combine(Path.GetTempPath(), "dvt-no-such-keystore.json");

        var error = Assert.Throws<KeyMaterialException>(() => Eip2335Keystore.Load(file));

        Assert.Contains(file, error.Message);
    }

    private static string Valid(KdfFunction function)
    {
        using var pw = KeystorePassword.FromText("x");
        return Eip2335Keystore.Encrypt(Secret, pw, new KdfOptions(function, 16)).ToJson();
    }

    private static string Mutate(Action<JsonNode> change) => MutateWith(KdfFunction.Pbkdf2, change);

    private static string MutateScrypt(Action<JsonNode> change) => MutateWith(KdfFunction.Scrypt, change);

    private static string MutateWith(KdfFunction function, Action<JsonNode> change)
    {
        var json = JsonNode.Parse(Valid(function))!;
        change(json["crypto"]!);
        return json.ToJsonString();
    }
}
