using DvtBus.Contracts;
using DvtBus.Relayer.Exits;
using DvtBus.Sagas;
using MassTransit;

namespace DvtBus.Relayer.Shares;

/// <summary>A share for this exit: checked, verified and stored, and at threshold the exit completed, all in the saga's transaction.</summary>
internal sealed class TakeShareActivity(ShareIntake intake) : SagaActivity<ExitSaga, ShareSubmitted>
{
    protected override string Name => "take-share";

    protected override async Task RunAsync(BehaviorContext<ExitSaga, ShareSubmitted> context)
    {
        var superseded = context.Saga.CurrentState == nameof(ExitStateMachine.Superseded);
        var result = await intake.TakeAsync(context.GetPayload<SagaTransaction>(), context.Saga, context.Message, superseded, context.CancellationToken);
        await intake.ReportAsync(context.Message, result, context, respond: true, context.CancellationToken);
    }
}

/// <summary>The cluster became known: the shares that waited for it are taken (or refused) one by one, in the saga's transaction.</summary>
internal sealed class ReleaseSharesActivity(ShareIntake intake) : SagaActivity<ExitSaga, PendingSharesReleased>
{
    protected override string Name => "release-shares";

    protected override async Task RunAsync(BehaviorContext<ExitSaga, PendingSharesReleased> context)
    {
        var superseded = context.Saga.CurrentState == nameof(ExitStateMachine.Superseded);
        var released = await intake.ReleasePendingAsync(context.GetPayload<SagaTransaction>(), context.Saga, superseded, context.CancellationToken);
        foreach (var (share, result) in released)
            await intake.ReportAsync(share, result, context, respond: false, context.CancellationToken);
    }
}
