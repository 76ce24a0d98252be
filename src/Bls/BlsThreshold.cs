using DvtBus.Primitives;

namespace DvtBus.Bls;

/// <summary>Shamir shares of a BLS key at 1-based x-coordinates, Lagrange recovery at x = 0, oracle re-sharing.</summary>
public static class BlsThreshold
{
    public static IReadOnlyList<BlsKeyShare> Split(BlsSecretKey key, int threshold, IReadOnlyList<ulong> ids) => throw new NotImplementedException();
    public static BlsSignature RecoverSignature(IReadOnlyList<IndexedSignature> shares) => throw new NotImplementedException();
    public static BlsPublicKey RecoverPublicKey(IReadOnlyList<IndexedPublicKey> shares) => throw new NotImplementedException();
    public static OracleShards Reshare(BlsSignature signature, BlsPublicKey publicKey, ReadOnlySpan<byte> message, int threshold, int count) => throw new NotImplementedException();
}

public sealed record BlsKeyShare(ulong Id, BlsSecretKey Key);
public readonly record struct IndexedSignature(ulong Id, BlsSignature Signature);
public readonly record struct IndexedPublicKey(ulong Id, BlsPublicKey PublicKey);

/// <summary>Shard k (0-based) belongs to oracle k and carries x = k + 1.</summary>
public sealed record OracleShards(IReadOnlyList<BlsPublicKey> PublicKeys, IReadOnlyList<BlsSignature> Signatures);
