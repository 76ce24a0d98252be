namespace DvtBus.Contracts;

/// <summary>A dropped file was moved to rejected/ with a report beside it.</summary>
public sealed record DepositFileRejected
{
    public required string FileName { get; init; }
    public required string ContentSha256 { get; init; }
    public required IReadOnlyList<string> Reasons { get; init; }
}
