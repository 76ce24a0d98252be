using DvtBus.Contracts;
using DvtBus.Crypto.Deposits;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Hosting;
using DvtBus.Operator.Batches;
using DvtBus.Operator.Deposits;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DvtBus.Operator.Registration;

/// <summary>
/// Sends registerValidators once the approvals still hold (index, deadline, registry root), signed by
/// the validators manager, and waits for the receipt and the confirmations. A transaction that stays
/// unmined for <see cref="OperatorOptions.StuckAfter"/> is replaced with the same nonce and higher fees.
/// A call that would revert is never sent: the decoded reason fails the batch.
/// <para>
/// The command may come again (redelivery, a retry after a crash, a second operator process): every
/// transaction is recorded before it is broadcast, so a repeat first looks for the batch's recorded
/// transactions (one mined ends the batch; one in flight is sent again, waited for and replaced with its
/// nonce) and for the validators on chain (deposited by a transaction not of this batch: the batch fails),
/// and only then builds a new one.
/// </para>
/// </summary>
internal sealed class SubmitRegistrationConsumer(
    IValidatorIndexSource indexes, BatchStore batches, ApprovalStore approvals, VaultChain chain, ManagerKey manager,
    DepositIndex deposits, RegistrationTransactionStore transactions, OperatorMetrics metrics, IOptions<OperatorOptions> options)
    : IConsumer<SubmitRegistration>
{
    private readonly RegistrationSender _sender = new(chain.Rpc, manager, chain.Network.ChainId, transactions, Gwei(options.Value.MaxFeePerGasGwei));

    internal static System.Numerics.BigInteger Gwei(decimal gwei) => new(decimal.Round(gwei * 1_000_000_000m, 0));

    public async Task Consume(ConsumeContext<SubmitRegistration> context)
    {
        var batchId = context.Message.BatchId;
        var ct = context.CancellationToken;
        var approved = await approvals.LoadAsync(batchId, ct) ?? throw new InvalidOperationException($"batch {batchId} has no approvals");
        var validators = await batches.ValidatorsAsync(batchId, ct);

        var attempts = await _sender.AttemptsAsync(batchId, ct);
        if (await MinedAsync(attempts, ct) is { } mined)
        {
            await ConfirmAsync(context, mined, validators, ct);
            return;
        }
        await deposits.SyncAsync(ct);
        var onChain = await deposits.AlreadyDepositedAsync(validators.Select(v => v.PublicKey), ct);
        if (onChain.Count > 0)
        {
            // One of ours may have been recorded and mined since the first look (another delivery of this
            // command, running at the same time): read the records again, not the list from before.
            if (await MinedAsync(await _sender.AttemptsAsync(batchId, ct), ct) is { } late)
            {
                await ConfirmAsync(context, late, validators, ct);
                return;
            }
            await context.Publish(new RegistrationFailed
            {
                BatchId = batchId, Stage = "transaction",
                Reason = $"{onChain.Count} of the batch's {validators.Count} validators are already deposited on chain by a transaction "
                    + $"that is not this batch's (first: {onChain.First()})",
            }, ct);
            return;
        }
        if (attempts.Count > 0)
        {
            // A repeat while the batch's transaction is in flight (or recorded and never sent): the same bytes again, then wait or replace.
            await _sender.BroadcastAsync(attempts[^1], ct);
            await context.Publish(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = attempts[^1].Hash, Nonce = attempts[^1].Nonce }, ct);
            await WaitOrReplaceAsync(context, attempts.ToList(), validators, ct);
            return;
        }

        var next = await indexes.NextIndexAsync(ct);
        if (next != approved.StartIndex)
        {
            await context.Publish(new ValidatorIndexesChanged { BatchId = batchId, PreviousStartIndex = approved.StartIndex, StartIndex = next }, ct);
            return;
        }
        if (await chain.LatestTimestampAsync(ct) >= approved.Deadline)
        {
            await context.Publish(new OracleApprovalsExpired { BatchId = batchId, Reason = "the approval deadline passed" }, ct);
            return;
        }
        if (await chain.RegistryRootAsync(ct) != approved.RegistryRoot)
        {
            await context.Publish(new OracleApprovalsExpired { BatchId = batchId, Reason = "the deposit registry root changed" }, ct);
            return;
        }

        var call = RegisterValidatorsCall(chain, manager, approved, validators);
        (RegistrationAttempt Attempt, bool Recorded) prepared;
        try
        {
            prepared = await _sender.PrepareAsync(batchId, chain.Target.Vault, call, ct);
        }
        catch (RpcException e) when (e.IsRevert)
        {
            await context.Publish(new RegistrationFailed { BatchId = batchId, Stage = "transaction", Reason = Describe(e) }, ct);
            return;
        }
        await _sender.BroadcastAsync(prepared.Attempt, ct);
        if (prepared.Recorded)
        {
            metrics.TransactionsSent.Add(1);
            await context.Publish(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = prepared.Attempt.Hash, Nonce = prepared.Attempt.Nonce }, ct);
        }
        await WaitOrReplaceAsync(context, [prepared.Attempt], validators, ct);
    }

    /// <summary>The vault call for the batch's validators and stored approvals, with the manager's EIP-712 signature.</summary>
    internal static byte[] RegisterValidatorsCall(VaultChain chain, ManagerKey manager, StoredApprovals approved, IReadOnlyList<DepositValidator> validators)
    {
        var packed = VaultValidators.Pack(validators);
        var managerSignature = StakeWiseTypedData.SignVaultValidators(manager.Key, chain.Network.ChainId, chain.Target.Vault, approved.RegistryRoot, packed);
        return StakeWiseCalls.EncodeRegisterValidators(
            new KeeperParams(approved.RegistryRoot, approved.Deadline, packed, approved.Signatures, approved.IpfsHash), managerSignature.ToBytes());
    }

    /// <summary>
    /// Any of the same-nonce attempts may be the one mined; each round checks them all before raising the
    /// fees again. A nonce used by none of them (another transaction of the account took it) abandons
    /// them, and the retry builds the registration anew with a fresh nonce.
    /// </summary>
    private async Task WaitOrReplaceAsync(ConsumeContext context, List<RegistrationAttempt> all, IReadOnlyList<DepositValidator> validators, CancellationToken ct)
    {
        var batchId = all[0].BatchId;
        while (true)
        {
            if (await MinedAsync(all, ct) is { } mined)
            {
                await ConfirmAsync(context, mined, validators, ct);
                return;
            }
            if (await _sender.MinedNonceAsync(ct) > all[^1].Nonce)
            {
                if (await MinedAsync(all, ct) is { } late)
                {
                    await ConfirmAsync(context, late, validators, ct);
                    return;
                }
                await _sender.AbandonAsync(all[^1], ct);
                throw new InvalidOperationException(
                    $"nonce {all[^1].Nonce} of the validators manager was used by a transaction that is not batch {batchId}'s; it is sent again with a new nonce");
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(options.Value.StuckAfter);
            try
            {
                await chain.Rpc.WaitForReceiptAsync(all[^1].Hash, 1, cancellationToken: wait.Token);
                continue;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            if (await MinedAsync(all, ct) is not null) continue;

            // At the fee cap a stuck transaction keeps waiting with the fees it has.
            if (await _sender.PrepareReplacementAsync(all[^1], ct) is not { } prepared) continue;
            var (replacement, recorded) = prepared;
            if (all.All(a => a.Attempt != replacement.Attempt)) all.Add(replacement);
            if (await _sender.BroadcastAsync(replacement, ct) == BroadcastResult.Accepted && recorded)
            {
                metrics.TransactionsReplaced.Add(1);
                await context.Publish(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = replacement.Hash, Nonce = replacement.Nonce }, ct);
            }
        }
    }

    private async Task<RegistrationAttempt?> MinedAsync(IEnumerable<RegistrationAttempt> attempts, CancellationToken ct)
    {
        foreach (var attempt in attempts)
            if (await chain.Rpc.GetTransactionReceiptAsync(attempt.Hash, ct) is not null) return attempt;
        return null;
    }

    private async Task ConfirmAsync(ConsumeContext context, RegistrationAttempt mined, IReadOnlyList<DepositValidator> validators, CancellationToken ct)
    {
        var receipt = await chain.Rpc.WaitForReceiptAsync(mined.Hash, options.Value.Confirmations, cancellationToken: ct);
        await PublishOutcomeAsync(context, mined.BatchId, receipt, validators, ct);
    }

    /// <summary>What a confirmed receipt of the batch's transaction says: its validators registered, or the batch failed when it reverted.</summary>
    internal static Task PublishOutcomeAsync(
        ConsumeContext context, Guid batchId, TransactionReceipt receipt, IReadOnlyList<DepositValidator> validators, CancellationToken ct) =>
        receipt.Succeeded
            ? context.Publish(new ValidatorsRegistered
            {
                BatchId = batchId, TransactionHash = receipt.TransactionHash, BlockNumber = receipt.BlockNumber,
                Validators = validators.Select(v => v.PublicKey).ToList(),
            }, ct)
            : context.Publish(new RegistrationFailed
            {
                BatchId = batchId, Stage = "transaction", Reason = $"transaction {receipt.TransactionHash} reverted in block {receipt.BlockNumber}",
            }, ct);

    private static string Describe(RpcException e)
    {
        var revert = e.DecodeRevert(StakeWiseErrors);
        return revert?.Name is { } name ? $"{name}()" : revert?.Message ?? e.RpcMessage;
    }

    /// <summary>The custom errors a StakeWise vault and keeper revert with.</summary>
    private static readonly string[] StakeWiseErrors =
    [
        "DeadlineExpired()", "InvalidValidatorsRegistryRoot()", "InvalidValidators()", "InvalidValidatorsManagerSignature()",
        "InvalidDepositAmount()", "InsufficientAssets()", "InvalidOracle()", "NotEnoughSignatures()", "TooManySignatures()",
        "InvalidSignaturesLength()", "OracleSignaturesNotSorted()", "DepositRootMismatch()", "AccessDenied()",
    ];
}

internal sealed class SubmitRegistrationConsumerDefinition : ConsumerDefinition<SubmitRegistrationConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<SubmitRegistrationConsumer> consumer, IRegistrationContext context) =>
        EndpointDefaults.Apply(endpoint, context);
}
