namespace DvtBus.Contracts;

/// <summary>
/// The operator's own durable timeout: a batch waited <c>Operator:ApprovalRoundTimeout</c> for the oracle
/// approval step to answer. Published by the operator's timeout sweep, consumed by its registration saga,
/// which acts on it only while <see cref="TimeoutId"/> is the timeout it last scheduled.
/// </summary>
public sealed record ApprovalRoundTimedOut
{
    public required Guid BatchId { get; init; }
    public required Guid TimeoutId { get; init; }
    /// <summary>The approval request round that ran out of time (1 = the first request since the batch was ready).</summary>
    public required int Round { get; init; }
}
