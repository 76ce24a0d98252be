namespace DvtBus.Contracts;

/// <summary>Enough oracles approved the batch with the same exit-signature content id and deadline.</summary>
public sealed record OracleApprovalsCollected
{
    public required Guid BatchId { get; init; }
    public required string ExitSignaturesIpfsHash { get; init; }
    public required long Deadline { get; init; }
    public required int Approvals { get; init; }
}
