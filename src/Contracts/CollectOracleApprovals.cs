namespace DvtBus.Contracts;

/// <summary>The operator's registration saga asks its approval step to collect oracle signatures for a batch.</summary>
public sealed record CollectOracleApprovals
{
    public required Guid BatchId { get; init; }
    /// <summary>The index the batch's first validator was predicted to get; the exit signatures bind it.</summary>
    public required ulong StartIndex { get; init; }
}
