namespace DvtBus.Contracts;

/// <summary>
/// The relayer's own durable timeout: an exit's lifetime is over. Published by the relayer's timeout
/// sweep and consumed by the relayer, which expires the exit if it is still collecting shares.
/// </summary>
public sealed record ExitLifetimeElapsed
{
    public required Guid ExitId { get; init; }

    /// <summary>
    /// The end of the lifetime this timeout was scheduled for. A copy left over from an earlier lifetime
    /// (the sweep may publish twice) does not match a re-opened exit's and is ignored. Null: any lifetime.
    /// </summary>
    public DateTime? ExpiresAt { get; init; }
}
