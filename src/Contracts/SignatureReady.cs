using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>
/// The relayer recovered and verified a validator's exit signature and re-shared it for the oracles.
/// Shard k belongs to oracle k (x = k + 1). The full signature itself is never sent.
/// </summary>
public sealed record SignatureReady
{
    public required Guid ExitId { get; init; }
    public required string Network { get; init; }
    public required BlsPublicKey ValidatorPublicKey { get; init; }
    public required ulong ValidatorIndex { get; init; }
    public required ulong Epoch { get; init; }
    public required int OracleThreshold { get; init; }
    public required IReadOnlyList<BlsPublicKey> PublicKeyShards { get; init; }
    public required IReadOnlyList<EncryptedExitSignature> EncryptedExitSignatures { get; init; }
}
