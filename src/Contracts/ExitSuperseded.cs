namespace DvtBus.Contracts;

/// <summary>A later request for the same validator key names another index: the exit <see cref="ExitId"/> is no longer wanted.</summary>
public sealed record ExitSuperseded
{
    public required Guid ExitId { get; init; }
    public required Guid SupersededBy { get; init; }
    /// <summary>When the superseding exit was requested; an exit requested again after that stays current.</summary>
    public required DateTimeOffset RequestedAt { get; init; }
}
