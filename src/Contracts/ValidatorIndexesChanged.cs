namespace DvtBus.Contracts;

/// <summary>Other deposits moved the batch's predicted indexes: its exit signatures must be requested again.</summary>
public sealed record ValidatorIndexesChanged
{
    public required Guid BatchId { get; init; }
    public required ulong PreviousStartIndex { get; init; }
    public required ulong StartIndex { get; init; }
}
