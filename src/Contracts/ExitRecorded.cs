namespace DvtBus.Contracts;

/// <summary>The relayer's answer to an <see cref="ExitOpened"/> sent as a request: the exit is stored, in this state.</summary>
public sealed record ExitRecorded
{
    public required Guid ExitId { get; init; }
    /// <summary>collecting, ready, expired or superseded.</summary>
    public required string State { get; init; }
}
