using DvtBus.Contracts;
using DvtBus.Ethereum.Rpc;
using DvtBus.Hosting;
using DvtBus.Operator.Batches;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DvtBus.Operator.Registration;

/// <summary>
/// Looks a registering batch's transactions up on chain when its receipt is overdue: a confirmed one
/// registers the batch, a reverted one sends it back when stale approvals explain it and fails it otherwise
/// (<see cref="RegistrationOutcome"/>), and one still unmined or too shallow is left for the next check.
/// It only reads: a missing receipt is never a reason to send again (that could register twice).
/// The transactions are those the saga heard of and those recorded in PostgreSQL before their broadcast:
/// the announcement of one still being waited for may not have reached the saga yet.
/// A saga still waiting for a revert already handled never heard that its batch was sent back: that is said again.
/// </summary>
internal sealed class CheckRegistrationReceiptConsumer(
    EthRpcClient rpc, RegistrationOutcome outcome, RegistrationTransactionStore transactions, ApprovalStore approvals,
    IOptions<OperatorOptions> options) : IConsumer<CheckRegistrationReceipt>
{
    public async Task Consume(ConsumeContext<CheckRegistrationReceipt> context)
    {
        var check = context.Message;
        var ct = context.CancellationToken;
        // Abandoned ones too: a node behind the others may have made one look replaced by another transaction.
        var recorded = await transactions.RecordedAsync(check.BatchId, ct);
        // A revert already handled (the batch went back for new approvals) is not the outcome of what it sent since.
        var handled = await transactions.RevertedAsync(check.BatchId, ct);
        foreach (var hash in check.TransactionHashes.Concat(recorded.Select(a => a.Hash)).Distinct().Except(handled))
        {
            // Same-nonce replacements: at most one of them can ever be mined.
            if (await rpc.GetTransactionReceiptAsync(hash, ct) is not { } receipt) continue;
            var head = await rpc.BlockNumberAsync(ct);
            if (head < receipt.BlockNumber || head - receipt.BlockNumber + 1 < (ulong)options.Value.Confirmations) return;
            await outcome.PublishAsync(context, check.BatchId, receipt, ct);
            return;
        }

        // The revert is marked before the event that sends the batch back goes out: a crash or a failed publish in
        // between loses that event, and the saga, still naming the reverted transaction, would wait for a receipt that
        // never comes and fail the batch. The event goes out again (naming every handled revert, which the saga drops),
        // unless the batch has a transaction in flight again, recorded maybe only since the look above: its receipt
        // decides at the next check. A repeat is harmless: the saga, back for approvals or exits, ignores it, and in a
        // later round only approvals that are stale again send it back, as its submission would.
        if (!check.TransactionHashes.Intersect(handled).Any() || await approvals.LoadAsync(check.BatchId, ct) is not { } approved) return;
        await outcome.PublishIfStaleAsync(context, check.BatchId, approved, reverted: null, ct,
            async () => (await transactions.LiveAsync(check.BatchId, ct)).Count > 0);
    }
}

internal sealed class CheckRegistrationReceiptConsumerDefinition : ConsumerDefinition<CheckRegistrationReceiptConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<CheckRegistrationReceiptConsumer> consumer, IRegistrationContext context) =>
        EndpointDefaults.Apply(endpoint, context);
}
