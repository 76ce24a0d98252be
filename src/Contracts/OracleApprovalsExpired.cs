using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>The approvals can no longer be used (deadline passed, or the deposit registry root moved): ask the oracles again.</summary>
public sealed record OracleApprovalsExpired
{
    public required Guid BatchId { get; init; }
    public required string Reason { get; init; }

    /// <summary>
    /// The batch's transactions that were mined and reverted because the approvals had gone stale (empty when
    /// none was sent): they are done with, and no longer the receipt the batch waits for.
    /// </summary>
    public IReadOnlyList<Bytes32> RevertedTransactions { get; init; } = [];
}
