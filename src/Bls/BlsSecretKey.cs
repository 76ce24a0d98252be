using System.Security.Cryptography;
using DvtBus.Primitives;

namespace DvtBus.Bls;

/// <summary>A BLS12-381 secret key (scalar in [1, r)). Never printed; zeroed on dispose.</summary>
public sealed class BlsSecretKey : IDisposable
{
    private Fr _scalar;
    private bool _disposed;
    private BlsPublicKey? _publicKey;

    private BlsSecretKey(Fr scalar) => _scalar = scalar;

    /// <summary>Reads a 32-byte big-endian scalar; throws ArgumentException for a wrong length, zero, or a value not below r.</summary>
    public static BlsSecretKey FromBytes(ReadOnlySpan<byte> bigEndian32)
    {
        if (bigEndian32.Length != 32)
            throw new ArgumentException($"a BLS secret key must be 32 bytes, got {bigEndian32.Length}", nameof(bigEndian32));
        if (!TryFromBytes(bigEndian32, out var key))
            throw new ArgumentException("a BLS secret key must be a scalar in [1, r)", nameof(bigEndian32));
        return key!;
    }

    public static bool TryFromBytes(ReadOnlySpan<byte> bigEndian32, out BlsSecretKey? key)
    {
        key = null;
        if (bigEndian32.Length != 32 || !Fr.TryFromBytes(bigEndian32, out var scalar) || scalar.IsZero) return false;
        key = new BlsSecretKey(scalar);
        return true;
    }

    public static BlsSecretKey Generate() => new(Fr.Random());

    internal static BlsSecretKey FromScalar(Fr scalar) => new(scalar);

    /// <summary>The scalar; callers must not keep copies longer than they need them.</summary>
    internal Fr Scalar
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _scalar;
        }
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[32];
        Scalar.WriteBytes(bytes);
        return bytes;
    }

    public BlsPublicKey PublicKey => _publicKey ??= BlsPublicKey.From(G1.Compress(G1.MulSecret(G1.Generator, Scalar)));

    /// <summary>Signs with the proof-of-possession ciphersuite DST (the Ethereum one).</summary>
    public BlsSignature Sign(ReadOnlySpan<byte> message)
    {
        var h = HashToCurve.HashToG2(message, HashToCurve.PopDst);
        return BlsSignature.From(G2.Compress(G2.MulSecret(h, Scalar)));
    }

    public void Dispose()
    {
        _scalar = default;
        _disposed = true;
    }

    public override string ToString() => "BlsSecretKey(redacted)";
}
