using DvtBus.Contracts;
using DvtBus.Operator.Batches;
using DvtBus.Operator.Registration;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

public sealed class RegistrationSagaTests
{
    private static readonly Bytes32 TxHash = Bytes32.From(Enumerable.Repeat((byte)0xab, 32).ToArray());

    [Fact]
    public async Task Accepted_batch_requests_exits_for_the_predicted_indexes()
    {
        await using var rig = await SagaRig.StartAsync();
        rig.NextIndex.Next = 41;

        var batchId = await rig.AcceptAsync(validators: 3);

        var request = Assert.Single((await rig.PublishedAsync<ExitRequested>()));
        Assert.Equal(batchId, request.BatchId);
        Assert.Equal(SagaRig.Vault, request.Vault);
        Assert.Equal(
            [new RequestedExit(SagaRig.Keys[0], 41), new RequestedExit(SagaRig.Keys[1], 42), new RequestedExit(SagaRig.Keys[2], 43)],
            request.Validators);
        Assert.Contains(rig.Recorded.States, s => s.BatchId == batchId && s.State == BatchStates.ExitsRequested && s.StartIndex == 41);
    }

    [Fact]
    public async Task Same_accepted_batch_twice_requests_exits_once()
    {
        await using var rig = await SagaRig.StartAsync();
        var batchId = await rig.AcceptAsync();
        await rig.Harness.Bus.Publish(new DepositFileAccepted
        {
            BatchId = batchId, FileName = "again.json", ContentSha256 = "00", Network = "x", Vault = SagaRig.Vault, Validators = [SagaRig.Keys[0]],
        });

        var saga = await rig.SettledAsync(batchId);

        Assert.Single((await rig.PublishedAsync<ExitRequested>()));
        Assert.Equal("deposit_data.json", saga.FileName);
        Assert.Equal(2, saga.Validators.Count);
    }

