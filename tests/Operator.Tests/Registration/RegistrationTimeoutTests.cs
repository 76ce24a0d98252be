using DvtBus.Contracts;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.Primitives;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>The registration saga's stage timeouts on the test harness: each is armed on entering its stage, and each firing is a transition.</summary>
public sealed class RegistrationTimeoutTests
{
    private static readonly Bytes32 TxHash = Bytes32.From(Enumerable.Repeat((byte)0xab, 32).ToArray());
    private static readonly Bytes32 Replacement = Bytes32.From(Enumerable.Repeat((byte)0xcd, 32).ToArray());

    [Fact]
    public async Task Every_waiting_stage_arms_its_own_timeout_and_the_end_drops_it()
    {
        await using var rig = await SagaRig.StartAsync();
        var before = DateTimeOffset.UtcNow;

        var batchId = await rig.AcceptAsync();
        var (dueShares, shares) = Last(rig, batchId);
        var sharesTimeout = Assert.IsType<ShareCollectionTimedOut>(shares);
        Assert.Equal((batchId, 1), (sharesTimeout.BatchId, sharesTimeout.Round));
        Assert.InRange(dueShares, before + rig.Options.ShareCollectionTimeout, DateTimeOffset.UtcNow + rig.Options.ShareCollectionTimeout);
        Assert.Equal(sharesTimeout.TimeoutId, (await rig.SettledAsync(batchId)).StageTimeoutId);

        await rig.CollectedAsync(batchId, 0, 7);
        await rig.CollectedAsync(batchId, 1, 8);
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.ApprovalsRequested));
        Assert.Equal(batchId, (await ArmedAsync<ApprovalRoundTimedOut>(rig, batchId)).BatchId);
        var (dueApprovals, _) = Last(rig, batchId);
        Assert.True(dueApprovals >= before + rig.Options.ApprovalRoundTimeout);

        await rig.Harness.Bus.Publish(new OracleApprovalsCollected { BatchId = batchId, ExitSignaturesIpfsHash = "bafy", Deadline = 1, Approvals = 2 });
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Registering));
        Assert.Equal(batchId, (await ArmedAsync<RegistrationReceiptOverdue>(rig, batchId)).BatchId);
        var (dueReceipt, _) = Last(rig, batchId);
        Assert.True(dueReceipt >= before + rig.Options.RegisteringTimeout);
        Assert.Empty(rig.Armed.Cancelled);

        await rig.Harness.Bus.Publish(new ValidatorsRegistered { BatchId = batchId, TransactionHash = TxHash, BlockNumber = 9, Validators = SagaRig.Keys[..2] });

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Done));
        await SagaRig.WaitUntilAsync(() => !rig.Armed.Cancelled.IsEmpty, "the timeout was not dropped");
        var done = await rig.SettledAsync(batchId);
        Assert.Equal([batchId], rig.Armed.Cancelled);
        Assert.Null(done.StageTimeoutId);
        Assert.Equal(3, rig.Armed.Scheduled.Count);
    }

    [Fact]
    public async Task Share_collection_timeout_requests_the_exits_again_then_fails_naming_the_validators_still_missing()
    {
        await using var rig = await SagaRig.StartAsync(options: new OperatorOptions { ShareCollectionRounds = 2 });
        var batchId = await rig.AcceptAsync();
        // The relayer answered for the first validator only; its shards are stored.
        rig.Shards.Stored.Add(new RequestedShards(SagaRig.Keys[0], 7));
        await rig.CollectedAsync(batchId, 0, 7);
        var first = Assert.IsType<ShareCollectionTimedOut>(Last(rig, batchId).Message);

        await rig.FireAsync<ShareCollectionTimedOut>(batchId);

        var again = await rig.SettledAsync(batchId);
        Assert.Equal(rig.Machine.ExitsRequested.Name, again.CurrentState);
        Assert.Equal((2, 2), (again.StageRound, again.ExitRounds));
        Assert.Equal([SagaRig.Keys[0].ToString()], again.Ready);
        var requests = await rig.PublishedAsync<ExitRequested>();
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal([new RequestedExit(SagaRig.Keys[0], 7), new RequestedExit(SagaRig.Keys[1], 8)], r.Validators));
        var second = Assert.IsType<ShareCollectionTimedOut>(Last(rig, batchId).Message);
        Assert.Equal(2, second.Round);
        Assert.NotEqual(first.TimeoutId, second.TimeoutId);
        Assert.Equal(second.TimeoutId, again.StageTimeoutId);

        // The first round's timeout, delivered late, is stale: nothing is asked again.
        await rig.DeliverAsync(first);
        Assert.Equal(2, (await rig.PublishedAsync<ExitRequested>()).Count);

        await rig.FireAsync<ShareCollectionTimedOut>(batchId);

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Failed));
        var failed = await rig.SettledAsync(batchId);
        Assert.Contains(SagaRig.Keys[1].ToString(), failed.Failure);
        Assert.Contains("(index 8)", failed.Failure);
        Assert.DoesNotContain(SagaRig.Keys[0].ToString(), failed.Failure);
        Assert.StartsWith("shares: no exit signature after 2 requests", failed.Failure);
        var announced = Assert.Single(await rig.PublishedAsync<RegistrationFailed>());
        Assert.Equal(("shares", failed.Failure), (announced.Stage, announced.Reason));
        var finished = Assert.Single(rig.Recorded.Finished);
        Assert.Equal((batchId, false), (finished.BatchId, finished.Registered));
        Assert.Equal([batchId], rig.Armed.Cancelled);
        Assert.Equal(2, (await rig.PublishedAsync<ExitRequested>()).Count);
    }

    [Fact]
    public async Task Approval_round_timeout_asks_the_oracles_again_then_fails()
    {
        await using var rig = await SagaRig.StartAsync(options: new OperatorOptions { ApprovalRequestRounds = 2 });
        var batchId = await ReadyForApprovalsAsync(rig);

        await rig.FireAsync<ApprovalRoundTimedOut>(batchId);

        var again = await rig.SettledAsync(batchId);
        Assert.Equal(rig.Machine.ApprovalsRequested.Name, again.CurrentState);
        Assert.Equal((2, 2), (again.StageRound, again.ApprovalRounds));
        Assert.Equal([7UL, 7UL], (await rig.PublishedAsync<CollectOracleApprovals>()).Select(c => c.StartIndex));
        Assert.Equal(2, Assert.IsType<ApprovalRoundTimedOut>(Last(rig, batchId).Message).Round);

        await rig.FireAsync<ApprovalRoundTimedOut>(batchId);

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Failed));
        var failed = await rig.SettledAsync(batchId);
        Assert.Equal($"oracle approvals: no answer from the approval step after 2 requests of {rig.Options.ApprovalRoundTimeout} each", failed.Failure);
        Assert.Equal("approvals", Assert.Single(await rig.PublishedAsync<RegistrationFailed>()).Stage);
        Assert.False(Assert.Single(rig.Recorded.Finished).Registered);
        Assert.Equal(2, (await rig.PublishedAsync<CollectOracleApprovals>()).Count);
    }

    [Fact]
    public async Task Fault_of_an_approval_request_a_timeout_replaced_does_not_fail_the_batch()
    {
        var oracles = new HeldOracles();
        await using var rig = await SagaRig.StartAsync(consumers: bus =>
        {
            bus.AddSingleton(oracles);
            bus.AddConsumer<HeldOraclesConsumer>();
        });
        var batchId = await ReadyForApprovalsAsync(rig);
        await oracles.FirstArrived.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var timeout = await ArmedAsync<ApprovalRoundTimedOut>(rig, batchId);

        // The first request is still being worked on when its round times out and the oracles are asked again.
        await rig.Harness.Bus.Publish(timeout);
        await SagaRig.WaitUntilAsync(() => oracles.Requests == 2, "the oracles were not asked again");
        oracles.Release.SetResult();

        // Polled: Published.Any gives up at the harness's first quiet moment, which a loaded machine reaches early.
        await SagaRig.WaitUntilAsync(() => rig.Harness.Published.Held<Fault<CollectOracleApprovals>>().Any(), "the first request's fault was not published");
        var saga = await rig.SettledAsync(batchId);
        Assert.Equal(rig.Machine.ApprovalsRequested.Name, saga.CurrentState);
        Assert.Null(saga.Failure);
        Assert.Equal(2, saga.ApprovalRounds);
        Assert.Empty(await rig.PublishedAsync<RegistrationFailed>());
        Assert.Empty(rig.Recorded.Finished);
    }

    [Fact]
    public async Task Overdue_receipt_is_looked_up_on_chain_never_sent_again_and_after_the_last_check_the_batch_fails()
    {
        await using var rig = await SagaRig.StartAsync(options: new OperatorOptions { RegisteringChecks = 1 });
        var batchId = await RegisteringAsync(rig);
        await rig.DeliverAsync(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = TxHash, Nonce = 3 });
        await rig.DeliverAsync(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = Replacement, Nonce = 3 });
        await rig.SettledAsync(batchId);

        await rig.FireAsync<RegistrationReceiptOverdue>(batchId);

        var check = Assert.Single(await rig.PublishedAsync<CheckRegistrationReceipt>());
        Assert.Equal(batchId, check.BatchId);
        Assert.Equal([TxHash, Replacement], check.TransactionHashes);
        var waiting = await rig.SettledAsync(batchId);
        Assert.Equal((rig.Machine.Registering.Name, 2), (waiting.CurrentState, waiting.StageRound));
        Assert.Equal(2, Assert.IsType<RegistrationReceiptOverdue>(Last(rig, batchId).Message).Round);

        await rig.FireAsync<RegistrationReceiptOverdue>(batchId);

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Failed));
        var failed = await rig.SettledAsync(batchId);
        Assert.StartsWith("transaction: no confirmed receipt within 2 waits", failed.Failure);
        Assert.Contains(TxHash.ToString(), failed.Failure);
        Assert.Contains(Replacement.ToString(), failed.Failure);
        Assert.Single(await rig.PublishedAsync<SubmitRegistration>());
        Assert.Single(await rig.PublishedAsync<CheckRegistrationReceipt>());
        Assert.Equal("transaction", Assert.Single(await rig.PublishedAsync<RegistrationFailed>()).Stage);
    }

    /// <summary>
    /// The submission published on entering Registering was lost after the saga's state was stored (the outbox's send
    /// failed, the process died): no transaction is ever reported, and the repeated approvals are ignored in
    /// Registering. The overdue receipt asks for the submission again, which looks for the batch's recorded
    /// transactions and its validators on chain before it sends anything; after the last check the batch still fails.
    /// </summary>
    [Fact]
    public async Task Overdue_receipt_with_no_transaction_reported_asks_for_the_submission_again()
    {
        await using var rig = await SagaRig.StartAsync(options: new OperatorOptions { RegisteringChecks = 1 });
        var batchId = await RegisteringAsync(rig);
        Assert.Single(await rig.PublishedAsync<SubmitRegistration>());

        await rig.FireAsync<RegistrationReceiptOverdue>(batchId);

        var submissions = await rig.PublishedAsync<SubmitRegistration>();
        Assert.Equal(2, submissions.Count);
        Assert.All(submissions, s => Assert.Equal((batchId, 7UL), (s.BatchId, s.StartIndex)));
        Assert.Empty(await rig.PublishedAsync<CheckRegistrationReceipt>());
        var waiting = await rig.SettledAsync(batchId);
        Assert.Equal((rig.Machine.Registering.Name, 2), (waiting.CurrentState, waiting.StageRound));
        Assert.Equal(2, Assert.IsType<RegistrationReceiptOverdue>(Last(rig, batchId).Message).Round);

        await rig.FireAsync<RegistrationReceiptOverdue>(batchId);

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Failed));
        var failed = await rig.SettledAsync(batchId);
        Assert.StartsWith("transaction: no registration transaction was reported sent within 2 waits", failed.Failure);
        Assert.Equal(2, (await rig.PublishedAsync<SubmitRegistration>()).Count);
        Assert.Equal("transaction", Assert.Single(await rig.PublishedAsync<RegistrationFailed>()).Stage);
    }

    [Fact]
    public async Task A_submission_that_fails_for_good_before_anything_was_sent_fails_the_batch_with_its_reason()
    {
        await using var rig = await SagaRig.StartAsync(consumers: bus => bus.AddConsumer<SagaRig.UnreachableNode>());
        var batchId = await ReadyForApprovalsAsync(rig);
        await rig.Harness.Bus.Publish(new OracleApprovalsCollected { BatchId = batchId, ExitSignaturesIpfsHash = "bafy", Deadline = 1, Approvals = 2 });

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Failed));
        var failed = await rig.SettledAsync(batchId);
        Assert.Equal("transaction: eth_getTransactionReceipt: cannot reach the node (Connection refused)", failed.Failure);
        Assert.Empty(failed.TransactionHashes);
        Assert.Equal("transaction", Assert.Single(await rig.PublishedAsync<RegistrationFailed>()).Stage);
        Assert.Single(rig.Recorded.Finished, f => f.BatchId == batchId && !f.Registered);
        Assert.Contains(batchId, rig.Armed.Cancelled);
    }

    /// <summary>
    /// The node took the transaction (or its broadcast got no answer), and then the submission ran out of
    /// retries: the transaction may still be mined, so the batch keeps waiting and the receipt checks decide.
    /// The saga never heard of the transaction: a failed delivery's announcement is not published.
    /// </summary>
    [Fact]
    public async Task A_submission_that_fails_for_good_after_sending_keeps_the_batch_waiting_for_the_receipts()
    {
        await using var rig = await SagaRig.StartAsync(consumers: bus => bus.AddConsumer<SagaRig.UnreachableNode>());
        var batchId = await ReadyForApprovalsAsync(rig);
        rig.Sent.ByBatch[batchId] = [TxHash, Replacement];
        await rig.Harness.Bus.Publish(new OracleApprovalsCollected { BatchId = batchId, ExitSignaturesIpfsHash = "bafy", Deadline = 1, Approvals = 2 });

        await SagaRig.WaitUntilAsync(() => rig.Saga.Consumed.Held<Fault<SubmitRegistration>>().Any(), "the saga did not take the submission's fault");
        var waiting = await rig.SettledAsync(batchId);
        Assert.Equal(rig.Machine.Registering.Name, waiting.CurrentState);
        Assert.Null(waiting.Failure);
        Assert.Equal([TxHash.ToString(), Replacement.ToString()], waiting.TransactionHashes);
        Assert.Equal(Replacement.ToString(), waiting.TransactionHash);
        Assert.Contains(rig.Recorded.States, s => s.BatchId == batchId && s.State == rig.Machine.Registering.Name && s.Transaction == Replacement);
        Assert.Empty(await rig.PublishedAsync<RegistrationFailed>());
        Assert.Empty(rig.Recorded.Finished);

        // The receipt is looked up on chain for the transactions the saga took over, as for any it heard of.
        await rig.FireAsync<RegistrationReceiptOverdue>(batchId);
        Assert.Equal([TxHash, Replacement], Assert.Single(await rig.PublishedAsync<CheckRegistrationReceipt>()).TransactionHashes);
        await DeliverRegisteredAsync(rig, new ValidatorsRegistered
        {
            BatchId = batchId, TransactionHash = TxHash, BlockNumber = 12, Validators = SagaRig.Keys.Take(2).ToList(),
        });
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Done));
    }

    [Fact]
    public async Task A_batch_failed_for_want_of_a_receipt_is_registered_when_its_own_transaction_is_mined_after_all()
    {
        await using var rig = await SagaRig.StartAsync(options: new OperatorOptions { RegisteringChecks = 0 });
        var batchId = await RegisteringAsync(rig);
        await rig.DeliverAsync(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = TxHash, Nonce = 3 });
        await rig.DeliverAsync(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = Replacement, Nonce = 3 });
        await rig.SettledAsync(batchId);
        await rig.FireAsync<RegistrationReceiptOverdue>(batchId);
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Failed));

        // Someone else's transaction registering the same keys is not this batch's: still failed.
        var foreign = Bytes32.From(Enumerable.Repeat((byte)0x5a, 32).ToArray());
        await DeliverRegisteredAsync(rig, new ValidatorsRegistered { BatchId = batchId, TransactionHash = foreign, BlockNumber = 80, Validators = SagaRig.Keys[..2] });
        Assert.Equal(rig.Machine.Failed.Name, (await rig.SettledAsync(batchId)).CurrentState);
        Assert.Empty(rig.Recorded.RegisteredLate);

        // The replacement the consumer was still waiting for is mined.
        await DeliverRegisteredAsync(rig, new ValidatorsRegistered { BatchId = batchId, TransactionHash = Replacement, BlockNumber = 81, Validators = SagaRig.Keys[..2] });

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Done));
        var done = await rig.SettledAsync(batchId);
        Assert.Equal((Replacement.ToString(), (ulong?)81), (done.TransactionHash, done.BlockNumber));
        await SagaRig.WaitUntilAsync(() => !rig.Recorded.RegisteredLate.IsEmpty, "the late registration was not recorded");
        Assert.Equal((batchId, Replacement, 81UL), Assert.Single(rig.Recorded.RegisteredLate));
        // The failure was recorded once, at the time; nothing finishes the batch a second time.
        Assert.False(Assert.Single(rig.Recorded.Finished).Registered);
    }

    /// <summary>Publishes and waits until the saga consumed it (the message carries an array, so record equality cannot find it).</summary>
    private static async Task DeliverRegisteredAsync(SagaRig rig, ValidatorsRegistered message)
    {
        var before = rig.Saga.Consumed.Held<ValidatorsRegistered>().Count();
        await rig.Harness.Bus.Publish(message);
        await SagaRig.WaitUntilAsync(() => rig.Saga.Consumed.Held<ValidatorsRegistered>().Count() > before, $"the saga did not consume {message.TransactionHash}");
        await rig.Harness.InactivityTask;
    }

    [Fact]
    public async Task Receipt_found_by_the_check_registers_the_batch()
    {
        await using var rig = await SagaRig.StartAsync();
        var batchId = await RegisteringAsync(rig);
        await rig.DeliverAsync(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = TxHash, Nonce = 3 });
        await rig.FireAsync<RegistrationReceiptOverdue>(batchId);
        Assert.Single(await rig.PublishedAsync<CheckRegistrationReceipt>());

        // What the check reports when it finds the confirmed receipt.
        await rig.Harness.Bus.Publish(new ValidatorsRegistered { BatchId = batchId, TransactionHash = TxHash, BlockNumber = 77, Validators = SagaRig.Keys[..2] });

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Done));
        await SagaRig.WaitUntilAsync(() => !rig.Armed.Cancelled.IsEmpty, "the timeout was not dropped");
        await rig.SettledAsync(batchId);
        Assert.Equal((batchId, true, TxHash, 77UL, (string?)null), Assert.Single(rig.Recorded.Finished));
        Assert.Equal([batchId], rig.Armed.Cancelled);
    }

    [Fact]
    public async Task Index_drift_after_the_transaction_was_sent_looks_for_the_receipt_instead_of_starting_over()
    {
        await using var rig = await SagaRig.StartAsync();
        var batchId = await RegisteringAsync(rig);
        await rig.DeliverAsync(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = TxHash, Nonce = 3 });
        await rig.SettledAsync(batchId);

        await rig.DeliverAsync(new ValidatorIndexesChanged { BatchId = batchId, PreviousStartIndex = 7, StartIndex = 9 });

        var saga = await rig.SettledAsync(batchId);
        Assert.Equal(rig.Machine.Registering.Name, saga.CurrentState);
        Assert.Equal([TxHash], Assert.Single(await rig.PublishedAsync<CheckRegistrationReceipt>()).TransactionHashes);
        Assert.Single(await rig.PublishedAsync<ExitRequested>());
    }

    [Fact]
    public async Task Timeouts_of_a_stage_the_saga_has_left_change_nothing()
    {
        await using var rig = await SagaRig.StartAsync(options: new OperatorOptions { ShareCollectionRounds = 1 });
        var batchId = await ReadyForApprovalsAsync(rig);
        var shares = rig.Armed.Scheduled.Select(s => s.Message).OfType<ShareCollectionTimedOut>().Single();

        await rig.DeliverAsync(shares);
        await rig.DeliverAsync(new RegistrationReceiptOverdue { BatchId = batchId, TimeoutId = Guid.NewGuid(), Round = 1 });
        await rig.DeliverAsync(new ApprovalRoundTimedOut { BatchId = batchId, TimeoutId = Guid.NewGuid(), Round = 1 });

        var saga = await rig.SettledAsync(batchId);
        Assert.Equal(rig.Machine.ApprovalsRequested.Name, saga.CurrentState);
        Assert.Single(await rig.PublishedAsync<CollectOracleApprovals>());
        Assert.Empty(await rig.PublishedAsync<RegistrationFailed>());
        Assert.Empty(await rig.PublishedAsync<Fault>());
    }

    private static (DateTimeOffset DueAt, object Message) Last(SagaRig rig, Guid batchId) => rig.Armed.Last(batchId);

    /// <summary>The timeout of the stage just entered: it is armed after the stage's request goes out.</summary>
    private static async Task<T> ArmedAsync<T>(SagaRig rig, Guid batchId) where T : class
    {
        T? armed = null;
        await SagaRig.WaitUntilAsync(() => (armed = rig.Armed.Scheduled.Where(s => s.BatchId == batchId).Select(s => s.Message).LastOrDefault() as T) is not null,
            $"no {typeof(T).Name} armed for batch {batchId}");
        return armed!;
    }

    private static async Task<Guid> ReadyForApprovalsAsync(SagaRig rig)
    {
        var batchId = await rig.AcceptAsync();
        await rig.CollectedAsync(batchId, 0, 7);
        await rig.CollectedAsync(batchId, 1, 8);
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.ApprovalsRequested));
        await ArmedAsync<ApprovalRoundTimedOut>(rig, batchId);
        return batchId;
    }

    private static async Task<Guid> RegisteringAsync(SagaRig rig)
    {
        var batchId = await ReadyForApprovalsAsync(rig);
        await rig.Harness.Bus.Publish(new OracleApprovalsCollected { BatchId = batchId, ExitSignaturesIpfsHash = "bafy", Deadline = 1, Approvals = 2 });
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Registering));
        await ArmedAsync<RegistrationReceiptOverdue>(rig, batchId);
        return batchId;
    }

    /// <summary>The approval step holding its first request until released, then failing it; later requests stay unanswered.</summary>
    public sealed class HeldOracles
    {
        private int _requests;
        public TaskCompletionSource FirstArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Requests => _requests;
        public int Arrive() => Interlocked.Increment(ref _requests);
    }

    public sealed class HeldOraclesConsumer(HeldOracles oracles) : IConsumer<CollectOracleApprovals>
    {
        public async Task Consume(ConsumeContext<CollectOracleApprovals> context)
        {
            if (oracles.Arrive() != 1) return;
            oracles.FirstArrived.SetResult();
            await oracles.Release.Task;
            throw new InvalidOperationException("the first round's oracles timed out");
        }
    }
}
