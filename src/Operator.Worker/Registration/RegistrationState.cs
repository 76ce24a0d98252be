using MassTransit;

namespace DvtBus.Operator.Registration;

/// <summary>
/// One batch's registration, correlated by the batch id, stored as JSON in <c>operator.registration_sagas</c>.
/// Keys and hashes are 0x-hex so the state stays plain JSON.
/// </summary>
public sealed class RegistrationState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = "";
    public string FileName { get; set; } = "";
    /// <summary>The batch's validators, in the order of the file and of their predicted indexes.</summary>
    public List<string> Validators { get; set; } = [];
    public ulong StartIndex { get; set; }
    /// <summary>Validators whose oracle shards are stored for the current <see cref="StartIndex"/>.</summary>
    public List<string> Ready { get; set; } = [];
    /// <summary>Every exit request of the batch, for new indexes or again after a timeout.</summary>
    public int ExitRounds { get; set; }
    /// <summary>Every approval request of the batch.</summary>
    public int ApprovalRounds { get; set; }
    /// <summary>The attempt within the current stage: 1 on entering it, one more each time its timeout asks again.</summary>
    public int StageRound { get; set; }
    /// <summary>The stage timeout the saga last scheduled; a timeout carrying another id is stale and ignored.</summary>
    public Guid? StageTimeoutId { get; set; }
    /// <summary>The message id of the latest <c>CollectOracleApprovals</c>: only its fault fails the batch.</summary>
    public Guid? ApprovalCommandId { get; set; }
    /// <summary>The latest registration transaction sent.</summary>
    public string? TransactionHash { get; set; }
    /// <summary>Every registration transaction sent for the batch (the first and its same-nonce replacements).</summary>
    public List<string> TransactionHashes { get; set; } = [];
    public ulong? BlockNumber { get; set; }
    public string? Failure { get; set; }
    public int Version { get; set; }
}
