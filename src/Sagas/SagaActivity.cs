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
