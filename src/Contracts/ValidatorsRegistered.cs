using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>The registration transaction was mined and confirmed.</summary>
public sealed record ValidatorsRegistered
{
    public required Guid BatchId { get; init; }
    public required Bytes32 TransactionHash { get; init; }
    public required ulong BlockNumber { get; init; }
    public required IReadOnlyList<BlsPublicKey> Validators { get; init; }
}
