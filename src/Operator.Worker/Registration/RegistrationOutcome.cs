using DvtBus.Contracts;
using DvtBus.Crypto.Deposits;
using DvtBus.Ethereum.Rpc;
using DvtBus.Deposits;
using DvtBus.Operator.Batches;
using MassTransit;

namespace DvtBus.Operator.Registration;

/// <summary>
/// Whether a batch's approvals still hold on chain, and what a confirmed receipt of its transaction means.
/// Approvals go stale when anyone deposits (the registry root moves, and the next index too when the deposit
/// makes a validator) or when the chain's clock passes their deadline, and the vault then reverts
/// registerValidators. Stale approvals send the batch back (new exit signatures when its indexes moved, else
/// new approvals) wherever they show: in the checks before sending, in a gas estimate that reverts, or in a
/// mined transaction that reverted. Only a revert that stale approvals do not explain fails the batch; a retry
/// estimates again before it spends gas, so a cause that stays (a vault short of assets) ends it there.
/// </summary>
public sealed class RegistrationOutcome(
    IValidatorIndexSource indexes, VaultChain chain, ApprovalStore approvals, BatchStore batches, DepositIndex deposits,
    RegistrationTransactionStore transactions)
{
    /// <summary>
    /// Publishes what sends the batch back when its approvals no longer hold; false, and nothing published, when they
    /// hold. <paramref name="reverted"/> is the batch's mined transaction that reverted for it: every attempt of its
    /// nonce is marked done with first (<see cref="RegistrationTransactionStore.MarkRevertedAsync"/>), and the event names
    /// all the batch's reverted transactions, so that the saga stops waiting for their receipts.
    /// <paramref name="followRecorded"/>, when given, runs once the approvals are found stale and before anything is
    /// published: true when it found a transaction of the batch recorded meanwhile (whose mining may be what made them
    /// stale) and saw to it, followed to its receipt or left to the next receipt check; then nothing is published.
    /// </summary>
    public async Task<bool> PublishIfStaleAsync(
        ConsumeContext context, Guid batchId, StoredApprovals approved, TransactionReceipt? reverted, CancellationToken ct,
        Func<Task<bool>>? followRecorded = null)
    {
        if (await StaleAsync(approved, ct) is not { } stale) return false;
        if (followRecorded is not null && await followRecorded()) return true;
        var (why, next) = stale;
        var reason = why;
        if (reverted is not null)
        {
            // Marked before the event goes out: if it is lost (a crash before the outbox sends it), the next look at
            // the batch finds the approvals stale again and names the same reverted transactions.
            await transactions.MarkRevertedAsync(batchId, reverted.TransactionHash, ct);
            reason = $"{Reverted(reverted)}: {why}";
        }
        var done = await transactions.RevertedAsync(batchId, ct);
        if (next is { } index)
            await context.Publish(new ValidatorIndexesChanged
            {
                BatchId = batchId, PreviousStartIndex = approved.StartIndex, StartIndex = index, RevertedTransactions = done,
            }, ct);
        else
            await context.Publish(new OracleApprovalsExpired { BatchId = batchId, Reason = reason, RevertedTransactions = done }, ct);
        return true;
    }

    /// <summary>
    /// The vault's own word that the approvals are stale: its gas estimate reverted with <c>DeadlineExpired</c> or
    /// <c>InvalidValidatorsRegistryRoot</c> although the latest block does not show it yet (the node estimates for
    /// the next block: its later time, or deposits pending before ours). Publishes the approvals expired; false for any other revert.
    /// </summary>
    public async Task<bool> PublishIfVaultSaysStaleAsync(ConsumeContext context, Guid batchId, string? revert, CancellationToken ct)
    {
        if (revert is not ("DeadlineExpired" or "InvalidValidatorsRegistryRoot")) return false;
        await context.Publish(new OracleApprovalsExpired
        {
            BatchId = batchId, Reason = $"the vault's gas estimate reverted with {revert}()", RevertedTransactions = await transactions.RevertedAsync(batchId, ct),
        }, ct);
        return true;
    }

    /// <summary>
    /// A confirmed receipt of the batch's transaction: its validators registered; or, when it reverted, the batch goes
    /// back if stale approvals explain the revert and none of its validators was deposited meanwhile, else it fails.
    /// </summary>
    public async Task PublishAsync(ConsumeContext context, Guid batchId, TransactionReceipt receipt, CancellationToken ct)
    {
        var validators = await batches.ValidatorsAsync(batchId, ct);
        if (receipt.Succeeded)
        {
            await context.Publish(new ValidatorsRegistered
            {
                BatchId = batchId, TransactionHash = receipt.TransactionHash, BlockNumber = receipt.BlockNumber,
                Validators = validators.Select(v => v.PublicKey).ToList(),
            }, ct);
            return;
        }
        var approved = await approvals.LoadAsync(batchId, ct);
        var deposited = approved is null ? null : await DepositedAsync(validators, ct);
        if (approved is not null && deposited is null && await PublishIfStaleAsync(context, batchId, approved, receipt, ct)) return;
        await context.Publish(new RegistrationFailed
        {
            BatchId = batchId, Stage = "transaction", Reason = deposited is null ? Reverted(receipt) : $"{Reverted(receipt)}; {deposited}",
        }, ct);
    }

    private static string Reverted(TransactionReceipt receipt) => $"transaction {receipt.TransactionHash} reverted in block {receipt.BlockNumber}";

    /// <summary>Why the batch's validators may not be registered any more: some are deposited by a transaction not of this batch. Null: none is.</summary>
    public async Task<string?> DepositedAsync(IReadOnlyList<DepositValidator> validators, CancellationToken ct)
    {
        await deposits.SyncAsync(ct);
        var onChain = await deposits.AlreadyDepositedAsync(validators.Select(v => v.PublicKey), ct);
        return onChain.Count == 0
            ? null
            : $"{onChain.Count} of the batch's {validators.Count} validators are already deposited on chain by a transaction "
              + $"that is not this batch's (first: {onChain.First()})";
    }

    /// <summary>Why the approvals no longer hold, with the new next index when that is why; null while they hold.</summary>
    private async Task<(string Reason, ulong? NextIndex)?> StaleAsync(StoredApprovals approved, CancellationToken ct)
    {
        var next = await indexes.NextIndexAsync(ct);
        if (next != approved.StartIndex) return ($"other deposits moved the next validator index from {approved.StartIndex} to {next}", next);
        if (await chain.LatestTimestampAsync(ct) >= approved.Deadline) return ("the approval deadline passed", null);
        if (await chain.RegistryRootAsync(ct) != approved.RegistryRoot) return ("the deposit registry root changed", null);
        return null;
    }
}
