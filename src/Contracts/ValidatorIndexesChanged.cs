using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>Other deposits moved the batch's predicted indexes: its exit signatures must be requested again.</summary>
public sealed record ValidatorIndexesChanged
{
    public required Guid BatchId { get; init; }
    public required ulong PreviousStartIndex { get; init; }
    public required ulong StartIndex { get; init; }

    /// <summary>
    /// The batch's transactions that were mined and reverted because of those deposits (empty when none was
    /// sent): they are done with, and no longer the receipt the batch waits for.
    /// </summary>
    public IReadOnlyList<Bytes32> RevertedTransactions { get; init; } = [];
}
