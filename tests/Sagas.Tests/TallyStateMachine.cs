using DvtBus.Sagas;
using MassTransit;

namespace DvtBus.Sagas.Tests;

public sealed record TallyAdded(Guid TallyId, int Value);
public sealed record TallyClosed(Guid TallyId);
public sealed record TallyReminderRequested(Guid TallyId, Guid ReminderId);
public sealed record TallyBroken(Guid TallyId, Guid ReminderId);
public sealed record TallyReminder(Guid TallyId);

/// <summary>A saga small enough to count: every value added must be seen exactly once.</summary>
public sealed class TallyState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = "";
    public List<int> Values { get; set; } = [];
    public int Version { get; set; }
}

public sealed class TallyStateMachine : MassTransitStateMachine<TallyState>
{
    public TallyStateMachine()
    {
        InstanceState(x => x.CurrentState);
        Event(() => Added, x => x.CorrelateById(m => m.Message.TallyId));
        Event(() => Closed, x => { x.CorrelateById(m => m.Message.TallyId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => ReminderRequested, x => { x.CorrelateById(m => m.Message.TallyId); x.OnMissingInstance(m => m.Discard()); });
        Event(() => Broken, x => { x.CorrelateById(m => m.Message.TallyId); x.OnMissingInstance(m => m.Discard()); });

        Initially(When(Added).Then(c => c.Saga.Values.Add(c.Message.Value)).TransitionTo(Open));
        During(Open,
            When(Added).Then(c => c.Saga.Values.Add(c.Message.Value)),
            When(ReminderRequested).Activity(x => x.OfType<ScheduleReminderActivity>()).TransitionTo(Reminded),
            When(Broken).Then(c => c.Saga.Values.Add(-1)).Activity(x => x.OfType<ScheduleThenFailActivity>()),
            When(Closed).Finalize());
        During(Reminded, When(Added).Then(c => c.Saga.Values.Add(c.Message.Value)), When(Closed).Finalize());
        SetCompletedWhenFinalized();
    }

    public State Open { get; private set; } = null!;
    public State Reminded { get; private set; } = null!;
    public Event<TallyAdded> Added { get; private set; } = null!;
    public Event<TallyClosed> Closed { get; private set; } = null!;
    public Event<TallyReminderRequested> ReminderRequested { get; private set; } = null!;
    public Event<TallyBroken> Broken { get; private set; } = null!;
}

/// <summary>Writes a durable timeout in the saga's own transaction.</summary>
public sealed class ScheduleReminderActivity(DurableTimeouts timeouts) : SagaActivity<TallyState, TallyReminderRequested>
{
    protected override string Name => "schedule-reminder";

    protected override Task RunAsync(BehaviorContext<TallyState, TallyReminderRequested> context)
    {
        var tx = context.GetPayload<SagaTransaction>();
        return timeouts.ScheduleAsync(tx.Connection, tx.Transaction, context.Message.ReminderId, DateTimeOffset.UtcNow.AddHours(1),
            new TallyReminder(context.Saga.CorrelationId), context.CancellationToken);
    }
}

/// <summary>Writes a durable timeout in the saga's transaction, then fails: neither the row nor the state may stay.</summary>
public sealed class ScheduleThenFailActivity(DurableTimeouts timeouts) : SagaActivity<TallyState, TallyBroken>
{
    protected override string Name => "schedule-then-fail";

    protected override async Task RunAsync(BehaviorContext<TallyState, TallyBroken> context)
    {
        var tx = context.GetPayload<SagaTransaction>();
        await timeouts.ScheduleAsync(tx.Connection, tx.Transaction, context.Message.ReminderId, DateTimeOffset.UtcNow.AddHours(1),
            new TallyReminder(context.Saga.CorrelationId), context.CancellationToken);
        throw new InvalidOperationException("the step after the timeout failed");
    }
}

/// <summary>Several messages at once per process, so that events for one saga really do race; quick retries.</summary>
public sealed class TallyDefinition : SagaDefinition<TallyState>
{
    public TallyDefinition() => ConcurrentMessageLimit = 16;

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpoint, ISagaConfigurator<TallyState> saga, IRegistrationContext context)
    {
        endpoint.UseMessageRetry(r => r.Intervals(10, 20, 50, 100, 200, 300, 500, 500, 500, 500));
        endpoint.UseInMemoryOutbox(context);
    }
}
