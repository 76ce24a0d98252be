using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>
/// The relayer was asked for the exit of one validator at one index (from <see cref="ExitRequested"/> or
/// its HTTP API). Starts or re-opens that exit's state machine, correlated by <see cref="ExitId"/>; the
/// latest <see cref="RequestedAt"/> of a key wins, and the same request twice is one request.
/// </summary>
public sealed record ExitOpened
{
    public required Guid ExitId { get; init; }
    public required string Network { get; init; }
    public required BlsPublicKey ValidatorPublicKey { get; init; }
    public required ulong ValidatorIndex { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
}
