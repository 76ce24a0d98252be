using DvtBus.Contracts;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Ethereum.Transactions;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// SubmitRegistration delivered more than once for one batch (redelivery, a retry after a crash, a
/// second operator process) sends one registerValidators: counted by the vault's ValidatorRegistered
/// events and the manager account's nonce on a real anvil, with the transactions recorded in PostgreSQL.
/// </summary>
[Trait("Category", "Devnet")]
public sealed class NoDoubleSendTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private const int Validators = 2;

    [Fact]
    public async Task Submission_repeated_after_the_registration_sends_nothing_new()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "twice", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);

        await rig.PublishSubmitAsync(batch);
        var first = Assert.Single(await rig.RegisteredAsync(batch, 1));
        await rig.PublishSubmitAsync(batch);
        var both = await rig.RegisteredAsync(batch, 2);

        Assert.All(both, r => Assert.Equal(first.TransactionHash, r.TransactionHash));
        Assert.Equal(first.TransactionHash, Assert.Single(await rig.AttemptsAsync(batch)).Hash);
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
        Assert.Equal(1UL, await rig.ManagerNonceAsync());
        Assert.Single(rig.Log.Of<RegistrationTransactionSent>());
    }

    [Fact]
    public async Task Two_deliveries_at_once_while_the_transaction_is_unmined_share_it()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "together", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        await rig.SetAutomineAsync(false);
        try
        {
            await Task.WhenAll(rig.PublishSubmitAsync(batch), rig.PublishSubmitAsync(batch));
            await RegistrationRig.UntilAsync(async () => await rig.AttemptsAsync(batch) is [var a] && await rig.KnownAsync(a.Hash), "the transaction in the node's pool");
            await rig.MineAsync();
        }
        finally
        {
            await rig.SetAutomineAsync(true);
        }
        var both = await rig.RegisteredAsync(batch, 2);

        var attempt = Assert.Single(await rig.AttemptsAsync(batch));
        Assert.All(both, r => Assert.Equal(attempt.Hash, r.TransactionHash));
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
        Assert.Equal(1UL, await rig.ManagerNonceAsync());
    }

    /// <summary>
    /// Another delivery (a second operator process, say) records, sends and gets mined the batch's transaction after
    /// this one looked for the batch's transactions and found none, and before it estimates its own: the estimate
    /// reverts and the approvals look stale, both because of that registration. The delivery must follow the
    /// recorded transaction to its receipt, not send the batch back for new approvals.
    /// </summary>
    [Theory]
    [InlineData("approvals", "c5f2892f")] // get_deposit_root(), read by the check of the approvals
    [InlineData("estimate", "\"method\":\"eth_estimateGas\"")]
    public async Task A_transaction_another_delivery_got_mined_between_the_checks_is_followed_not_taken_for_stale_approvals(string name, string before)
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "between-" + name, withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        RegistrationAttempt? other = null;
        var call = await rig.RegisterValidatorsCallAsync(batch);
        rig.Tap.BeforeNext(before, async () =>
        {
            var sender = rig.Sender();
            (other, _) = await sender.PrepareAsync(batch, rig.Devnet.Vault, call, CancellationToken.None);
            Assert.Equal(BroadcastResult.Accepted, await sender.BroadcastAsync(other, CancellationToken.None));
            await rig.Rpc.WaitForReceiptAsync(other.Hash, 1);
        });

        await rig.PublishSubmitAsync(batch);

        var registered = Assert.Single(await rig.RegisteredAsync(batch, 1));
        Assert.NotNull(other);
        Assert.Equal(other.Hash, registered.TransactionHash);
        Assert.Empty(rig.Log.Of<OracleApprovalsExpired>());
        Assert.Empty(rig.Log.Of<ValidatorIndexesChanged>());
        Assert.Empty(rig.Log.Of<RegistrationFailed>());
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
        Assert.Equal(1UL, await rig.ManagerNonceAsync());
    }

    /// <summary>
    /// A delivery recorded its transaction and died before sending it; the batch then failed (no transaction was ever
    /// reported sent). A later delivery (a message moved back from the error queue, another process) must not send
    /// those bytes: they would register the validators of a failed batch. The attempt is given up instead.
    /// </summary>
    [Fact]
    public async Task An_ended_batch_gives_up_a_transaction_recorded_but_never_sent()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "ended-unsent", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        var (recorded, _) = await rig.Sender().PrepareAsync(batch, rig.Devnet.Vault, await rig.RegisterValidatorsCallAsync(batch), CancellationToken.None);
        await rig.Batches.FinishAsync(batch, Batches.BatchStates.Failed, CancellationToken.None, failure: "no transaction reported sent");

        await rig.PublishSubmitAsync(batch);

        await RegistrationRig.UntilAsync(async () => (await rig.AttemptsAsync(batch)).Count == 0, "the unsent attempt given up");
        Assert.Equal(0, rig.Tap.Broadcasts(recorded.Transaction.Raw));
        Assert.False(await rig.KnownAsync(recorded.Hash));
        Assert.Equal(0, await rig.VaultRegistrationsAsync());
        Assert.Equal(0UL, await rig.ManagerNonceAsync());
        Assert.Empty(rig.Log.Of<RegistrationTransactionSent>());
    }

    /// <summary>
    /// The first delivery recorded its transaction (and, in one case, broadcast it) and then died before
    /// anything else. The retry must find that transaction, send those same bytes, and wait for it.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Retry_after_a_crash_finds_the_recorded_transaction_and_waits_for_it(bool broadcastBeforeCrash)
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "crash-" + broadcastBeforeCrash, withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        await rig.SetAutomineAsync(false);
        RegistrationAttempt first;
        try
        {
            var sender = rig.Sender();
            (first, var recorded) = await sender.PrepareAsync(batch, rig.Devnet.Vault, await rig.RegisterValidatorsCallAsync(batch), CancellationToken.None);
            Assert.True(recorded);
            if (broadcastBeforeCrash) Assert.Equal(BroadcastResult.Accepted, await sender.BroadcastAsync(first, CancellationToken.None));
            Assert.Equal(broadcastBeforeCrash, await rig.KnownAsync(first.Hash));

            await rig.PublishSubmitAsync(batch);
            // The retry sends the recorded bytes again (its last step before it waits), and they are in the pool.
            var before = broadcastBeforeCrash ? 1 : 0;
            await RegistrationRig.UntilAsync(() => Task.FromResult(rig.Tap.Broadcasts(first.Transaction.Raw) > before), "the retry sending the recorded transaction");
            Assert.True(await rig.KnownAsync(first.Hash));
            Assert.Empty(rig.Log.Of<ValidatorsRegistered>());
            await rig.MineAsync();
        }
        finally
        {
            await rig.SetAutomineAsync(true);
        }

        var registered = Assert.Single(await rig.RegisteredAsync(batch, 1));
        Assert.Equal(first.Hash, registered.TransactionHash);
        // Taken up unmined: the retry announced it (a retry finding it already mined would not).
        Assert.Equal(first.Hash, Assert.Single(rig.Log.Of<RegistrationTransactionSent>()).TransactionHash);
        Assert.Equal(broadcastBeforeCrash ? 2 : 1, rig.Tap.Broadcasts(first.Transaction.Raw));
        Assert.Equal(first.Hash, Assert.Single(await rig.AttemptsAsync(batch)).Hash);
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
        Assert.Equal(1UL, await rig.ManagerNonceAsync());
    }

    /// <summary>
    /// What the store keeps of each broadcast decides whether a submission that gives up may fail its batch:
    /// a transaction the node took, or whose broadcast got no answer, may be mined; one the node refused cannot.
    /// </summary>
    [Fact]
    public async Task Broadcasts_the_node_took_or_left_unanswered_are_marked_sent_and_refused_ones_are_not()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "sent-marks", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        var ct = CancellationToken.None;
        var call = await rig.RegisterValidatorsCallAsync(batch);
        var store = rig.Store;
        await rig.SetAutomineAsync(false);
        try
        {
            // Signed for another chain: the node answers, with a refusal. Never sent before, so it is given up:
            // its nonce is held no longer.
            var otherChain = rig.Sender(chainId: rig.Network.ChainId + 1);
            var (refused, _) = await otherChain.PrepareAsync(batch, rig.Devnet.Vault, call, ct);
            await Assert.ThrowsAsync<RpcException>(() => otherChain.BroadcastAsync(refused, ct));
            Assert.False(await rig.KnownAsync(refused.Hash));
            Assert.Empty(await store.SentAsync(batch, ct));
            Assert.Empty(await rig.AttemptsAsync(batch));

            // Signed again the same (same nonce and fees: no block in between), it is the same transaction: the row
            // comes back as the batch's attempt.
            var (again, recordedAgain) = await otherChain.PrepareAsync(batch, rig.Devnet.Vault, call, ct);
            Assert.True(recordedAgain);
            Assert.Equal(refused.Hash, again.Hash);
            Assert.Equal(refused.Hash, Assert.Single(await rig.AttemptsAsync(batch)).Hash);

            // Nothing answers where this client sends: the bytes may have reached a node before the connection failed.
            using var http = new HttpClient();
            var noAnswer = rig.Sender(rpc: new EthRpcClient(http, new Uri("http://127.0.0.1:1/")));
            await Assert.ThrowsAsync<RpcTransportException>(() => noAnswer.BroadcastAsync(again, ct));
            Assert.Equal([refused.Hash], await store.SentAsync(batch, ct));
            // Refused after that, it keeps its mark and stays the batch's attempt: a node may hold it.
            await Assert.ThrowsAsync<RpcException>(() => otherChain.BroadcastAsync(again, ct));
            Assert.Equal([refused.Hash], await store.SentAsync(batch, ct));
            Assert.Single(await rig.AttemptsAsync(batch));

            // Taken by the node. A refused transaction's nonce is given up before the batch tries again.
            await store.AbandonAsync(batch, refused.Nonce, ct);
            Assert.Empty(await store.SentAsync(batch, ct));
            var sender = rig.Sender();
            var (taken, recorded) = await sender.PrepareAsync(batch, rig.Devnet.Vault, call, ct);
            Assert.True(recorded);
            Assert.Empty(await store.SentAsync(batch, ct));
            Assert.Equal(BroadcastResult.Accepted, await sender.BroadcastAsync(taken, ct));
            Assert.True(await rig.KnownAsync(taken.Hash));
            Assert.Equal([taken.Hash], await store.SentAsync(batch, ct));
            // Sent again (the node already holds it): still one sent transaction.
            Assert.Equal(BroadcastResult.Accepted, await sender.BroadcastAsync(taken, ct));
            Assert.Equal([taken.Hash], await store.SentAsync(batch, ct));
        }
        finally
        {
            await rig.SetAutomineAsync(true);
        }
    }

    [Fact]
    public async Task Validators_registered_by_a_transaction_not_of_the_batch_fail_it_with_that_reason()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "elsewhere", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        // The same registration sent by hand with the manager key, outside the operator's records. The manager sends
        // it, so it carries no manager signature (which every vault release accepts from the manager).
        var call = await rig.RegisterValidatorsCallAsync(batch);
        Assert.Empty((byte[])StakeWiseCalls.RegisterValidators.DecodeCall(call)[1]);
        var byHand = await new TransactionSender(rig.Rpc, rig.Manager.Key, rig.Network.ChainId)
            .SendAndWaitAsync(new TransactionRequest(rig.Devnet.Vault, call));
        Assert.True(byHand.Succeeded);

        await rig.PublishSubmitAsync(batch);

        var failed = await rig.PublishedAsync<RegistrationFailed>(m => m.BatchId == batch);
        Assert.Equal("transaction", failed.Stage);
        Assert.StartsWith($"{Validators} of the batch's {Validators} validators are already deposited on chain by a transaction that is not this batch's", failed.Reason,
            StringComparison.Ordinal);
        Assert.Empty(await rig.AttemptsAsync(batch));
        Assert.Empty(rig.Log.Of<ValidatorsRegistered>());
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
        Assert.Equal(1UL, await rig.ManagerNonceAsync());
    }

    /// <summary>
    /// The batch's transaction was mined, but an earlier look gave it up (its nonce used, no receipt yet from a node
    /// behind the others). The next submission finds it among everything the batch recorded: the batch is
    /// registered with it, not failed as "deposited by a transaction not of this batch", and nothing is sent.
    /// </summary>
    [Fact]
    public async Task A_mined_transaction_given_up_by_mistake_registers_the_batch_and_nothing_is_sent_again()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "given-up", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        var ct = CancellationToken.None;
        var sender = rig.Sender();
        var (attempt, _) = await sender.PrepareAsync(batch, rig.Devnet.Vault, await rig.RegisterValidatorsCallAsync(batch), ct);
        Assert.Equal(BroadcastResult.Accepted, await sender.BroadcastAsync(attempt, ct));
        Assert.True((await rig.Rpc.WaitForReceiptAsync(attempt.Hash, 1)).Succeeded);
        await rig.Store.AbandonAsync(batch, attempt.Nonce, ct);
        var broadcasts = rig.Tap.Calls("eth_sendRawTransaction");

        await rig.PublishSubmitAsync(batch);

        var registered = await rig.PublishedAsync<ValidatorsRegistered>(m => m.BatchId == batch);
        Assert.Equal(attempt.Hash, registered.TransactionHash);
        Assert.Empty(rig.Log.Of<RegistrationFailed>());
        Assert.Equal(broadcasts, rig.Tap.Calls("eth_sendRawTransaction"));
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
        Assert.Equal(1UL, await rig.ManagerNonceAsync());
    }
}
