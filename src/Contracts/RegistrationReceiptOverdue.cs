namespace DvtBus.Contracts;

/// <summary>
/// The operator's own durable timeout: a batch has been registering for <c>Operator:RegisteringTimeout</c>
/// without a confirmed receipt. Published by the operator's timeout sweep, consumed by its registration saga,
/// which then looks the sent transactions up on chain (it never sends again) and acts on it only while
/// <see cref="TimeoutId"/> is the timeout it last scheduled.
/// </summary>
public sealed record RegistrationReceiptOverdue
{
    public required Guid BatchId { get; init; }
    public required Guid TimeoutId { get; init; }
    /// <summary>How many times the batch has waited the bound so far (1 = the first).</summary>
    public required int Round { get; init; }
}
