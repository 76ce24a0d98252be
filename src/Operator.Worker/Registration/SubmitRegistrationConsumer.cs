using DvtBus.Contracts;
using DvtBus.Crypto.Deposits;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Hosting;
using DvtBus.Operator.Batches;
using DvtBus.Deposits;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DvtBus.Operator.Registration;

/// <summary>
/// Sends registerValidators once the approvals still hold (index, deadline, registry root), signed by
/// the validators manager, and waits for the receipt and the confirmations. A transaction that stays
/// unmined for <see cref="OperatorOptions.StuckAfter"/> is replaced with the same nonce and higher fees.
/// A call that would revert is never sent: stale approvals send the batch back for new ones, any other reason
/// fails it (<see cref="RegistrationOutcome"/>, which also reads a reverted receipt the same way).
/// <para>
/// The command may come again (redelivery, a retry after a crash, a second operator process): every
/// transaction is recorded before it is broadcast, so a repeat first looks for the batch's recorded
/// transactions (one mined ends the batch; one in flight is sent again, waited for and replaced with its
/// nonce) and for the validators on chain (deposited by a transaction not of this batch: the batch fails),
/// and only then builds a new one.
/// </para>
/// <para>
/// One delivery waits at most <see cref="OperatorOptions.SubmissionHold"/>, then publishes the command again and
/// returns, so the broker never takes the delivery back for its age. Each transaction is announced to the saga
/// (<see cref="RegistrationTransactionSent"/>) on the bus at once, not when the delivery ends, since it may be mined
/// from the moment the node has it. A batch that has ended (failed for want of a receipt, say) gets no new
/// transaction and no replacement: its transaction in flight is only watched, so that a late receipt still counts.
/// </para>
/// </summary>
internal sealed class SubmitRegistrationConsumer(
    BatchStore batches, ApprovalStore approvals, VaultChain chain, ManagerKey manager, RegistrationOutcome outcome,
    RegistrationTransactionStore transactions, IBus bus, OperatorMetrics metrics, IOptions<OperatorOptions> options,
    ILogger<SubmitRegistrationConsumer> logger)
    : IConsumer<SubmitRegistration>
{
    private readonly RegistrationSender _sender = new(chain.Rpc, manager, chain.Network.ChainId, transactions, Gwei(options.Value.MaxFeePerGasGwei));

    internal static System.Numerics.BigInteger Gwei(decimal gwei) => new(decimal.Round(gwei * 1_000_000_000m, 0));

    public async Task Consume(ConsumeContext<SubmitRegistration> context)
    {
        var batchId = context.Message.BatchId;
        var ct = context.CancellationToken;
        // Counted from when the delivery was received, so the endpoint's retries of a failed attempt do not each hold it
        // for another SubmissionHold, past the broker's consumer_timeout.
        var holdUntil = DateTime.UtcNow + options.Value.SubmissionHold - context.ReceiveContext.ElapsedTime;
        var ended = await batches.FinishedAsync(batchId, ct);
        var approved = await approvals.LoadAsync(batchId, ct) ?? throw new InvalidOperationException($"batch {batchId} has no approvals");
        var validators = await batches.ValidatorsAsync(batchId, ct);

        var attempts = await _sender.AttemptsAsync(batchId, ct);
        if (await ConfirmIfMinedAsync(context, batchId, ct)) return;
        if (await outcome.DepositedAsync(validators, ct) is { } deposited)
        {
            // One of ours may have been recorded and mined since the first look (another delivery of this
            // command, running at the same time): read the records again, not the list from before.
            if (await ConfirmIfMinedAsync(context, batchId, ct)) return;
            await context.Publish(new RegistrationFailed { BatchId = batchId, Stage = "transaction", Reason = deposited }, ct);
            return;
        }
        if (await FollowLiveAsync(context, attempts, batchId, ended, holdUntil, ct)) return;
        if (ended)
        {
            logger.LogWarning("Batch {BatchId} has ended and has no transaction in flight: no registration is sent for it", batchId);
            return;
        }

        // Another delivery may have recorded the batch's transaction since the first look, and the chain mined it: the
        // approvals then look stale because of that registration, which is followed instead.
        if (await outcome.PublishIfStaleAsync(context, batchId, approved, reverted: null, ct,
                () => FollowRecordedAsync(context, batchId, ended, holdUntil, ct))) return;

        var call = RegisterValidatorsCall(chain, approved, validators);
        (RegistrationAttempt Attempt, bool Recorded) prepared;
        try
        {
            prepared = await _sender.PrepareAsync(batchId, chain.Target.Vault, call, ct);
        }
        catch (RpcException e) when (e.IsRevert)
        {
            // The batch's own transaction, recorded and mined by another delivery since the first look, makes the
            // estimate revert: it is followed. Otherwise anyone's deposit, or the next block's time, can make the
            // approvals stale between the checks above and the estimate: then the batch goes back for them, as it would
            // have from the checks.
            if (await FollowRecordedAsync(context, batchId, ended, holdUntil, ct)) return;
            if (await outcome.PublishIfStaleAsync(context, batchId, approved, reverted: null, ct)) return;
            if (await outcome.PublishIfVaultSaysStaleAsync(context, batchId, e.DecodeRevert(StakeWiseErrors)?.Name, ct)) return;
            await context.Publish(new RegistrationFailed { BatchId = batchId, Stage = "transaction", Reason = Describe(e) }, ct);
            return;
        }
        await _sender.BroadcastAsync(prepared.Attempt, ct);
        if (prepared.Recorded)
        {
            metrics.TransactionsSent.Add(1);
            await AnnounceAsync(prepared.Attempt, ct);
        }
        await WaitOrReplaceAsync(context, [prepared.Attempt], ended, holdUntil, ct);
    }

    /// <summary>
    /// The vault call for the batch's validators and stored approvals. The transaction is sent by the validators
    /// manager itself, so the manager signature is left empty: every vault release accepts the manager as the caller
    /// without one, while a signature, once given, must match the EIP-712 type of the deployed release (its first
    /// field was renamed in 2025), and a mismatch reverts with AccessDenied.
    /// </summary>
    internal static byte[] RegisterValidatorsCall(VaultChain chain, StoredApprovals approved, IReadOnlyList<DepositValidator> validators) =>
        StakeWiseCalls.EncodeRegisterValidators(
            new KeeperParams(approved.RegistryRoot, approved.Deadline, VaultValidators.Pack(validators), approved.Signatures, approved.IpfsHash), []);

    /// <summary>
    /// The batch's transaction that another delivery recorded after this one's first look: mined, its receipt is
    /// confirmed; in flight, it is sent again and waited for (or replaced), as a repeat does. False when there is none.
    /// </summary>
    private async Task<bool> FollowRecordedAsync(
        ConsumeContext<SubmitRegistration> context, Guid batchId, bool ended, DateTime holdUntil, CancellationToken ct) =>
        await ConfirmIfMinedAsync(context, batchId, ct)
        || await FollowLiveAsync(context, await _sender.AttemptsAsync(batchId, ct), batchId, ended, holdUntil, ct);

    /// <summary>Confirms the batch's recorded transaction that is mined, if one is (abandoned ones too); false when none is.</summary>
    private async Task<bool> ConfirmIfMinedAsync(ConsumeContext context, Guid batchId, CancellationToken ct)
    {
        if (await MinedAsync(await transactions.RecordedAsync(batchId, ct), ct) is not { } mined) return false;
        await ConfirmAsync(context, mined, ct);
        return true;
    }

    /// <summary>
    /// A repeat while the batch's transaction is in flight (or recorded and never sent): the same bytes again, then
    /// wait or replace. An ended batch only watches what a node may hold: an attempt recorded but never sent (the
    /// delivery died between the two) is given up, since sending it now would register the validators of a batch that
    /// has failed, whose saga no longer listens. False when there is no live attempt.
    /// </summary>
    private async Task<bool> FollowLiveAsync(
        ConsumeContext<SubmitRegistration> context, IReadOnlyList<RegistrationAttempt> attempts, Guid batchId, bool ended, DateTime holdUntil, CancellationToken ct)
    {
        if (attempts.Count == 0) return false;
        var watched = attempts.ToList();
        if (ended)
        {
            var sent = (await transactions.SentAsync(batchId, ct)).ToHashSet();
            foreach (var unsent in watched.Where(a => !sent.Contains(a.Hash))) await transactions.RefusedAsync(unsent, ct);
            watched.RemoveAll(a => !sent.Contains(a.Hash));
            if (watched.Count == 0)
            {
                logger.LogWarning("Batch {BatchId} has ended and its recorded transaction was never sent: it is given up, nothing is sent", batchId);
                return true;
            }
        }
        await _sender.BroadcastAsync(watched[^1], ct);
        await AnnounceAsync(watched[^1], ct);
        await WaitOrReplaceAsync(context, watched, ended, holdUntil, ct);
        return true;
    }

    /// <summary>
    /// Any of the same-nonce attempts may be the one mined; each round checks them all before raising the
    /// fees again. A nonce used by none of them (another transaction of the account took it) abandons
    /// them, and the retry builds the registration anew with a fresh nonce (not for an ended batch). At
    /// <paramref name="holdUntil"/> the command is published again for the next delivery to go on.
    /// </summary>
    private async Task WaitOrReplaceAsync(
        ConsumeContext<SubmitRegistration> context, List<RegistrationAttempt> all, bool ended, DateTime holdUntil, CancellationToken ct)
    {
        var batchId = all[0].BatchId;
        while (true)
        {
            if (await MinedAsync(all, ct) is { } mined)
            {
                await ConfirmAsync(context, mined, ct);
                return;
            }
            if (await _sender.MinedNonceAsync(ct) > all[^1].Nonce)
            {
                if (await MinedAsync(all, ct) is { } late)
                {
                    await ConfirmAsync(context, late, ct);
                    return;
                }
                await _sender.AbandonAsync(all[^1], ct);
                if (ended)
                {
                    logger.LogWarning("Nonce {Nonce} of batch {BatchId}'s transactions was used by another transaction; the batch has ended, nothing is sent again",
                        all[^1].Nonce, batchId);
                    return;
                }
                throw new InvalidOperationException(
                    $"nonce {all[^1].Nonce} of the validators manager was used by a transaction that is not batch {batchId}'s; it is sent again with a new nonce");
            }

            var left = holdUntil - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                // Handed on before the broker's consumer_timeout takes this delivery back: the next one finds the
                // recorded attempts and goes on waiting for them.
                await context.Publish(context.Message, ct);
                return;
            }
            var stuckWait = left >= options.Value.StuckAfter;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(stuckWait ? options.Value.StuckAfter : left);
            try
            {
                await chain.Rpc.WaitForReceiptAsync(all[^1].Hash, 1, cancellationToken: wait.Token);
                continue;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            if (!stuckWait || ended || await MinedAsync(all, ct) is not null) continue;

            // At the fee cap a stuck transaction keeps waiting with the fees it has.
            if (await _sender.PrepareReplacementAsync(all[^1], ct) is not { } prepared) continue;
            var (replacement, recorded) = prepared;
            if (all.All(a => a.Attempt != replacement.Attempt)) all.Add(replacement);
            if (await _sender.BroadcastAsync(replacement, ct) == BroadcastResult.Accepted && recorded)
            {
                metrics.TransactionsReplaced.Add(1);
                await AnnounceAsync(replacement, ct);
            }
        }
    }

    /// <summary>Tells the saga of a transaction the node has: on the bus at once, past the delivery's outbox, which would hold it until the delivery ends.</summary>
    private Task AnnounceAsync(RegistrationAttempt attempt, CancellationToken ct) =>
        bus.Publish(new RegistrationTransactionSent { BatchId = attempt.BatchId, TransactionHash = attempt.Hash, Nonce = attempt.Nonce }, ct);

    private async Task<RegistrationAttempt?> MinedAsync(IEnumerable<RegistrationAttempt> attempts, CancellationToken ct)
    {
        foreach (var attempt in attempts)
            if (await chain.Rpc.GetTransactionReceiptAsync(attempt.Hash, ct) is not null) return attempt;
        return null;
    }

    private async Task ConfirmAsync(ConsumeContext context, RegistrationAttempt mined, CancellationToken ct)
    {
        var receipt = await chain.Rpc.WaitForReceiptAsync(mined.Hash, options.Value.Confirmations, cancellationToken: ct);
        await outcome.PublishAsync(context, mined.BatchId, receipt, ct);
    }

    internal static string Describe(RpcException e)
    {
        var revert = e.DecodeRevert(StakeWiseErrors);
        return revert?.Name switch
        {
            // A vault that missed a rewards update refuses deposits until its state is updated (harvested); the
            // operator does not harvest for it.
            "NotHarvested" => "NotHarvested(): the vault must be harvested (updateState with the keeper's latest rewards) before it registers validators",
            { } name => $"{name}()",
            null => revert?.Message ?? e.RpcMessage,
        };
    }

    /// <summary>The custom errors a StakeWise vault and keeper revert with.</summary>
    private static readonly string[] StakeWiseErrors =
    [
        "DeadlineExpired()", "InvalidValidatorsRegistryRoot()", "InvalidValidators()", "InvalidValidatorsManagerSignature()",
        "InvalidDepositAmount()", "InsufficientAssets()", "InvalidOracle()", "NotEnoughSignatures()", "TooManySignatures()",
        "InvalidSignaturesLength()", "OracleSignaturesNotSorted()", "DepositRootMismatch()", "AccessDenied()",
        "NotHarvested()", "InvalidAssets()",
    ];
}

internal sealed class SubmitRegistrationConsumerDefinition : ConsumerDefinition<SubmitRegistrationConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<SubmitRegistrationConsumer> consumer, IRegistrationContext context) =>
        EndpointDefaults.Apply(endpoint, context);
}
