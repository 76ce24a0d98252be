using Dapper;
using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Relayer.Shares;
using DvtBus.Sagas;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DvtBus.Relayer.Exits;

/// <summary>
/// A new or later request for the exit, in the saga's transaction and under the key's lock: a later request
/// of the key already recorded makes this one superseded at once; otherwise this exit is the key's current
/// one and every other exit of the key is told it is superseded. The exit's row is written, a new lifetime
/// starts unless the exit is still collecting, and the shares that waited for it are taken.
/// </summary>
internal sealed partial class OpenExitActivity(
    ShareIntake intake, Network network, IOptions<ExitOptions> options, RelayerMetrics metrics, ILogger<OpenExitActivity> logger)
    : SagaActivity<ExitSaga, ExitOpened>
{
    protected override string Name => "open-exit";

    protected override async Task RunAsync(BehaviorContext<ExitSaga, ExitOpened> context)
    {
        var (saga, message, ct) = (context.Saga, context.Message, context.CancellationToken);
        var tx = context.GetPayload<SagaTransaction>();
        if (!string.Equals(message.Network, network.Name, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"exit {message.ExitId} is for {message.Network}, this relayer serves {network.Name}");
        var isNew = saga.RequestedAt == default;
        var wasSuperseded = saga.CurrentState == nameof(ExitStateMachine.Superseded);
        if (isNew)
        {
            saga.Network = network.Name;
            saga.ValidatorPublicKey = message.ValidatorPublicKey.ToString();
            saga.ValidatorIndex = (long)message.ValidatorIndex;
            saga.Epoch = (long)ExitSigning.Exit(network, message.ValidatorIndex).Epoch;
        }
        saga.RequestedAt = ExitSaga.Microseconds(message.RequestedAt);

        await ExitStore.LockKeyAsync(tx.Connection, tx.Transaction, saga.Network, saga.Key, ct);
        if (isNew && await ExitStore.SagaExistsAsync(tx, saga.CorrelationId, ct))
            throw new ConcurrencyException($"exit {saga.CorrelationId} was opened by a concurrent request: retrying applies this one to it", typeof(ExitSaga), saga.CorrelationId);

        var others = await ExitStore.OthersOfKeyAsync(tx, saga, ct);
        var later = others.Where(o => o.RequestedAt > saga.RequestedAt).MaxBy(o => o.RequestedAt);
        saga.SupersededBy = later?.Id;
        if (later is null)
            foreach (var other in others.Where(o => o.State != ExitState.Superseded))
                await context.Publish(new ExitSuperseded { ExitId = other.Id, SupersededBy = saga.CorrelationId, RequestedAt = saga.RequestedAt }, ct);

        if (saga.CurrentState != nameof(ExitStateMachine.Collecting))
            saga.ExpiresAt = DateTime.UtcNow + options.Value.Lifetime;
        await ExitStore.UpsertAsync(tx, saga, network, ct);
        metrics.ExitsRequested(1);
        Opened(logger, LogText.Short(saga.Key), saga.ValidatorIndex, later is null ? "current" : "superseded by a later request");

        if (later is null)
            foreach (var (share, result) in await intake.ReleasePendingAsync(tx, saga, superseded: false, ct))
                await intake.ReportAsync(share, result, context, respond: false, ct);

        // Made current again while unfinished: the sidecars heard of this request before it got here, and the shares
        // they signed for it may have reached the exit while it was still superseded and been refused as such (they
        // are not sent twice). So they are asked once more, with an ExitRequested without a vault, which the relayers
        // leave alone; a share that comes twice is taken as a repeat.
        if (wasSuperseded && later is null && saga.ReadyAt is null)
            await context.Publish(new ExitRequested
            {
                BatchId = NewId.NextGuid(),
                Network = saga.Network,
                Validators = [new RequestedExit(saga.Key, (ulong)saga.ValidatorIndex)],
                RequestedAt = message.RequestedAt,
            }, ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Exit of validator {Validator} index {ValidatorIndex} requested: {Standing}")]
    private static partial void Opened(ILogger logger, string validator, long validatorIndex, string standing);
}

/// <summary>
/// The lifetime ended while collecting: the shares still waiting for the cluster's announcement are refused,
/// and <see cref="ExitExpired"/> says how far the exit got.
/// </summary>
internal sealed partial class ExpireExitActivity(ShareIntake intake, RelayerMetrics metrics, ILogger<ExpireExitActivity> logger)
    : SagaActivity<ExitSaga, ExitLifetimeElapsed>
{
    protected override string Name => "expire-exit";

    protected override async Task RunAsync(BehaviorContext<ExitSaga, ExitLifetimeElapsed> context)
    {
        var (saga, ct) = (context.Saga, context.CancellationToken);
        var tx = context.GetPayload<SagaTransaction>();
        // Shares may still wait for an announcement that was stored but whose release was lost (a crash between the
        // two, with no sidecar announcing again): with the cluster known they are taken now, and may complete the exit.
        foreach (var (share, result) in await intake.ReleasePendingAsync(tx, saga, superseded: false, ct))
            await intake.ReportAsync(share, result, context, respond: false, ct);
        if (saga.ReadyAt is not null) return;
        var (accepted, threshold) = await tx.Connection.QuerySingleAsync<(long, int)>(new CommandDefinition(
            """
            SELECT (SELECT count(*) FROM relayer.shares WHERE exit_id = @id),
                   COALESCE((SELECT threshold FROM relayer.validators WHERE network = @network AND public_key = @key), 0)
            """, new { id = saga.CorrelationId, network = saga.Network, key = saga.Key.ToArray() }, tx.Transaction, cancellationToken: ct));
        await intake.RefuseWaitingAsync(tx, saga, context, ct);
        saga.ExpiredAt = DateTime.UtcNow;
        await context.Publish(new ExitExpired
        {
            ExitId = saga.CorrelationId,
            Network = saga.Network,
            ValidatorPublicKey = saga.Key,
            ValidatorIndex = (ulong)saga.ValidatorIndex,
            SharesAccepted = (int)accepted,
            Threshold = threshold,
        }, ct);
        metrics.ExitsExpired(1);
        Expired(logger, LogText.Short(saga.Key), saga.ValidatorIndex, accepted, threshold);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Exit of validator {Validator} index {ValidatorIndex} expired with {Accepted} of {Threshold} shares")]
    private static partial void Expired(ILogger logger, string validator, long validatorIndex, long accepted, int threshold);
}

/// <summary>An activity of the exit saga, named once (see <see cref="SagaActivity{TSaga}"/>).</summary>
internal abstract class InstanceActivity(string name) : SagaActivity<ExitSaga>
{
    protected sealed override string Name => name;
}

/// <summary>Entering Collecting starts the exit's lifetime: a durable timeout written with the state.</summary>
internal sealed class ScheduleLifetimeActivity(DurableTimeouts timeouts) : InstanceActivity("schedule-lifetime")
{
    protected override Task RunAsync(BehaviorContext<ExitSaga> context)
    {
        var saga = context.Saga;
        var tx = context.GetPayload<SagaTransaction>();
        var dueAt = saga.ExpiresAt ?? throw new InvalidOperationException($"exit {saga.CorrelationId} is collecting without a lifetime");
        return timeouts.ScheduleAsync(tx.Connection, tx.Transaction, saga.CorrelationId, new DateTimeOffset(dueAt, TimeSpan.Zero),
            new ExitLifetimeElapsed { ExitId = saga.CorrelationId, ExpiresAt = dueAt }, context.CancellationToken);
    }
}

/// <summary>Leaving Collecting (ready, superseded or expired) ends the lifetime: its timeout goes with the state change.</summary>
internal sealed class CancelLifetimeActivity(DurableTimeouts timeouts) : InstanceActivity("cancel-lifetime")
{
    protected override Task RunAsync(BehaviorContext<ExitSaga> context)
    {
        var tx = context.GetPayload<SagaTransaction>();
        return timeouts.CancelAsync(tx.Connection, tx.Transaction, context.Saga.CorrelationId, context.CancellationToken);
    }
}

/// <summary>Every transition is written to <c>relayer.exits.state</c> in the same transaction: the row follows the saga.</summary>
internal sealed class RecordExitStateActivity() : InstanceActivity("record-exit-state")
{
    protected override Task RunAsync(BehaviorContext<ExitSaga> context) =>
        ExitState.Of(context.Saga.CurrentState) is { } state
            ? ExitStore.SetStateAsync(context.GetPayload<SagaTransaction>(), context.Saga.CorrelationId, state, context.CancellationToken)
            : Task.CompletedTask;
}

/// <summary>
/// An event of this machine failed every retry and waits in the endpoint's <c>_error</c> queue: the exit keeps
/// its state, the failure is written on it for a person to see, and logged as an error.
/// </summary>
internal sealed partial class RecordFaultActivity<T>(ILogger<RecordFaultActivity<T>> logger) : SagaActivity<ExitSaga, Fault<T>>
    where T : class
{
    protected override string Name => "record-fault";

    protected override Task RunAsync(BehaviorContext<ExitSaga, Fault<T>> context)
    {
        context.Saga.LastFault = $"{typeof(T).Name}: {Reason(context.Message)}";
        return LogAsync(context, context.Saga.CorrelationId);
    }

    public Task LogAsync(ConsumeContext<Fault<T>> context, Guid exitId)
    {
        Failed(logger, typeof(T).Name, exitId, Reason(context.Message));
        return Task.CompletedTask;
    }

    private static string Reason(Fault<T> fault) => fault.Exceptions.FirstOrDefault()?.Message ?? "failed without a reason";

    [LoggerMessage(Level = LogLevel.Error, Message = "{MessageType} for exit {ExitId} failed after every retry and waits in the relayer's error queue (requeue it once the cause is fixed): {Reason}")]
    private static partial void Failed(ILogger logger, string messageType, Guid exitId, string reason);
}
