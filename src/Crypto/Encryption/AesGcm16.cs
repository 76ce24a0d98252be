using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace DvtBus.Crypto.Encryption;

/// <summary>
/// AES-256-GCM with the 16-byte nonce eciespy and eciesjs use. The framework's AesGcm only takes
/// 12-byte nonces (a 16-byte one goes through GHASH to form the counter block), so BouncyCastle does it.
/// </summary>
internal static class AesGcm16
{
    public const int NonceSize = 16;
    public const int TagSize = 16;

    public static void Encrypt(byte[] key, byte[] nonce, ReadOnlySpan<byte> plaintext, Span<byte> tag, Span<byte> ciphertext)
    {
        var cipher = Create(forEncryption: true, key, nonce);
        var output = new byte[plaintext.Length + TagSize];
        var written = cipher.ProcessBytes(plaintext.ToArray(), 0, plaintext.Length, output, 0);
        cipher.DoFinal(output, written);
        output.AsSpan(0, plaintext.Length).CopyTo(ciphertext);
        output.AsSpan(plaintext.Length, TagSize).CopyTo(tag);
    }

    public static bool TryDecrypt(byte[] key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        var cipher = Create(forEncryption: false, key, nonce.ToArray());
        // BouncyCastle expects ciphertext || tag; the ECIES layout puts the tag first.
        byte[] input = [.. ciphertext, .. tag];
        var output = new byte[ciphertext.Length];
        try
        {
            var written = cipher.ProcessBytes(input, 0, input.Length, output, 0);
            cipher.DoFinal(output, written);
        }
        catch (InvalidCipherTextException)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(output);
            return false;
        }
        output.CopyTo(plaintext);
        return true;
    }

    private static GcmBlockCipher Create(bool forEncryption, byte[] key, byte[] nonce)
    {
        var cipher = new GcmBlockCipher(new AesEngine());
        cipher.Init(forEncryption, new AeadParameters(new KeyParameter(key), TagSize * 8, nonce));
        return cipher;
    }
}
