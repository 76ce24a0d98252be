namespace DvtBus.Contracts;

/// <summary>
/// The relayer's own durable timeout: an exit's lifetime is over. Published by the relayer's timeout
/// sweep and consumed by the relayer, which expires the exit if it is still collecting shares.
/// </summary>
public sealed record ExitLifetimeElapsed
{
    public required Guid ExitId { get; init; }
}
