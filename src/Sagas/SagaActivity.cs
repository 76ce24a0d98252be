using MassTransit;

namespace DvtBus.Sagas;

/// <summary>
/// An activity of the saga instance alone, run the same way whatever event caused the transition: the
/// plumbing MassTransit asks of an activity, once, so that subclasses only say what they do.
/// </summary>
public abstract class SagaActivity<TSaga> : IStateMachineActivity<TSaga>
    where TSaga : class, SagaStateMachineInstance
{
    /// <summary>The activity's name in MassTransit's probe output.</summary>
    protected abstract string Name { get; }

    protected abstract Task RunAsync(BehaviorContext<TSaga> context);

    public async Task Execute(BehaviorContext<TSaga> context, IBehavior<TSaga> next)
    {
        await RunAsync(context);
        await next.Execute(context);
    }

    public async Task Execute<T>(BehaviorContext<TSaga, T> context, IBehavior<TSaga, T> next) where T : class
    {
        await RunAsync(context);
        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<TSaga, TException> context, IBehavior<TSaga> next)
        where TException : Exception => next.Faulted(context);

    public Task Faulted<T, TException>(BehaviorExceptionContext<TSaga, T, TException> context, IBehavior<TSaga, T> next)
        where T : class where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope(Name);

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}

/// <summary>
/// An activity of one event of the saga: the same plumbing as <see cref="SagaActivity{TSaga}"/>, once, so that
/// subclasses only say what they do with the event. The next behavior runs after <see cref="RunAsync"/>.
/// </summary>
public abstract class SagaActivity<TSaga, TMessage> : IStateMachineActivity<TSaga, TMessage>
    where TSaga : class, SagaStateMachineInstance
    where TMessage : class
{
    /// <summary>The activity's name in MassTransit's probe output.</summary>
    protected abstract string Name { get; }

    protected abstract Task RunAsync(BehaviorContext<TSaga, TMessage> context);

    public async Task Execute(BehaviorContext<TSaga, TMessage> context, IBehavior<TSaga, TMessage> next)
    {
        await RunAsync(context);
        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<TSaga, TMessage, TException> context, IBehavior<TSaga, TMessage> next)
        where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope(Name);

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}
