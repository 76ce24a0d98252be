namespace DvtBus.Contracts;

/// <summary>The approvals can no longer be used (deadline passed, or the deposit registry root moved): ask the oracles again.</summary>
public sealed record OracleApprovalsExpired
{
    public required Guid BatchId { get; init; }
    public required string Reason { get; init; }
}
