namespace DvtBus.Contracts;

/// <summary>
/// The operator's own durable timeout: a batch waited <c>Operator:ShareCollectionTimeout</c> for its
/// validators' exit signatures. Published by the operator's timeout sweep, consumed by its registration saga,
/// which acts on it only while <see cref="TimeoutId"/> is the timeout it last scheduled.
/// </summary>
public sealed record ShareCollectionTimedOut
{
    public required Guid BatchId { get; init; }
    public required Guid TimeoutId { get; init; }
    /// <summary>The exit request round that ran out of time (1 = the first request for these indexes).</summary>
    public required int Round { get; init; }
}
