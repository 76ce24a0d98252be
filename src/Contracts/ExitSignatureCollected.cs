using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>The operator stored a validator's oracle shards (from <see cref="SignatureReady"/>) for a batch that waits for them.</summary>
public sealed record ExitSignatureCollected
{
    public required Guid BatchId { get; init; }
    public required BlsPublicKey ValidatorPublicKey { get; init; }
    public required ulong ValidatorIndex { get; init; }
}
