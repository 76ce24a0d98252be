using DvtBus.Contracts;
using DvtBus.Hosting;
using DvtBus.Relayer.Shares;
using MassTransit;

namespace DvtBus.Relayer.Exits;

/// <summary>
/// One exit (network, validator key, index) from request to ready, expired or superseded, persisted in
/// <c>relayer.exit_sagas</c>. Every event is applied in one PostgreSQL transaction holding the exit's row
/// lock, and the activities write in it: shares, oracle shards, the durable lifetime and the exit's row in
/// <c>relayer.exits</c>, whose state follows each transition. So one exit's shares take turns across threads
/// and processes, and a crash loses or repeats nothing.
/// </summary>
public sealed class ExitStateMachine : MassTransitStateMachine<ExitSaga>
{
    public ExitStateMachine()
    {
        InstanceState(x => x.CurrentState);
        Event(() => Opened, x => x.CorrelateById(m => m.Message.ExitId));
        Event(() => ShareSubmitted, x =>
        {
            x.CorrelateById(m => ExitId.For(m.Message.Network, m.Message.ValidatorPublicKey, m.Message.ValidatorIndex));
            x.OnMissingInstance(m => m.ExecuteAsync(c => c.GetServiceOrCreateInstance<ShareIntake>().HoldWithoutExitAsync(c)));
        });
        Event(() => SharesReleased, x => { x.CorrelateById(m => m.Message.ExitId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => SupersededByLaterRequest, x => { x.CorrelateById(m => m.Message.ExitId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => LifetimeElapsed, x => { x.CorrelateById(m => m.Message.ExitId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => OpenFaulted, x => FaultOf<ExitOpened>(x, m => m.ExitId));
        Event(() => ShareFaulted, x => FaultOf(x, m => ExitId.For(m.Network, m.ValidatorPublicKey, m.ValidatorIndex)));
        Event(() => ReleaseFaulted, x => FaultOf(x, m => m.ExitId));
        Event(() => SupersedeFaulted, x => FaultOf(x, m => m.ExitId));
        Event(() => LifetimeFaulted, x => FaultOf(x, m => m.ExitId));

        Initially(Open(When(Opened)));

        During(Collecting, Ready, Expired, Superseded,
            // The same request again (a redelivered ExitRequested, a repeated POST) or an older one changes nothing.
            When(Opened, c => ExitSaga.Microseconds(c.Message.RequestedAt) <= c.Saga.RequestedAt)
                .If(c => c.RequestId.HasValue, r => r.ThenAsync(c => c.RespondAsync(Recorded(c.Saga)))));
        During(Collecting, Ready, Expired, Superseded,
            Open(When(Opened, c => ExitSaga.Microseconds(c.Message.RequestedAt) > c.Saga.RequestedAt)));

        During(Collecting, Expired,
            When(ShareSubmitted)
                .Activity(x => x.OfType<TakeShareActivity>())
                .If(c => c.Saga.ReadyAt is not null, r => r.TransitionTo(Ready)),
            When(SharesReleased)
                .Activity(x => x.OfType<ReleaseSharesActivity>())
                .If(c => c.Saga.ReadyAt is not null, r => r.TransitionTo(Ready)));
        During(Ready, Superseded,
            When(ShareSubmitted).Activity(x => x.OfType<TakeShareActivity>()),
            When(SharesReleased).Activity(x => x.OfType<ReleaseSharesActivity>()));

        During(Collecting, Ready, Expired,
            When(SupersededByLaterRequest, c => ExitSaga.Microseconds(c.Message.RequestedAt) >= c.Saga.RequestedAt)
                .Then(c => c.Saga.SupersededBy = c.Message.SupersededBy)
                .TransitionTo(Superseded),
            // This exit was asked for again after the request that superseded it: it stays current.
            Ignore(SupersededByLaterRequest, c => ExitSaga.Microseconds(c.Message.RequestedAt) < c.Saga.RequestedAt));
        During(Superseded, Ignore(SupersededByLaterRequest));

        During(Collecting,
            When(LifetimeElapsed, c => EndsCurrentLifetime(c.Saga, c.Message))
                .Activity(x => x.OfType<ExpireExitActivity>())
                .IfElse(c => c.Saga.ReadyAt is not null, ready => ready.TransitionTo(Ready), expired => expired.TransitionTo(Expired)),
            // A copy from an earlier lifetime of a re-opened exit.
            Ignore(LifetimeElapsed, c => !EndsCurrentLifetime(c.Saga, c.Message)));
        // The sweep may publish a timeout twice, and one already cancelled may be in flight.
        During(Ready, Expired, Superseded, Ignore(LifetimeElapsed));

        DuringAny(
            When(OpenFaulted).Activity(x => x.OfType<RecordFaultActivity<ExitOpened>>()),
            When(ShareFaulted).Activity(x => x.OfType<RecordFaultActivity<ShareSubmitted>>()),
            When(ReleaseFaulted).Activity(x => x.OfType<RecordFaultActivity<PendingSharesReleased>>()),
            When(SupersedeFaulted).Activity(x => x.OfType<RecordFaultActivity<ExitSuperseded>>()),
            When(LifetimeFaulted).Activity(x => x.OfType<RecordFaultActivity<ExitLifetimeElapsed>>()));

        WhenEnter(Collecting, x => x.Activity(a => a.OfType<ScheduleLifetimeActivity>()));
        WhenLeave(Collecting, x => x.Activity(a => a.OfType<CancelLifetimeActivity>()));
        WhenEnterAny(x => x.Activity(a => a.OfType<RecordExitStateActivity>()));
    }

    /// <summary>Still gathering shares, within its lifetime.</summary>
    private static bool EndsCurrentLifetime(ExitSaga saga, ExitLifetimeElapsed message) =>
        message.ExpiresAt is not { } end || (saga.ExpiresAt is { } current && end.Ticks == current.Ticks);

    public State Collecting { get; private set; } = null!;

    /// <summary>Recovered, verified and re-shared: the oracle shards are stored and announced.</summary>
    public State Ready { get; private set; } = null!;

    /// <summary>Its lifetime ended below threshold; a share that still comes may complete it, a new request re-opens it.</summary>
    public State Expired { get; private set; } = null!;

    /// <summary>A later request named another index for the key; a new request for this index makes it current again.</summary>
    public State Superseded { get; private set; } = null!;

    public Event<ExitOpened> Opened { get; private set; } = null!;
    public Event<ShareSubmitted> ShareSubmitted { get; private set; } = null!;
    public Event<PendingSharesReleased> SharesReleased { get; private set; } = null!;
    public Event<ExitSuperseded> SupersededByLaterRequest { get; private set; } = null!;
    public Event<ExitLifetimeElapsed> LifetimeElapsed { get; private set; } = null!;
    public Event<Fault<ExitOpened>> OpenFaulted { get; private set; } = null!;
    public Event<Fault<ShareSubmitted>> ShareFaulted { get; private set; } = null!;
    public Event<Fault<PendingSharesReleased>> ReleaseFaulted { get; private set; } = null!;
    public Event<Fault<ExitSuperseded>> SupersedeFaulted { get; private set; } = null!;
    public Event<Fault<ExitLifetimeElapsed>> LifetimeFaulted { get; private set; } = null!;

    /// <summary>
    /// A new or later request: the activity decides, under the key's lock, whether this exit is the key's
    /// latest; then it is superseded, ready (its shards exist), or collecting.
    /// </summary>
    private EventActivityBinder<ExitSaga, ExitOpened> Open(EventActivityBinder<ExitSaga, ExitOpened> binder) =>
        binder
            .Activity(x => x.OfType<OpenExitActivity>())
            .IfElse(c => c.Saga.SupersededBy is not null,
                superseded => superseded.TransitionTo(Superseded),
                current => current.IfElse(c => c.Saga.ReadyAt is not null,
                    ready => ready.TransitionTo(Ready),
                    collecting => collecting.TransitionTo(Collecting)))
            .If(c => c.RequestId.HasValue, r => r.ThenAsync(c => c.RespondAsync(Recorded(c.Saga))));

    private static ExitRecorded Recorded(ExitSaga saga) => new()
    {
        ExitId = saga.CorrelationId,
        State = ExitState.Of(saga.CurrentState) ?? saga.CurrentState,
    };

    /// <summary>A fault of this machine's own event: recorded on the exit and logged, or only logged when the exit does not exist.</summary>
    private static void FaultOf<T>(IEventCorrelationConfigurator<ExitSaga, Fault<T>> x, Func<T, Guid> exitId)
        where T : class
    {
        x.CorrelateById(m => exitId(m.Message.Message));
        x.OnMissingInstance(m => m.ExecuteAsync(c => c.GetServiceOrCreateInstance<RecordFaultActivity<T>>().LogAsync(c, exitId(c.Message.Message))));
    }
}

/// <summary>
/// Retries and outbox as every endpoint. At most 16 events per process at once: each one in flight holds a
/// database connection and its exit's row lock, and share verification is CPU-bound, so more would only queue
/// inside the process instead of on the broker where the other relayers can take them.
/// </summary>
internal sealed class ExitStateMachineDefinition : SagaDefinition<ExitSaga>
{
    public ExitStateMachineDefinition() => ConcurrentMessageLimit = 16;

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpoint, ISagaConfigurator<ExitSaga> saga, IRegistrationContext context) =>
        EndpointDefaults.Apply(endpoint, context);
}
