using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>A dropped deposit-data file passed validation and became a registration batch.</summary>
public sealed record DepositFileAccepted
{
    public required Guid BatchId { get; init; }
    public required string FileName { get; init; }
    public required string ContentSha256 { get; init; }
    public required string Network { get; init; }
    public required Address Vault { get; init; }
    public required IReadOnlyList<BlsPublicKey> Validators { get; init; }
}
