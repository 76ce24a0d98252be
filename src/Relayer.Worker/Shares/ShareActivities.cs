using DvtBus.Contracts;
using DvtBus.Relayer.Exits;
using DvtBus.Sagas;
using MassTransit;

namespace DvtBus.Relayer.Shares;

/// <summary>A share for this exit: checked, verified and stored, and at threshold the exit completed, all in the saga's transaction.</summary>
internal sealed class TakeShareActivity(ShareIntake intake) : IStateMachineActivity<ExitSaga, ShareSubmitted>
{
    public async Task Execute(BehaviorContext<ExitSaga, ShareSubmitted> context, IBehavior<ExitSaga, ShareSubmitted> next)
    {
        var superseded = context.Saga.CurrentState == nameof(ExitStateMachine.Superseded);
        var result = await intake.TakeAsync(context.GetPayload<SagaTransaction>(), context.Saga, context.Message, superseded, context.CancellationToken);
        await intake.ReportAsync(context.Message, result, context, respond: true, context.CancellationToken);
        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<ExitSaga, ShareSubmitted, TException> context, IBehavior<ExitSaga, ShareSubmitted> next)
        where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope("take-share");

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}

/// <summary>The cluster became known: the shares that waited for it are taken (or refused) one by one, in the saga's transaction.</summary>
internal sealed class ReleaseSharesActivity(ShareIntake intake) : IStateMachineActivity<ExitSaga, PendingSharesReleased>
{
    public async Task Execute(BehaviorContext<ExitSaga, PendingSharesReleased> context, IBehavior<ExitSaga, PendingSharesReleased> next)
    {
        var superseded = context.Saga.CurrentState == nameof(ExitStateMachine.Superseded);
        var released = await intake.ReleasePendingAsync(context.GetPayload<SagaTransaction>(), context.Saga, superseded, context.CancellationToken);
        foreach (var (share, result) in released)
            await intake.ReportAsync(share, result, context, respond: false, context.CancellationToken);
        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<ExitSaga, PendingSharesReleased, TException> context, IBehavior<ExitSaga, PendingSharesReleased> next)
        where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope("release-shares");

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}