    [Fact]
    public async Task Oracles_are_asked_only_once_every_validator_has_shards_for_its_predicted_index()
    {
        await using var rig = await SagaRig.StartAsync();
        var batchId = await rig.AcceptAsync();

        await rig.CollectedAsync(batchId, 0, 7);
        await rig.CollectedAsync(batchId, 0, 7);
        await rig.CollectedAsync(batchId, 1, 99);
        var waiting = await rig.SettledAsync(batchId);
        Assert.Equal(rig.Machine.ExitsRequested.Name, waiting.CurrentState);
        Assert.Empty((await rig.PublishedAsync<CollectOracleApprovals>()));

        await rig.CollectedAsync(batchId, 1, 8);

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.ApprovalsRequested));
        var command = Assert.Single((await rig.PublishedAsync<CollectOracleApprovals>()));
        Assert.Equal(7UL, command.StartIndex);
        Assert.Contains(rig.Recorded.States, s => s.BatchId == batchId && s.State == BatchStates.ApprovalsRequested);
    }

    [Fact]
    public async Task Shards_stored_before_the_request_count_without_waiting_for_the_relayer()
    {
        await using var rig = await SagaRig.StartAsync();
        rig.Shards.Stored.Add(new RequestedShards(SagaRig.Keys[0], 7));
        rig.Shards.Stored.Add(new RequestedShards(SagaRig.Keys[1], 8));

        var batchId = await rig.AcceptAsync();

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.ApprovalsRequested));
        Assert.Single((await rig.PublishedAsync<CollectOracleApprovals>()));
    }

    [Fact]
    public async Task Index_drift_requests_the_exits_again_for_the_new_indexes()
    {
        await using var rig = await SagaRig.StartAsync();
        var batchId = await ReadyForApprovalsAsync(rig);
        rig.NextIndex.Next = 9;

        await rig.Harness.Bus.Publish(new ValidatorIndexesChanged { BatchId = batchId, PreviousStartIndex = 7, StartIndex = 9 });

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.ExitsRequested));
        await rig.SettledAsync(batchId);
        var requests = (await rig.PublishedAsync<ExitRequested>());
        Assert.Equal(2, requests.Count);
        Assert.Contains(requests, r => r.Validators.SequenceEqual([new RequestedExit(SagaRig.Keys[0], 9), new RequestedExit(SagaRig.Keys[1], 10)]));

        await rig.CollectedAsync(batchId, 0, 7);
        await rig.CollectedAsync(batchId, 1, 8);
        Assert.Equal(rig.Machine.ExitsRequested.Name, (await rig.SettledAsync(batchId)).CurrentState);
        await rig.CollectedAsync(batchId, 0, 9);
        await rig.CollectedAsync(batchId, 1, 10);

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.ApprovalsRequested));
        await rig.SettledAsync(batchId);
        Assert.Equal([7UL, 9UL], (await rig.PublishedAsync<CollectOracleApprovals>()).Select(c => c.StartIndex).Order());
    }

    /// <summary>
    /// The event that sends the batch back from Registering can come twice (it is said again by whoever finds the saga
    /// seems not to have heard it, and the first one may have arrived meanwhile), and an earlier round's approval request
    /// reports indexes the saga already moved to. Back in the exits or the approvals such news changes nothing: the saga
    /// already asked for what the new indexes need.
    /// </summary>
    [Fact]
    public async Task A_repeated_send_back_changes_nothing_once_the_batch_went_back()
    {
        await using var rig = await SagaRig.StartAsync();
        var batchId = await ReadyForApprovalsAsync(rig);
        await rig.Harness.Bus.Publish(new OracleApprovalsCollected { BatchId = batchId, ExitSignaturesIpfsHash = "bafy", Deadline = 1, Approvals = 2 });
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Registering));
        rig.NextIndex.Next = 9;
        var moved = new ValidatorIndexesChanged { BatchId = batchId, PreviousStartIndex = 7, StartIndex = 9 };

        await rig.DeliverAsync(moved);
        Assert.Equal(rig.Machine.ExitsRequested.Name, (await rig.SettledAsync(batchId)).CurrentState);
        await rig.DeliverAsync(moved);
        await rig.CollectedAsync(batchId, 0, 9);
        await rig.CollectedAsync(batchId, 1, 10);
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.ApprovalsRequested));
        await rig.SettledAsync(batchId);
        await rig.DeliverAsync(moved);
        await rig.DeliverAsync(new OracleApprovalsExpired { BatchId = batchId, Reason = "the approval deadline passed" });

        var saga = await rig.SettledAsync(batchId);
        Assert.Equal((rig.Machine.ApprovalsRequested.Name, 9UL), (saga.CurrentState, saga.StartIndex));
        Assert.Equal(2, (await rig.PublishedAsync<ExitRequested>()).Count);
        Assert.Equal([7UL, 9UL], (await rig.PublishedAsync<CollectOracleApprovals>()).Select(c => c.StartIndex).Order());
    }

    [Fact]
    public async Task Approvals_lead_to_the_transaction_and_its_confirmation_registers_the_batch()
    {
        await using var rig = await SagaRig.StartAsync();
        var batchId = await ReadyForApprovalsAsync(rig);

        await rig.Harness.Bus.Publish(new OracleApprovalsCollected { BatchId = batchId, ExitSignaturesIpfsHash = "bafy", Deadline = 1, Approvals = 2 });
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Registering));
        Assert.Equal(7UL, Assert.Single((await rig.PublishedAsync<SubmitRegistration>())).StartIndex);
        await rig.Harness.Bus.Publish(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = TxHash, Nonce = 3 });
        await rig.SettledAsync(batchId);
        await rig.Harness.Bus.Publish(new ValidatorsRegistered { BatchId = batchId, TransactionHash = TxHash, BlockNumber = 120, Validators = SagaRig.Keys[..2] });

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Done));
        await rig.SettledAsync(batchId);
        Assert.Contains(rig.Recorded.States, s => s.BatchId == batchId && s.Transaction == TxHash);
        Assert.Equal((batchId, true, TxHash, 120UL, (string?)null), Assert.Single(rig.Recorded.Finished));
    }

    [Fact]
    public async Task Expired_approvals_are_requested_again()
    {
        await using var rig = await SagaRig.StartAsync();
        var batchId = await ReadyForApprovalsAsync(rig);
        await rig.Harness.Bus.Publish(new OracleApprovalsCollected { BatchId = batchId, ExitSignaturesIpfsHash = "bafy", Deadline = 1, Approvals = 2 });
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Registering));

        await rig.Harness.Bus.Publish(new OracleApprovalsExpired { BatchId = batchId, Reason = "the deposit registry root changed" });

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.ApprovalsRequested));
        var saga = await rig.SettledAsync(batchId);
        Assert.Equal(2, (await rig.PublishedAsync<CollectOracleApprovals>()).Count);
        Assert.Equal(2, saga.ApprovalRounds);
    }

    /// <summary>
    /// A submission still running when the batch went back for new approvals: its transaction is tracked, that
    /// round's failure is ignored, and once it is mined the batch is registered.
    /// </summary>
    [Fact]
    public async Task Transaction_of_a_round_the_batch_left_is_tracked_and_registers_it_when_mined()
    {
        await using var rig = await SagaRig.StartAsync();
        var batchId = await ReadyForApprovalsAsync(rig);
        await rig.Harness.Bus.Publish(new OracleApprovalsCollected { BatchId = batchId, ExitSignaturesIpfsHash = "bafy", Deadline = 1, Approvals = 2 });
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Registering));
        await rig.Harness.Bus.Publish(new OracleApprovalsExpired { BatchId = batchId, Reason = "the deposit registry root changed" });
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.ApprovalsRequested));
        await rig.SettledAsync(batchId);

        await rig.DeliverAsync(new RegistrationFailed { BatchId = batchId, Stage = "transaction", Reason = "an earlier round's refusal" });
        await rig.DeliverAsync(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = TxHash, Nonce = 4 });
        var saga = await rig.SettledAsync(batchId);
        Assert.Equal(rig.Machine.ApprovalsRequested.Name, saga.CurrentState);
        Assert.Contains(TxHash.ToString(), saga.TransactionHashes);

        await rig.DeliverAsync(new ValidatorsRegistered { BatchId = batchId, TransactionHash = TxHash, BlockNumber = 130, Validators = SagaRig.Keys[..2] });

        Assert.Equal(rig.Machine.Done.Name, (await rig.SettledAsync(batchId)).CurrentState);
        Assert.Equal((batchId, true, TxHash, 130UL, (string?)null), Assert.Single(rig.Recorded.Finished));
    }

    [Fact]
    public async Task Reverted_transaction_ends_the_batch_failed_with_the_reason()
    {
        await using var rig = await SagaRig.StartAsync();
        var batchId = await ReadyForApprovalsAsync(rig);
        await rig.Harness.Bus.Publish(new OracleApprovalsCollected { BatchId = batchId, ExitSignaturesIpfsHash = "bafy", Deadline = 1, Approvals = 2 });
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Registering));

        await rig.Harness.Bus.Publish(new RegistrationFailed { BatchId = batchId, Stage = "transaction", Reason = "InvalidValidatorsManagerSignature()" });

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Failed));
        await rig.SettledAsync(batchId);
        var finished = Assert.Single(rig.Recorded.Finished);
        Assert.False(finished.Registered);
        Assert.Equal("transaction: InvalidValidatorsManagerSignature()", finished.Failure);
        await rig.Harness.Bus.Publish(new ValidatorsRegistered { BatchId = batchId, TransactionHash = TxHash, BlockNumber = 1, Validators = [] });
        Assert.Equal(rig.Machine.Failed.Name, (await rig.SettledAsync(batchId)).CurrentState);
    }

    [Fact]
    public async Task Approval_step_that_keeps_failing_ends_the_batch_failed()
    {
        await using var rig = await SagaRig.StartAsync(approvalsFail: true);

        // Not ReadyForApprovalsAsync: the batch passes through ApprovalsRequested on its way to Failed, and on a
        // loaded machine a poll for that state can come after it has left. The reason below shows the request went out.
        var batchId = await ExitSignaturesCollectedAsync(rig);

        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.Failed));
        await rig.SettledAsync(batchId);
        var failed = Assert.Single((await rig.PublishedAsync<RegistrationFailed>()));
        Assert.Equal("approvals", failed.Stage);
        Assert.Contains("only 1 of 3 oracles answered", failed.Reason);
        Assert.False(Assert.Single(rig.Recorded.Finished).Registered);
    }

    private static async Task<Guid> ReadyForApprovalsAsync(SagaRig rig)
    {
        var batchId = await ExitSignaturesCollectedAsync(rig);
        Assert.NotNull(await rig.Saga.Exists(batchId, m => m.ApprovalsRequested));
        return batchId;
    }

    /// <summary>A batch of two accepted, and both validators' exit signatures reported collected.</summary>
    private static async Task<Guid> ExitSignaturesCollectedAsync(SagaRig rig)
    {
        var batchId = await rig.AcceptAsync();
        await rig.CollectedAsync(batchId, 0, 7);
        await rig.CollectedAsync(batchId, 1, 8);
        return batchId;
    }
}
