using DvtBus.Contracts;
using DvtBus.Operator.Batches;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using MassTransit;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// The execution node goes away while a batch's registration transaction waits in its pool (automine
/// off): anvil is stopped for real and restarted on the same port with its chain but without its pool.
/// Each submission delivery tries an RPC call four times (the client's three Polly retries) and then
/// fails; the endpoint retries the delivery five times, 0.2 to 30 s apart, about a minute in all. A node
/// back within that minute is waited out: the recorded transaction is sent again and mined once. After the
/// last retry the batch is not failed, since the transaction it sent may still be mined: it waits, and the
/// receipt checks decide. Its own anvil: the tests stop it.
/// </summary>
[Trait("Category", "Devnet")]
public sealed class NodeOutageTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private const int Validators = 2;
    private const string Receipts = "eth_getTransactionReceipt";

    /// <summary>Each failed delivery asked for the receipt once and retried that call three times.</summary>
    private const int CallsPerFailedDelivery = 4;

    [Fact]
    public async Task Node_back_within_the_retries_is_waited_out_and_the_recorded_transaction_is_sent_again_and_mined_once()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "outage", withSaga: true, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var (batch, sent) = await SentAndUnminedAsync(rig);

        var before = rig.Tap.Calls(Receipts);
        await anvil.StopAsync();
        try
        {
            // Two failed deliveries: the endpoint has retried the submission once, and it still holds.
            await RegistrationRig.UntilAsync(() => Task.FromResult(rig.Tap.Calls(Receipts) - before >= 2 * CallsPerFailedDelivery),
                "two failed deliveries of the submission");
            Assert.True(rig.Log.Of<Fault>().Count == 0, rig.Faults());
            var waiting = Assert.Single(await rig.Batches.ListAsync(10, CancellationToken.None));
            Assert.Equal((BatchStates.Registering, null), (waiting.State, waiting.FinishedAt));
            Assert.Equal(sent.Hash, Assert.Single(await rig.AttemptsAsync(batch)).Hash);
        }
        finally
        {
            // Automine is on again, and the pool is empty: anvil's saved state holds no pending transaction.
            await anvil.RestartAsync();
        }

        await RegistrationRig.UntilAsync(async () => (await rig.Batches.ListAsync(1, CancellationToken.None))[0].FinishedAt is not null,
            "the batch to finish: " + rig.Faults());
        Assert.True(rig.Log.Of<Fault>().Count == 0, rig.Faults());
        var view = Assert.Single(await rig.Batches.ListAsync(10, CancellationToken.None));
        Assert.Equal((BatchStates.Registered, sent.Hash.ToString()), (view.State, view.TransactionHash));
        Assert.Equal(sent.Hash, Assert.Single(await rig.AttemptsAsync(batch)).Hash);
        Assert.Equal(2, rig.Tap.Broadcasts(sent.Transaction.Raw));
        Assert.True((await rig.Rpc.GetTransactionReceiptAsync(sent.Hash))!.Succeeded);
        Assert.Equal(1UL, await rig.ManagerNonceAsync());
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
    }

    [Fact]
    public async Task Node_gone_longer_than_the_retries_leaves_the_batch_waiting_for_its_sent_transaction()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "outage-long", withSaga: true, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var (batch, sent) = await SentAndUnminedAsync(rig);

        var before = rig.Tap.Calls(Receipts);
        await anvil.StopAsync();
        try
        {
            await GaveUpAsync(rig, batch, sent);
            // The first delivery and the endpoint's five retries.
            Assert.True(rig.Tap.Calls(Receipts) - before >= 6 * CallsPerFailedDelivery);
        }
        finally
        {
            await anvil.RestartAsync();
        }

        // The restarted node lost its pool, so nothing is mined; a receipt check finds nothing and sends nothing,
        // and the batch waits on (the last Registering timeout fails it, naming the transaction).
        await rig.Harness.Bus.Publish(new CheckRegistrationReceipt { BatchId = batch, TransactionHashes = [sent.Hash] });
        // Polled: Consumed.Any gives up at the harness's first quiet moment, which a loaded machine reaches early.
        await SagaRig.WaitUntilAsync(() => rig.Harness.Consumed.Held<CheckRegistrationReceipt>().Any(m => m.Context.Message.BatchId == batch),
            "the receipt check was not consumed");
        var view = Assert.Single(await rig.Batches.ListAsync(10, CancellationToken.None));
        Assert.Equal((BatchStates.Registering, null), (view.State, view.FinishedAt));
        Assert.Null(await rig.Rpc.GetTransactionReceiptAsync(sent.Hash));
        Assert.Equal(0UL, await rig.ManagerNonceAsync());
        Assert.Equal(0, await rig.VaultRegistrationsAsync());
        Assert.Empty(rig.Log.Of<RegistrationFailed>());
    }

    /// <summary>
    /// The operator's link to the node is down longer than the retries, while the node runs on with the
    /// transaction in its pool: the batch is not failed, and once the transaction is mined the next receipt
    /// check registers it.
    /// </summary>
    [Fact]
    public async Task Link_down_longer_than_the_retries_while_the_node_keeps_the_transaction_ends_registered_once_mined()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "outage-link", withSaga: true, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var (batch, sent) = await SentAndUnminedAsync(rig);
        try
        {
            rig.Tap.Unreachable = true;
            try
            {
                await GaveUpAsync(rig, batch, sent);
            }
            finally
            {
                rig.Tap.Unreachable = false;
            }
            Assert.True(await rig.KnownAsync(sent.Hash));
            await rig.MineAsync();
        }
        finally
        {
            await rig.SetAutomineAsync(true);
        }

        await rig.Harness.Bus.Publish(new CheckRegistrationReceipt { BatchId = batch, TransactionHashes = [] });
        await RegistrationRig.UntilAsync(async () => (await rig.Batches.ListAsync(1, CancellationToken.None))[0].FinishedAt is not null,
            "the batch to finish: " + rig.Faults());
        var view = Assert.Single(await rig.Batches.ListAsync(10, CancellationToken.None));
        Assert.Equal((BatchStates.Registered, sent.Hash.ToString(), null), (view.State, view.TransactionHash, view.Failure));
        Assert.Equal(sent.Hash, Assert.Single(rig.Log.Of<ValidatorsRegistered>()).TransactionHash);
        Assert.Empty(rig.Log.Of<RegistrationFailed>());
        Assert.Equal(1, rig.Tap.Broadcasts(sent.Transaction.Raw));
        Assert.Equal(1UL, await rig.ManagerNonceAsync());
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
    }

    /// <summary>
    /// Waits until the submission has given up (its fault is published after the endpoint's last retry) and the
    /// saga has taken over the transaction it sent: the batch stays Registering and shows that transaction.
    /// </summary>
    private static async Task GaveUpAsync(RegistrationRig rig, Guid batch, RegistrationAttempt sent)
    {
        await RegistrationRig.UntilAsync(() => Task.FromResult(rig.Log.Of<Fault<SubmitRegistration>>().Count == 1),
            "the submission to give up", within: TimeSpan.FromMinutes(3));
        await RegistrationRig.UntilAsync(async () => (await rig.Batches.ListAsync(1, CancellationToken.None))[0].TransactionHash == sent.Hash.ToString(),
            "the batch to show the transaction it sent: " + rig.Faults());
        var waiting = Assert.Single(await rig.Batches.ListAsync(10, CancellationToken.None));
        Assert.Equal((BatchStates.Registering, null, null), (waiting.State, waiting.FinishedAt, waiting.Failure));
        Assert.Equal([sent.Hash], await rig.Store.SentAsync(batch, CancellationToken.None));
        Assert.DoesNotContain(rig.Log.Of<RegistrationFailed>(), f => f.BatchId == batch);
    }

    /// <summary>Drops the file with automine off and waits until the batch's one transaction is recorded and in the node's pool.</summary>
    private static async Task<(Guid Batch, RegistrationAttempt Sent)> SentAndUnminedAsync(RegistrationRig rig)
    {
        await rig.SetAutomineAsync(false);
        var batch = await rig.DropAsync();
        await RegistrationRig.UntilAsync(async () => await rig.AttemptsAsync(batch) is [var a] && await rig.KnownAsync(a.Hash),
            "the transaction in the node's pool: " + rig.Faults());
        return (batch, Assert.Single(await rig.AttemptsAsync(batch)));
    }
}
