using DvtBus.Contracts;
using DvtBus.Sagas;
using MassTransit;

namespace DvtBus.Operator.Registration;

/// <summary>
/// Where the registration saga keeps its one stage timeout per batch. Written in the saga's own
/// transaction, so a timeout exists exactly when the stored state says it should.
/// </summary>
public interface IStageTimeouts
{
    /// <summary>Schedules <paramref name="message"/> as the batch's stage timeout, replacing the one before.</summary>
    Task ScheduleAsync<T>(PipeContext context, Guid batchId, DateTimeOffset dueAt, T message) where T : class;

    /// <summary>Drops the batch's stage timeout, if any.</summary>
    Task CancelAsync(PipeContext context, Guid batchId);
}

/// <summary>The stage timeouts as rows of <c>operator.timeouts</c>, published by the operator's timeout sweep.</summary>
internal sealed class DurableStageTimeouts(DurableTimeouts timeouts) : IStageTimeouts
{
    /// <summary>The operator's timeout messages, the only ones its <c>timeouts</c> table may hold.</summary>
    public static readonly Type[] MessageTypes = [typeof(ShareCollectionTimedOut), typeof(ApprovalRoundTimedOut), typeof(RegistrationReceiptOverdue)];

    public Task ScheduleAsync<T>(PipeContext context, Guid batchId, DateTimeOffset dueAt, T message) where T : class
    {
        var tx = Transaction(context);
        return timeouts.ScheduleAsync(tx.Connection, tx.Transaction, batchId, dueAt, message, context.CancellationToken);
    }

    public Task CancelAsync(PipeContext context, Guid batchId)
    {
        var tx = Transaction(context);
        return timeouts.CancelAsync(tx.Connection, tx.Transaction, batchId, context.CancellationToken);
    }

    private static SagaTransaction Transaction(PipeContext context) =>
        context.TryGetPayload<SagaTransaction>(out var tx)
            ? tx
            : throw new InvalidOperationException(
                "the registration saga's stage timeouts are written in the saga's own transaction: register the saga with .PostgresRepository(...)");
}

/// <summary>
/// Arms the timeout of the stage the saga is now in (a fresh id each time, so a timeout that fires while the
/// saga moves on is recognised as stale), or drops it once the batch has ended.
/// </summary>
public sealed class StageTimeoutActivity(IStageTimeouts timeouts, Microsoft.Extensions.Options.IOptions<OperatorOptions> options) : RegistrationActivity
{
    protected override async Task RunAsync(BehaviorContext<RegistrationState> context)
    {
        var saga = context.Saga;
        var o = options.Value;
        var id = NewId.NextGuid();
        var now = DateTimeOffset.UtcNow;
        switch (saga.CurrentState)
        {
            case nameof(RegistrationStateMachine.ExitsRequested):
                await timeouts.ScheduleAsync(context, saga.CorrelationId, now + o.ShareCollectionTimeout,
                    new ShareCollectionTimedOut { BatchId = saga.CorrelationId, TimeoutId = id, Round = saga.StageRound });
                break;
            case nameof(RegistrationStateMachine.ApprovalsRequested):
                await timeouts.ScheduleAsync(context, saga.CorrelationId, now + o.ApprovalRoundTimeout,
                    new ApprovalRoundTimedOut { BatchId = saga.CorrelationId, TimeoutId = id, Round = saga.StageRound });
                break;
            case nameof(RegistrationStateMachine.Registering):
                await timeouts.ScheduleAsync(context, saga.CorrelationId, now + o.RegisteringTimeout,
                    new RegistrationReceiptOverdue { BatchId = saga.CorrelationId, TimeoutId = id, Round = saga.StageRound });
                break;
            default:
                await timeouts.CancelAsync(context, saga.CorrelationId);
                saga.StageTimeoutId = null;
                return;
        }
        saga.StageTimeoutId = id;
    }

    protected override string Name => "stage-timeout";
}
