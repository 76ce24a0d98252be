using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Operator.Batches;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// Approvals that go stale after the operator's own checks: someone's deposit lands in the same block as the
/// registration, ahead of it, so the vault reverts it (the registry root moved); or the next block's time is past
/// the deadline, so the gas estimate reverts. Either way the batch goes back for new approvals (or new exit
/// signatures, when the deposit made a validator and moved the indexes) and ends Registered, never Failed.
/// Its own anvil: the tests turn automine off and set the clock.
/// </summary>
[Trait("Category", "Devnet")]
public sealed class StaleApprovalRevertTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private const int Validators = 2;
    private const ulong OneEth = 1_000_000_000;

    [Fact]
    public async Task Registration_reverted_by_a_deposit_ahead_of_it_asks_the_oracles_again_and_registers()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "revert-root", withSaga: true, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        // Someone else's 1-ETH deposit signed for another amount: the root moves, the next index does not.
        var other = DepositFiles.Entry(rig.Network, rig.Devnet.Vault, "revert-root-other");
        var (batch, reverted) = await RevertOnceAsync(rig, other with
        {
            Amount = OneEth,
            DepositDataRoot = new DepositData(other.PublicKey, other.WithdrawalCredentials, OneEth, other.Signature).HashTreeRoot(),
        });
        var view = await RegisteredAsync(rig, batch, reverted);

        Assert.Equal(0L, view.StartIndex);
        var expired = Assert.Single(rig.Log.Of<OracleApprovalsExpired>(), m => m.BatchId == batch);
        Assert.Equal([reverted], expired.RevertedTransactions);
        Assert.Contains($"transaction {reverted} reverted", expired.Reason, StringComparison.Ordinal);
        Assert.EndsWith("the deposit registry root changed", expired.Reason, StringComparison.Ordinal);
        Assert.Empty(rig.Log.Of<ValidatorIndexesChanged>());
    }

    [Fact]
    public async Task Registration_reverted_by_a_validator_deposit_ahead_of_it_collects_exits_for_the_new_indexes_and_registers()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "revert-index", withSaga: true, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        // A whole validator of someone else: the root moves and the batch's indexes move up by one.
        var (batch, reverted) = await RevertOnceAsync(rig, DepositFiles.Entry(rig.Network, rig.Devnet.Vault, "revert-index-other"));
        var view = await RegisteredAsync(rig, batch, reverted);

        Assert.Equal(1L, view.StartIndex);
        var changed = Assert.Single(rig.Log.Of<ValidatorIndexesChanged>(), m => m.BatchId == batch);
        Assert.Equal((0UL, 1UL), (changed.PreviousStartIndex, changed.StartIndex));
        Assert.Equal([reverted], changed.RevertedTransactions);
        Assert.Empty(rig.Log.Of<OracleApprovalsExpired>());
        // The exits signed for the registration are the ones for the indexes the validators got.
        var requested = rig.Log.Of<ExitRequested>().Where(e => e.BatchId == batch).ToList();
        Assert.Contains(requested, e => e.Validators.Any(x => x.ValidatorIndex == 1));
    }

    [Fact]
    public async Task Gas_estimate_reverting_on_the_next_blocks_time_past_the_deadline_asks_the_oracles_again_and_sends_nothing()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "revert-deadline", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        var approved = await rig.Services.GetRequiredService<ApprovalStore>().LoadAsync(batch, CancellationToken.None);
        // The latest block is still before the deadline (the operator's own check passes); the block the node
        // estimates for, the next one, is after it.
        Assert.True(await anvil.LatestTimestampAsync() < (ulong)approved!.Deadline);
        await anvil.RequestAsync("evm_setNextBlockTimestamp", approved.Deadline + 1);

        await rig.PublishSubmitAsync(batch);

        var expired = await rig.PublishedAsync<OracleApprovalsExpired>(m => m.BatchId == batch);
        Assert.Equal("the vault's gas estimate reverted with DeadlineExpired()", expired.Reason);
        Assert.Empty(expired.RevertedTransactions);
        Assert.Empty(rig.Log.Of<RegistrationFailed>());
        Assert.Empty(await rig.AttemptsAsync(batch));
        Assert.Equal(0UL, await rig.ManagerNonceAsync());
        Assert.Equal(0, await rig.VaultRegistrationsAsync());
    }

    /// <summary>
    /// Drops the rig's file and, with automine off, waits for the operator's registration in the node's pool, puts
    /// <paramref name="ahead"/> in front of it and mines the two in one block: the registration reverts.
    /// </summary>
    private static async Task<(Guid Batch, Primitives.Bytes32 Reverted)> RevertOnceAsync(RegistrationRig rig, DepositValidator ahead)
    {
        Guid batch;
        RegistrationAttempt first;
        await rig.SetAutomineAsync(false);
        try
        {
            batch = await rig.DropAsync();
            await RegistrationRig.UntilAsync(async () => await rig.AttemptsAsync(batch) is { Count: 1 } a && await rig.KnownAsync(a[0].Hash),
                "the registration in the node's pool: " + rig.Faults());
            first = (await rig.AttemptsAsync(batch))[0];
            var deposit = await rig.DepositAheadAsync(ahead);
            await rig.MineAsync();
            var depositReceipt = await rig.Rpc.GetTransactionReceiptAsync(deposit);
            var registrationReceipt = await rig.Rpc.GetTransactionReceiptAsync(first.Hash);
            Assert.True(depositReceipt is { Succeeded: true }, "the deposit ahead is mined");
            Assert.True(registrationReceipt is { Succeeded: false }, "the registration is mined and reverted");
            Assert.Equal(depositReceipt.BlockNumber, registrationReceipt.BlockNumber);
        }
        finally
        {
            await rig.SetAutomineAsync(true);
        }
        return (batch, first.Hash);
    }

    /// <summary>Waits for the batch to finish and checks it registered with a second transaction, the reverted one done with.</summary>
    private static async Task<BatchView> RegisteredAsync(RegistrationRig rig, Guid batch, Primitives.Bytes32 reverted)
    {
        await RegistrationRig.UntilAsync(async () => (await rig.Batches.ListAsync(1, CancellationToken.None))[0].FinishedAt is not null,
            "the batch to finish: " + rig.Faults());
        Assert.True(rig.Log.Of<MassTransit.Fault>().Count == 0, rig.Faults());
        var view = Assert.Single(await rig.Batches.ListAsync(10, CancellationToken.None));
        Assert.True(view.State == BatchStates.Registered, view.Failure);
        Assert.Empty(rig.Log.Of<RegistrationFailed>());
        var registered = Assert.Single(rig.Log.Of<ValidatorsRegistered>(), m => m.BatchId == batch);
        Assert.NotEqual(reverted, registered.TransactionHash);
        Assert.Equal(registered.TransactionHash.ToString(), view.TransactionHash);
        Assert.True((await rig.Rpc.GetTransactionReceiptAsync(registered.TransactionHash))!.Succeeded);
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
        // The reverted registration and the one that went through.
        Assert.Equal(2UL, await rig.ManagerNonceAsync());
        Assert.Equal([reverted], await rig.Store.RevertedAsync(batch, CancellationToken.None));
        var live = Assert.Single(await rig.AttemptsAsync(batch));
        Assert.Equal(registered.TransactionHash, live.Hash);
        return view;
    }
}
