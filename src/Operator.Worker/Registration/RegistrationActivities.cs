using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.Sagas;
using MassTransit;

namespace DvtBus.Operator.Registration;

/// <summary>
/// Predicts the batch's indexes from the chain as it is now and asks for the exits. Shards already
/// stored for those exact indexes (a repeated round, a restart) count at once: the relayer sends a
/// validator's shards only once.
/// </summary>
public sealed class RequestExitsActivity(
    IValidatorIndexSource indexes, IExitSignatureStore shards, IBatchProgress progress, Network network, RegistrationTarget target)
    : RegistrationActivity
{
    protected override async Task RunAsync(BehaviorContext<RegistrationState> context)
    {
        var saga = context.Saga;
        var ct = context.CancellationToken;
        saga.StartIndex = await indexes.NextIndexAsync(ct);
        saga.Ready.Clear();
        saga.ExitRounds++;
        var exits = saga.Validators.Select((key, i) => new RequestedExit(BlsPublicKey.Parse(key), saga.StartIndex + (ulong)i)).ToList();
        await progress.RecordAsync(saga.CorrelationId, Batches.BatchStates.ExitsRequested, saga.StartIndex, null, ct);
        await context.Publish(new ExitRequested
        {
            BatchId = saga.CorrelationId,
            Network = network.Name,
            Vault = target.Vault,
            Validators = exits,
            RequestedAt = DateTimeOffset.UtcNow,
        }, ct);
        foreach (var stored in await shards.StoredAsync(exits.Select(e => new RequestedShards(e.PublicKey, e.ValidatorIndex)).ToList(), ct))
            await context.Publish(new ExitSignatureCollected
            {
                BatchId = saga.CorrelationId,
                ValidatorPublicKey = stored.PublicKey,
                ValidatorIndex = stored.ValidatorIndex,
            }, ct);
    }

    protected override string Name => "request-exits";
}

/// <summary>
/// Asks the approval step for the batch's approvals under a message id the saga keeps: only that
/// request's fault fails the batch, not one of an earlier round that a timeout already replaced.
/// </summary>
public sealed class RequestApprovalsActivity : RegistrationActivity
{
    protected override async Task RunAsync(BehaviorContext<RegistrationState> context)
    {
        var saga = context.Saga;
        var commandId = NewId.NextGuid();
        saga.ApprovalRounds++;
        saga.ApprovalCommandId = commandId;
        await context.Publish(new CollectOracleApprovals { BatchId = saga.CorrelationId, StartIndex = saga.StartIndex },
            p => p.MessageId = commandId, context.CancellationToken);
    }

    protected override string Name => "request-approvals";
}

/// <summary>Writes the state the saga just entered to <c>operator.batches</c>, for <c>GET /batches</c>.</summary>
public sealed class RecordProgressActivity(IBatchProgress progress) : RegistrationActivity
{
    protected override async Task RunAsync(BehaviorContext<RegistrationState> context)
    {
        var saga = context.Saga;
        await progress.RecordAsync(saga.CorrelationId, saga.CurrentState, saga.StartIndex,
            saga.TransactionHash is null ? null : Bytes32.Parse(saga.TransactionHash), context.CancellationToken);
    }

    protected override string Name => "record-progress";
}

/// <summary>Ends the batch in <c>operator.batches</c>; the file leaves processing/ with its last batch.</summary>
public sealed class FinishBatchActivity(IBatchProgress progress) : RegistrationActivity
{
    protected override async Task RunAsync(BehaviorContext<RegistrationState> context)
    {
        var saga = context.Saga;
        await progress.FinishAsync(saga.CorrelationId, saga.Failure is null,
            saga.TransactionHash is null ? null : Bytes32.Parse(saga.TransactionHash), saga.BlockNumber, saga.Failure, context.CancellationToken);
    }

    protected override string Name => "finish-batch";
}

/// <summary>
/// A failed batch's own transaction was mined after all (the consumer still waiting for it found it):
/// <c>operator.batches</c> says Registered, with the earlier failure kept in its text, and a warning is logged.
/// </summary>
public sealed partial class RecordRegisteredAfterFailureActivity(IBatchProgress progress, Microsoft.Extensions.Logging.ILogger<RecordRegisteredAfterFailureActivity> logger)
    : RegistrationActivity
{
    protected override async Task RunAsync(BehaviorContext<RegistrationState> context)
    {
        var saga = context.Saga;
        var hash = Bytes32.Parse(saga.TransactionHash!);
        await progress.RegisteredAfterFailureAsync(saga.CorrelationId, hash, saga.BlockNumber ?? 0, context.CancellationToken);
        RegisteredLate(logger, saga.CorrelationId, hash.ToString(), saga.Failure ?? "");
    }

    protected override string Name => "record-registered-after-failure";

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning,
        Message = "Batch {BatchId} had failed ({Failure}) but its transaction {TransactionHash} was mined: it is registered")]
    private static partial void RegisteredLate(Microsoft.Extensions.Logging.ILogger logger, Guid batchId, string transactionHash, string failure);
}

/// <summary>
/// The submission failed for good (its retries are spent), but a transaction it recorded may have reached the
/// node and may still be mined: its hashes join the saga's, so that the batch keeps waiting for receipts
/// (the Registering timeout looks them up on chain) instead of failing while its validators may be
/// registering. The announcement of such a transaction may never have reached the saga: a failed delivery's
/// messages are not published.
/// </summary>
public sealed partial class AdoptSentTransactionsActivity(
    ISentRegistrations sent, Microsoft.Extensions.Logging.ILogger<AdoptSentTransactionsActivity> logger)
    : SagaActivity<RegistrationState, Fault<SubmitRegistration>>
{
    protected override async Task RunAsync(BehaviorContext<RegistrationState, Fault<SubmitRegistration>> context)
    {
        var saga = context.Saga;
        var hashes = await sent.SentAsync(saga.CorrelationId, context.CancellationToken);
        foreach (var hash in hashes.Select(h => h.ToString()))
            if (!saga.TransactionHashes.Contains(hash)) saga.TransactionHashes.Add(hash);
        if (hashes.Count > 0) saga.TransactionHash = hashes[^1].ToString();
        if (saga.TransactionHashes.Count > 0)
            WaitingForReceipts(logger, saga.CorrelationId, context.Message.Exceptions.FirstOrDefault()?.Message ?? "no reason given",
                string.Join(", ", saga.TransactionHashes));
    }

    protected override string Name => "adopt-sent-transactions";

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning,
        Message = "Batch {BatchId}: the submission failed ({Reason}) after sending {TransactionHashes}; the batch waits for their receipts instead of failing")]
    private static partial void WaitingForReceipts(Microsoft.Extensions.Logging.ILogger logger, Guid batchId, string reason, string transactionHashes);
}

/// <summary>An activity of the registration saga: subclasses say what they do (see <see cref="SagaActivity{TSaga}"/>).</summary>
public abstract class RegistrationActivity : SagaActivity<RegistrationState>;
