using DvtBus.Primitives;

namespace DvtBus.Bls;

/// <summary>A BLS12-381 secret key (scalar in [1, r)). Never printed; zeroed on dispose.</summary>
public sealed class BlsSecretKey : IDisposable
{
    public static BlsSecretKey FromBytes(ReadOnlySpan<byte> bigEndian32) => throw new NotImplementedException();
    public static bool TryFromBytes(ReadOnlySpan<byte> bigEndian32, out BlsSecretKey? key) => throw new NotImplementedException();
    public static BlsSecretKey Generate() => throw new NotImplementedException();
    public byte[] ToBytes() => throw new NotImplementedException();
    public BlsPublicKey PublicKey => throw new NotImplementedException();
    public BlsSignature Sign(ReadOnlySpan<byte> message) => throw new NotImplementedException();
    public void Dispose() { }
    public override string ToString() => "BlsSecretKey(redacted)";
}
