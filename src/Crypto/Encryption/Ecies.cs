using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Math;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace DvtBus.Crypto.Encryption;

/// <summary>
/// secp256k1 ECIES in the default wire format of eciespy 0.4 and eciesjs 0.5, which the StakeWise
/// oracles decrypt with: ephemeral_pk(65) || nonce(16) || tag(16) || ciphertext, the AES key being
/// HKDF-SHA256 over ephemeral_pk || shared point (both uncompressed), no salt, no info.
/// </summary>
public static class Ecies
{
    public const int Overhead = PointSize + AesGcm16.NonceSize + AesGcm16.TagSize;
    private const int PointSize = 65;

    private static readonly X9ECParameters Curve = CustomNamedCurves.GetByName("secp256k1");

    /// <summary>Encrypts to a receiver's public key: 64 bytes (x || y), 65 (04 || x || y) or 33 (compressed).</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> receiverPublicKey, ReadOnlySpan<byte> plaintext)
    {
        var receiver = DecodePublicKey(receiverPublicKey)
            ?? throw new ArgumentException("receiver public key is not a secp256k1 point (64, 65 or 33 bytes)", nameof(receiverPublicKey));

        var ephemeral = RandomScalar();
        var ephemeralPublic = Curve.G.Multiply(ephemeral).Normalize().GetEncoded(false);
        var key = DeriveKey(ephemeralPublic, receiver.Multiply(ephemeral));
        try
        {
            var nonce = RandomNumberGenerator.GetBytes(AesGcm16.NonceSize);
            var payload = new byte[Overhead + plaintext.Length];
            ephemeralPublic.CopyTo(payload, 0);
            nonce.CopyTo(payload, PointSize);
            AesGcm16.Encrypt(key, nonce, plaintext, payload.AsSpan(PointSize + AesGcm16.NonceSize, AesGcm16.TagSize), payload.AsSpan(Overhead));
            return payload;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Decrypts with the receiver's 32-byte private key; a wrong key, a tampered payload or a malformed one fails with
    /// <see cref="CryptographicException"/>. A private key that is not 32 bytes is the caller's error: <see cref="ArgumentException"/>.
    /// </summary>
    public static byte[] Decrypt(ReadOnlySpan<byte> receiverPrivateKey, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < Overhead)
            throw new CryptographicException($"ECIES payload must be at least {Overhead} bytes, got {payload.Length}");
        var key = Decapsulate(receiverPrivateKey, payload[..PointSize]);
        try
        {
            var nonce = payload.Slice(PointSize, AesGcm16.NonceSize);
            var tag = payload.Slice(PointSize + AesGcm16.NonceSize, AesGcm16.TagSize);
            var plaintext = new byte[payload.Length - Overhead];
            if (!AesGcm16.TryDecrypt(key, nonce, payload[Overhead..], tag, plaintext))
                throw new CryptographicException("ECIES authentication tag does not match: wrong key or tampered payload");
            return plaintext;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Whether <see cref="Encrypt"/> takes this key: 64, 65 (04 prefix) or 33 bytes, on the curve. For checking configuration up front.</summary>
    public static bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) => DecodePublicKey(publicKey) is not null;

    /// <summary>The uncompressed public key (04 || x || y) of a 32-byte private key.</summary>
    public static byte[] PublicKeyOf(ReadOnlySpan<byte> privateKey) => Curve.G.Multiply(DecodePrivateKey(privateKey)).Normalize().GetEncoded(false);

    /// <summary>The sender's side of the key derivation; exposed to the tests to pin the KEM vectors.</summary>
    internal static byte[] Encapsulate(ReadOnlySpan<byte> senderPrivateKey, ReadOnlySpan<byte> receiverPublicKey)
    {
        var sender = DecodePrivateKey(senderPrivateKey);
        var receiver = DecodePublicKey(receiverPublicKey) ?? throw new ArgumentException("not a secp256k1 point", nameof(receiverPublicKey));
        return DeriveKey(Curve.G.Multiply(sender).Normalize().GetEncoded(false), receiver.Multiply(sender));
    }

    /// <summary>The receiver's side: HKDF over the payload's ephemeral key and receiver_sk * ephemeral key.</summary>
    internal static byte[] Decapsulate(ReadOnlySpan<byte> receiverPrivateKey, ReadOnlySpan<byte> ephemeralPublic)
    {
        var secret = DecodePrivateKey(receiverPrivateKey);
        if (ephemeralPublic.Length != PointSize || ephemeralPublic[0] != 0x04 || DecodePublicKey(ephemeralPublic) is not { } ephemeral)
            throw new CryptographicException("ECIES payload does not start with an uncompressed secp256k1 point");
        return DeriveKey(ephemeralPublic, ephemeral.Multiply(secret));
    }

    internal static byte[] Hkdf(ReadOnlySpan<byte> ikm)
    {
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, key, salt: [], info: []);
        return key;
    }

    private static byte[] DeriveKey(ReadOnlySpan<byte> ephemeralPublic, ECPoint shared)
    {
        Span<byte> ikm = stackalloc byte[2 * PointSize];
        try
        {
            ephemeralPublic.CopyTo(ikm);
            shared.Normalize().GetEncoded(false).CopyTo(ikm[PointSize..]);
            return Hkdf(ikm);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm);
        }
    }

    private static BigInteger DecodePrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != 32)
            throw new ArgumentException($"secp256k1 private key must be 32 bytes, got {privateKey.Length}", nameof(privateKey));
        var copy = privateKey.ToArray();
        var scalar = new BigInteger(1, copy);
        CryptographicOperations.ZeroMemory(copy);
        if (scalar.SignValue == 0 || scalar.CompareTo(Curve.N) >= 0)
            throw new ArgumentException("secp256k1 private key is out of range (zero or not below the group order)", nameof(privateKey));
        return scalar;
    }

    private static ECPoint? DecodePublicKey(ReadOnlySpan<byte> publicKey)
    {
        // Only the encodings eciesjs accepts; BouncyCastle alone would also take the hybrid 0x06/0x07 form.
        byte[] encoded;
        if (publicKey.Length == 64) encoded = [0x04, .. publicKey];
        else if ((publicKey.Length == 65 && publicKey[0] == 0x04) || (publicKey.Length == 33 && publicKey[0] is 0x02 or 0x03)) encoded = publicKey.ToArray();
        else return null;
        try
        {
            var point = Curve.Curve.DecodePoint(encoded);
            return point.IsInfinity || !point.IsValid() ? null : point;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static BigInteger RandomScalar()
    {
        var bytes = new byte[32];
        try
        {
            while (true)
            {
                RandomNumberGenerator.Fill(bytes);
                var scalar = new BigInteger(1, bytes);
                if (scalar.SignValue > 0 && scalar.CompareTo(Curve.N) < 0) return scalar;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
