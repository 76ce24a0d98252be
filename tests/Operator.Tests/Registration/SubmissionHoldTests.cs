using DvtBus.Contracts;
using DvtBus.Operator.Batches;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using MassTransit;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// How the submission waits for its transaction: every transaction is announced to the saga while it is still
/// in the node's pool, not when the delivery ends; a delivery hands the wait on to a new one after
/// <c>SubmissionHold</c> (so RabbitMQ's consumer_timeout never takes it back), and the chain of deliveries keeps
/// one nonce until the transaction is mined; a batch that has ended gets no transaction. Its own anvil: automine off.
/// </summary>
[Trait("Category", "Devnet")]
public sealed class SubmissionHoldTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private const int Validators = 2;

    [Fact]
    public async Task Transaction_is_announced_to_the_saga_while_it_is_still_unmined()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "announce", withSaga: true, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        Guid batch;
        await rig.SetAutomineAsync(false);
        try
        {
            batch = await rig.DropAsync();
            await RegistrationRig.UntilAsync(async () => await rig.AttemptsAsync(batch) is { Count: 1 } a && await rig.KnownAsync(a[0].Hash),
                "the registration in the node's pool: " + rig.Faults());
            var first = (await rig.AttemptsAsync(batch))[0];
            // The delivery that sent it holds for 20 minutes (the default): only an announcement past its outbox is here now.
            var sent = await rig.PublishedAsync<RegistrationTransactionSent>(m => m.BatchId == batch);
            Assert.Equal((first.Hash, first.Nonce), (sent.TransactionHash, sent.Nonce));
            Assert.Null(await rig.Rpc.GetTransactionReceiptAsync(first.Hash));
            await rig.MineAsync();
        }
        finally
        {
            await rig.SetAutomineAsync(true);
        }
        await RegistrationRig.UntilAsync(async () => (await rig.Batches.ListAsync(1, CancellationToken.None))[0].FinishedAt is not null, "the batch to finish");
        var view = Assert.Single(await rig.Batches.ListAsync(10, CancellationToken.None));
        Assert.True(view.State == BatchStates.Registered, view.Failure);
    }

    [Fact]
    public async Task Long_wait_is_handed_on_to_new_deliveries_that_keep_the_nonce_until_the_transaction_is_mined()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "hold", withSaga: true, stuckAfter: TimeSpan.FromSeconds(1), Validators,
            submissionHold: TimeSpan.FromSeconds(3));
        Guid batch;
        await rig.SetAutomineAsync(false);
        try
        {
            batch = await rig.DropAsync();
            // The saga's command and two hand-overs, each delivery ending after 3 s with the transaction still unmined.
            await RegistrationRig.UntilAsync(() => Task.FromResult(rig.Log.Of<SubmitRegistration>().Count(m => m.BatchId == batch) >= 3),
                "two hand-overs: " + rig.Faults());
            Assert.Equal(0UL, await rig.ManagerNonceAsync());
            await rig.MineAsync();
        }
        finally
        {
            await rig.SetAutomineAsync(true);
        }
        await RegistrationRig.UntilAsync(async () => (await rig.Batches.ListAsync(1, CancellationToken.None))[0].FinishedAt is not null, "the batch to finish");

        Assert.True(rig.Log.Of<Fault>().Count == 0, rig.Faults());
        var view = Assert.Single(await rig.Batches.ListAsync(10, CancellationToken.None));
        Assert.True(view.State == BatchStates.Registered, view.Failure);
        var attempts = await rig.AttemptsAsync(batch);
        Assert.Single(attempts.Select(a => a.Nonce).Distinct());
        var mined = new List<Primitives.Bytes32>();
        foreach (var attempt in attempts)
            if (await rig.Rpc.GetTransactionReceiptAsync(attempt.Hash) is not null) mined.Add(attempt.Hash);
        Assert.Equal(view.TransactionHash, Assert.Single(mined).ToString());
        // Every transaction the deliveries sent was announced to the saga.
        var announced = rig.Log.Of<RegistrationTransactionSent>().Where(m => m.BatchId == batch).Select(m => m.TransactionHash).ToHashSet();
        Assert.Subset(announced, attempts.Select(a => a.Hash).ToHashSet());
        Assert.Equal(1UL, await rig.ManagerNonceAsync());
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
    }

    [Fact]
    public async Task Batch_that_has_ended_gets_no_transaction()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "ended", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        await rig.Batches.FinishAsync(batch, BatchStates.Failed, CancellationToken.None, failure: "transaction: no confirmed receipt");

        await rig.PublishSubmitAsync(batch);

        await RegistrationRig.UntilAsync(
            () => Task.FromResult(rig.Harness.Consumed.Held<SubmitRegistration>(m => m.Context.Message.BatchId == batch).Any()), "the submission consumed");
        Assert.True(rig.Log.Of<Fault>().Count == 0, rig.Faults());
        Assert.Empty(await rig.AttemptsAsync(batch));
        Assert.Empty(rig.Log.Of<RegistrationTransactionSent>());
        Assert.Empty(rig.Log.Of<RegistrationFailed>());
        Assert.Equal(0UL, await rig.ManagerNonceAsync());
        Assert.Equal(0, await rig.VaultRegistrationsAsync());
    }
}
