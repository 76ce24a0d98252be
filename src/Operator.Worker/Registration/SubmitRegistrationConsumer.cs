using DvtBus.Contracts;
using DvtBus.Crypto.Deposits;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Ethereum.Transactions;
using DvtBus.Hosting;
using DvtBus.Operator.Batches;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DvtBus.Operator.Registration;

/// <summary>
/// Sends registerValidators once the approvals still hold (index, deadline, registry root), signed by
/// the validators manager, and waits for the receipt and the confirmations. A transaction that stays
/// unmined for <see cref="OperatorOptions.StuckAfter"/> is replaced with the same nonce and higher fees.
/// A call that would revert is never sent: the decoded reason fails the batch.
/// </summary>
internal sealed class SubmitRegistrationConsumer(
    IValidatorIndexSource indexes, BatchStore batches, ApprovalStore approvals, VaultChain chain, ManagerKey manager,
    IOptions<OperatorOptions> options) : IConsumer<SubmitRegistration>
{
    public async Task Consume(ConsumeContext<SubmitRegistration> context)
    {
        var batchId = context.Message.BatchId;
        var ct = context.CancellationToken;
        var approved = await approvals.LoadAsync(batchId, ct) ?? throw new InvalidOperationException($"batch {batchId} has no approvals");
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

        var validators = await batches.ValidatorsAsync(batchId, ct);
        var packed = VaultValidators.Pack(validators);
        var target = chain.Target;
        var managerSignature = StakeWiseTypedData.SignVaultValidators(manager.Key, chain.Network.ChainId, target.Vault, approved.RegistryRoot, packed);
        var call = StakeWiseCalls.EncodeRegisterValidators(
            new KeeperParams(approved.RegistryRoot, approved.Deadline, packed, approved.Signatures, approved.IpfsHash), managerSignature.ToBytes());

        SignedEip1559Transaction sent;
        try
        {
            sent = await manager.Sender.SendAsync(new TransactionRequest(target.Vault, call), ct);
        }
        catch (RpcException e) when (e.IsRevert)
        {
            await context.Publish(new RegistrationFailed { BatchId = batchId, Stage = "transaction", Reason = Describe(e) }, ct);
            return;
        }
        await context.Publish(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = sent.Hash, Nonce = sent.Transaction.Nonce }, ct);

        var receipt = await WaitOrReplaceAsync(context, batchId, sent, ct);
        if (!receipt.Succeeded)
        {
            await context.Publish(new RegistrationFailed
            {
                BatchId = batchId, Stage = "transaction", Reason = $"transaction {receipt.TransactionHash} reverted in block {receipt.BlockNumber}",
            }, ct);
            return;
        }
        await context.Publish(new ValidatorsRegistered
        {
            BatchId = batchId, TransactionHash = receipt.TransactionHash, BlockNumber = receipt.BlockNumber,
            Validators = validators.Select(v => v.PublicKey).ToList(),
        }, ct);
    }

    /// <summary>Any of the same-nonce transactions may be the one mined; each round checks them all before raising the fees again.</summary>
    private async Task<TransactionReceipt> WaitOrReplaceAsync(ConsumeContext context, Guid batchId, SignedEip1559Transaction sent, CancellationToken ct)
    {
        var all = new List<SignedEip1559Transaction> { sent };
        while (true)
        {
            foreach (var earlier in all)
                if (await chain.Rpc.GetTransactionReceiptAsync(earlier.Hash, ct) is not null)
                    return await manager.Sender.WaitAsync(earlier.Hash, options.Value.Confirmations, cancellationToken: ct);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(options.Value.StuckAfter);
            try
            {
                return await manager.Sender.WaitAsync(all[^1].Hash, options.Value.Confirmations, cancellationToken: wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            if (await chain.Rpc.GetTransactionReceiptAsync(all[^1].Hash, ct) is not null) continue;
            var replacement = await manager.Sender.ReplaceAsync(all[^1], ct);
            all.Add(replacement);
            await context.Publish(new RegistrationTransactionSent { BatchId = batchId, TransactionHash = replacement.Hash, Nonce = replacement.Transaction.Nonce }, ct);
        }
    }

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
