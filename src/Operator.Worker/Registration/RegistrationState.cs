using MassTransit;

namespace DvtBus.Operator.Registration;

/// <summary>One batch's registration, correlated by the batch id. Keys are 0x-hex so the state stays plain JSON when persisted.</summary>
public sealed class RegistrationState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = "";
    public string FileName { get; set; } = "";
    /// <summary>The batch's validators, in the order of the file and of their predicted indexes.</summary>
    public List<string> Validators { get; set; } = [];
    public ulong StartIndex { get; set; }
    /// <summary>Validators whose oracle shards are stored for the current <see cref="StartIndex"/>.</summary>
    public List<string> Ready { get; set; } = [];
    public int ExitRounds { get; set; }
    public int ApprovalRounds { get; set; }
    public string? TransactionHash { get; set; }
    public ulong? BlockNumber { get; set; }
    public string? Failure { get; set; }
    public DateTime AcceptedAt { get; set; }
    public int Version { get; set; }
}
