using System.Security.Cryptography;
using System.Text.Json;
using DvtBus.Crypto.Encryption;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Crypto.Tests.Encryption;

public class EciesTests
{
    private static readonly byte[] Receiver = Hex.Decode("0xe520872701d9ec44dbac2eab85512ad14ad0c42e01de56d7b528abd8524fcb47");

    [Fact]
    public void A_96_byte_signature_encrypts_to_193_bytes_and_back()
    {
        var signature = RandomNumberGenerator.GetBytes(96);
        var payload = Ecies.Encrypt(Ecies.PublicKeyOf(Receiver)[1..], signature);

        Assert.Equal(193, payload.Length);
        Assert.Equal(0x04, payload[0]);
        Assert.Equal(signature, Ecies.Decrypt(Receiver, payload));
    }

    [Fact]
    public void Each_encryption_uses_a_fresh_ephemeral_key_and_nonce()
    {
        var publicKey = Ecies.PublicKeyOf(Receiver);
        var a = Ecies.Encrypt(publicKey, [7]);
        var b = Ecies.Encrypt(publicKey, [7]);
        Assert.NotEqual(a[..65], b[..65]);
        Assert.NotEqual(a[65..81], b[65..81]);
    }

    [Fact]
    public void Empty_plaintext_round_trips()
    {
        var payload = Ecies.Encrypt(Ecies.PublicKeyOf(Receiver), []);
        Assert.Equal(Ecies.Overhead, payload.Length);
        Assert.Empty(Ecies.Decrypt(Receiver, payload));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    [InlineData(96)]
    [InlineData(97)]
    [InlineData(100)]
    [InlineData(192)]
    public void Fails_clearly_on_a_tampered_byte(int position)
    {
        var payload = Ecies.Encrypt(Ecies.PublicKeyOf(Receiver), RandomNumberGenerator.GetBytes(96));
        payload[position] ^= 0x01;
        var error = Assert.Throws<CryptographicException>(() => Ecies.Decrypt(Receiver, payload));
        Assert.True(error.Message.Contains("authentication tag does not match") || error.Message.Contains("does not start with an uncompressed secp256k1 point"), error.Message);
    }

    [Fact]
    public void Fails_clearly_with_the_wrong_private_key()
    {
        var payload = Ecies.Encrypt(Ecies.PublicKeyOf(Receiver), [1, 2, 3]);
        var other = Hex.Decode("0x562b6cd3611d463f2c59218f1be2816472ad4a489450873dd585de7df662bb68");
        Assert.Contains("wrong key or tampered payload", Assert.Throws<CryptographicException>(() => Ecies.Decrypt(other, payload)).Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    [InlineData(96)]
    public void Fails_clearly_on_a_payload_too_short(int length)
    {
        var error = Assert.Throws<CryptographicException>(() => Ecies.Decrypt(Receiver, new byte[length]));
        Assert.Equal($"ECIES payload must be at least 97 bytes, got {length}", error.Message);
    }

    [Fact]
    public void Fails_clearly_when_the_ephemeral_key_is_compressed_or_off_the_curve()
    {
        var payload = Ecies.Encrypt(Ecies.PublicKeyOf(Receiver), [1]);
        var compressed = (byte[])payload.Clone();
        compressed[0] = 0x02;
        Assert.Throws<CryptographicException>(() => Ecies.Decrypt(Receiver, compressed));
        var offCurve = (byte[])payload.Clone();
        offCurve[64] ^= 0x01;
        Assert.Contains("not start with an uncompressed secp256k1 point", Assert.Throws<CryptographicException>(() => Ecies.Decrypt(Receiver, offCurve)).Message);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(33)]
    public void Rejects_a_private_key_of_the_wrong_length_without_echoing_it(int length)
    {
        var key = Enumerable.Repeat((byte)0xab, length).ToArray();
        var error = Assert.Throws<ArgumentException>(() => Ecies.Decrypt(key, new byte[200]));
        Assert.Contains($"got {length}", error.Message);
        Assert.DoesNotContain("abab", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(66)]
    public void Rejects_a_public_key_of_the_wrong_length(int length)
    {
        Assert.False(Ecies.IsValidPublicKey(new byte[length]));
        Assert.Throws<ArgumentException>(() => Ecies.Encrypt(new byte[length], [1]));
    }

    [Fact]
    public void Rejects_a_hybrid_encoded_public_key()
    {
        var hybrid = Ecies.PublicKeyOf(Receiver);
        hybrid[0] = (byte)(0x06 | (hybrid[64] & 1));
        Assert.False(Ecies.IsValidPublicKey(hybrid));
        Assert.Throws<ArgumentException>(() => Ecies.Encrypt(hybrid, [1]));
    }

    [Fact]
    public void Rejects_the_point_at_infinity_as_public_key()
    {
        Assert.Throws<ArgumentException>(() => Ecies.Encrypt(new byte[65], [1]));
    }

    [Fact]
    public async Task Interoperates_with_eciesjs_in_both_directions()
    {
        var keys = Enumerable.Range(0, 6).Select(_ => RandomPrivateKey()).ToList();
        List<byte[]> messages = [RandomNumberGenerator.GetBytes(96), [], [0x42], RandomNumberGenerator.GetBytes(96), RandomNumberGenerator.GetBytes(1000), RandomNumberGenerator.GetBytes(96)];
        var publicKeys = keys.Select(k => Ecies.PublicKeyOf(k)).ToList();
        // Ours encrypts (alternating the 64- and 65-byte key forms); eciesjs must decrypt.
        var ours = messages.Select((m, i) => Ecies.Encrypt(i % 2 == 0 ? publicKeys[i][1..] : publicKeys[i], m)).ToList();

        var request = new
        {
            publicKeyOf = keys.Select(k => Hex.Encode(k, prefix: false)),
            encrypt = messages.Select((m, i) => new { publicKey = Hex.Encode(publicKeys[i]), plaintext = Hex.Encode(m, prefix: false) }),
            decrypt = ours.Select((c, i) => new { privateKey = Hex.Encode(keys[i], prefix: false), payload = Hex.Encode(c, prefix: false) }),
        };
        using var response = JsonDocument.Parse(await NodePeer.RunAsync("crypto-ecies.mjs", JsonSerializer.Serialize(request)));
        var root = response.RootElement;

        for (var i = 0; i < keys.Count; i++)
        {
            Assert.Equal(publicKeys[i], Hex.Decode(root.GetProperty("publicKeys")[i].GetString()));
            Assert.Equal(messages[i], Hex.Decode(root.GetProperty("decrypted")[i].GetString()));
            var theirs = Hex.Decode(root.GetProperty("encrypted")[i].GetString());
            Assert.Equal(Ecies.Overhead + messages[i].Length, theirs.Length);
            Assert.Equal(messages[i], Ecies.Decrypt(keys[i], theirs));
        }
        Assert.Equal(193, ours[0].Length);
    }

    private static byte[] RandomPrivateKey()
    {
        while (true)
        {
            var key = RandomNumberGenerator.GetBytes(32);
            try
            {
                Ecies.PublicKeyOf(key);
                return key;
            }
            catch (ArgumentException)
            {
                // Out of range: astronomically rare, draw again.
            }
        }
    }
}
