using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DvtBus.Crypto.Encryption;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Crypto.Tests.Encryption;

[Trait("Category", "Vectors")]
public class EciesVectorTests
{
    private static JsonElement Vectors(string section)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector("ecies", "ecies_secp256k1_vectors.json")));
        return doc.RootElement.GetProperty(section).Clone();
    }

    private static byte[] H(JsonElement element, string name) => Hex.Decode(element.GetProperty(name).GetString());

    private static JsonElement Named(string section, string namePrefix) =>
        Vectors(section).EnumerateArray().Single(v => v.GetProperty("name").GetString()!.StartsWith(namePrefix, StringComparison.Ordinal));

    [Fact]
    public void Decrypts_the_default_format_vector()
    {
        var vector = Named("full_decrypt_vectors", "secp256k1 + aes-256-gcm (16-byte nonce)");
        var payload = H(vector, "payload");

        var plaintext = Ecies.Decrypt(H(vector, "receiver_private_key"), payload);

        Assert.Equal(vector.GetProperty("payload_length").GetInt32(), payload.Length);
        Assert.Equal(H(vector, "plaintext_hex"), plaintext);
        Assert.Equal(vector.GetProperty("plaintext_utf8").GetString(), Encoding.UTF8.GetString(plaintext));
    }

    [Fact]
    public void Derives_the_vectors_aes_key_for_the_default_format_payload()
    {
        var vector = Named("full_decrypt_vectors", "secp256k1 + aes-256-gcm (16-byte nonce)");
        var ephemeralPublic = H(vector, "payload")[..65];
        var receiverSecret = H(vector, "receiver_private_key");

        Assert.Equal(H(vector.GetProperty("derived_by_collector"), "aes_key"), Ecies.Decapsulate(receiverSecret, ephemeralPublic));
    }

    [Fact]
    public void Refuses_the_non_default_variants_with_a_tag_error()
    {
        foreach (var prefix in new[] { "secp256k1 + aes-256-gcm with 12-byte nonce", "secp256k1 + xchacha20" })
        {
            var vector = Named("full_decrypt_vectors", prefix);
            var error = Assert.Throws<CryptographicException>(() => Ecies.Decrypt(H(vector, "receiver_private_key"), H(vector, "payload")));
            Assert.Contains("authentication tag does not match", error.Message);
        }
    }

    [Fact]
    public void Encapsulates_the_uncompressed_kem_vector()
    {
        var vector = Named("kem_vectors", "encapsulate(sk=2, peer_pk=3*G) uncompressed");
        var receiverPublic = Ecies.PublicKeyOf(H(vector, "receiver_private_key"));

        Assert.Equal(H(vector, "shared_secret"), Ecies.Encapsulate(H(vector, "sender_private_key"), receiverPublic));
    }

    [Fact]
    public void Hkdf_with_empty_salt_and_info_matches_the_vector()
    {
        var vector = Named("kem_vectors", "HKDF-SHA256(IKM=b'secret'");
        Assert.Equal(H(vector, "okm"), Ecies.Hkdf(Encoding.UTF8.GetBytes(vector.GetProperty("ikm_utf8").GetString()!)));
    }

    public static TheoryData<int> AesPositions => new() { 0, 1 };

    [Theory, MemberData(nameof(AesPositions))]
    public void Aes_gcm_with_a_16_byte_nonce_matches_the_vectors(int position)
    {
        var vector = Vectors("aes_gcm_16_byte_nonce_vectors")[position];
        var key = H(vector, "key");
        var nonce = H(vector, "nonce");
        var plaintext = vector.TryGetProperty("plaintext", out _) ? H(vector, "plaintext") : Encoding.UTF8.GetBytes(vector.GetProperty("plaintext_utf8").GetString()!);

        var tag = new byte[16];
        var ciphertext = new byte[plaintext.Length];
        AesGcm16.Encrypt(key, nonce, plaintext, tag, ciphertext);
        Assert.Equal(H(vector, "tag"), tag);
        Assert.Equal(H(vector, "ciphertext"), ciphertext);

        var decrypted = new byte[plaintext.Length];
        Assert.True(AesGcm16.TryDecrypt(key, nonce, ciphertext, tag, decrypted));
        Assert.Equal(plaintext, decrypted);
        tag[0] ^= 1;
        Assert.False(AesGcm16.TryDecrypt(key, nonce, ciphertext, tag, decrypted));
    }

    [Fact]
    public void Public_key_of_the_known_private_key_in_every_accepted_encoding()
    {
        var vector = Vectors("key_format_vectors")[0];
        var privateKey = H(vector, "private_key");
        Assert.Equal(H(vector, "public_key_uncompressed"), Ecies.PublicKeyOf(privateKey));

        foreach (var encoding in new[] { "public_key_eth_format_64_bytes", "public_key_compressed", "public_key_uncompressed" })
        {
            Assert.True(Ecies.IsValidPublicKey(H(vector, encoding)));
            Assert.Equal([1, 2, 3], Ecies.Decrypt(privateKey, Ecies.Encrypt(H(vector, encoding), [1, 2, 3])));
        }
    }

    [Fact]
    public void Rejects_the_invalid_private_keys_and_accepts_the_valid_one()
    {
        foreach (var vector in Vectors("invalid_keys").EnumerateArray().Where(v => v.TryGetProperty("private_key", out _)))
        {
            var key = H(vector, "private_key");
            if (vector.GetProperty("valid").GetBoolean())
                Assert.Equal(65, Ecies.PublicKeyOf(key).Length);
            else
                Assert.Contains("out of range", Assert.Throws<ArgumentException>(() => Ecies.PublicKeyOf(key)).Message);
        }
    }

    [Fact]
    public void Rejects_the_public_key_that_is_not_on_the_curve()
    {
        var vector = Vectors("invalid_keys").EnumerateArray().Single(v => v.TryGetProperty("public_key", out _));
        Assert.False(Ecies.IsValidPublicKey(H(vector, "public_key")));
        var error = Assert.Throws<ArgumentException>(() => Ecies.Encrypt(H(vector, "public_key"), [1]));
        Assert.Contains("not a secp256k1 point", error.Message);
    }
}
