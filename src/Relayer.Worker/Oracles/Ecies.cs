using System.Security.Cryptography;
using DvtBus.Primitives;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace DvtBus.Relayer.Oracles;

/// <summary>
/// Encrypts an exit-signature shard to an oracle in the format the StakeWise oracles decrypt
/// (eciespy / eciesjs defaults, PROTOCOL.md): ephemeral key 65 || nonce 16 || tag 16 || ciphertext.
/// Encrypt-only on purpose: the relayer never needs to read a shard back.
/// </summary>
internal static class Ecies
{
    private static readonly Org.BouncyCastle.Asn1.X9.X9ECParameters Curve = SecNamedCurves.GetByName("secp256k1");
    private const int NonceLength = 16;
    private const int TagLength = 16;

    public static bool TryParsePublicKey(string? hex, out ECPoint point)
    {
        point = Curve.G;
        if (!Hex.TryDecode(hex, out var bytes)) return false;
        if (bytes.Length == 64) bytes = [0x04, .. bytes];
        if (bytes.Length != 65 || bytes[0] != 0x04) return false;
        try
        {
            var decoded = Curve.Curve.DecodePoint(bytes);
            if (decoded.IsInfinity || !decoded.IsValid()) return false;
            point = decoded;
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static EncryptedExitSignature Encrypt(ECPoint recipient, ReadOnlySpan<byte> shard)
    {
        var ephemeralSecret = RandomScalar();
        var ephemeralPublic = Curve.G.Multiply(ephemeralSecret).Normalize().GetEncoded(false);
        var shared = recipient.Multiply(ephemeralSecret).Normalize().GetEncoded(false);
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. ephemeralPublic, .. shared], 32, [], []);
        var nonce = RandomNumberGenerator.GetBytes(NonceLength);
        try
        {
            // .NET's AesGcm takes 12-byte nonces only; the oracles' format needs 16.
            var gcm = new GcmBlockCipher(new AesEngine());
            gcm.Init(true, new AeadParameters(new KeyParameter(key), TagLength * 8, nonce));
            var sealedBytes = new byte[shard.Length + TagLength];
            var written = gcm.ProcessBytes(shard.ToArray(), 0, shard.Length, sealedBytes, 0);
            gcm.DoFinal(sealedBytes, written);
            var output = new byte[65 + NonceLength + TagLength + shard.Length];
            ephemeralPublic.CopyTo(output, 0);
            nonce.CopyTo(output, 65);
            Array.Copy(sealedBytes, shard.Length, output, 65 + NonceLength, TagLength);
            Array.Copy(sealedBytes, 0, output, 65 + NonceLength + TagLength, shard.Length);
            CryptographicOperations.ZeroMemory(sealedBytes);
            return EncryptedExitSignature.From(output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(shared);
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
                var k = new BigInteger(1, bytes);
                if (k.SignValue > 0 && k.CompareTo(Curve.N) < 0) return k;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
