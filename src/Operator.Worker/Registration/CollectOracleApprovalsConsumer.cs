using DvtBus.Contracts;
using DvtBus.Crypto.Deposits;
using DvtBus.Hosting;
using DvtBus.Operator.Batches;
using DvtBus.Primitives;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DvtBus.Operator.Registration;

/// <summary>
/// Checks the indexes still hold, sends the approval request to every oracle and keeps the agreeing
/// majority. Too few answers throw: the endpoint's retries ask again (oracle timeouts), and after
/// the last one the fault ends the batch Failed with the reason.
/// </summary>
internal sealed class CollectOracleApprovalsConsumer(
    IValidatorIndexSource indexes, BatchStore batches, ExitSignatureStore shards, ApprovalStore approvals,
    VaultChain chain, OracleClient oracles, IOptions<OperatorOptions> options) : IConsumer<CollectOracleApprovals>
{
    public async Task Consume(ConsumeContext<CollectOracleApprovals> context)
    {
        var command = context.Message;
        var ct = context.CancellationToken;
        var next = await indexes.NextIndexAsync(ct);
        if (next != command.StartIndex)
        {
            await context.Publish(new ValidatorIndexesChanged { BatchId = command.BatchId, PreviousStartIndex = command.StartIndex, StartIndex = next }, ct);
            return;
        }

        var validators = await batches.ValidatorsAsync(command.BatchId, ct);
        // Packed before anything goes to the oracles: a batch the vault could not read fails here, its exit shards unsent.
        var packed = VaultValidators.Pack(validators);
        // So does one the vault would refuse for want of a harvest; the oracles' approvals would expire unused.
        if (await chain.HarvestRequiredAsync(ct) == true)
            throw new VaultNotHarvestedException(
                $"vault {chain.Target.Vault} must be harvested (updateState with the keeper's latest rewards) before it registers validators; nothing was sent to the oracles");
        var wanted = validators.Select((v, i) => new RequestedShards(v.PublicKey, command.StartIndex + (ulong)i)).ToList();
        var stored = (await shards.LoadAsync(wanted, ct)).ToDictionary(s => s.PublicKey);
        if (stored.Count != validators.Count)
            throw new InvalidOperationException($"{validators.Count - stored.Count} validators of batch {command.BatchId} have no shards for their index");

        var registryRoot = await chain.RegistryRootAsync(ct);
        var deadline = await chain.LatestTimestampAsync(ct) + (long)options.Value.ApprovalLifetime.TotalSeconds;
        var request = new ApprovalRequest(
            command.StartIndex, chain.Target.Vault.ToString(), registryRoot.ToString(),
            validators.Select(v => v.PublicKey.ToString()).ToList(),
            validators.Select(v => v.Signature.ToString()).ToList(),
            validators.Select(v => (IReadOnlyList<string>)stored[v.PublicKey].PublicKeyShards.Select(s => s.ToString()).ToList()).ToList(),
            validators.Select(v => (IReadOnlyList<string>)stored[v.PublicKey].EncryptedShards.Select(s => s.ToString()).ToList()).ToList(),
            deadline, null);
        var answers = await oracles.RequestAsync(request, ct);

        var minOracles = await chain.MinOraclesAsync(ct);
        Bytes32 Hash(string ipfs, System.Numerics.BigInteger d) => chain.KeeperValidatorsHash(registryRoot, packed, ipfs, d);
        var signers = answers.Select(a => a.Signature.TryRecover(Hash(a.IpfsHash, a.Deadline), out var signer) ? signer : (Address?)null).OfType<Address>();
        var registered = await chain.RegisteredOraclesAsync(signers, ct);
        var selected = ApprovalSelection.Select(answers, minOracles, registered, Hash, out var shortfall)
            ?? throw new InvalidOperationException(shortfall);

        await approvals.SaveAsync(command.BatchId,
            new StoredApprovals(command.StartIndex, registryRoot, selected.Deadline, selected.IpfsHash, selected.Signatures), ct);
        await context.Publish(new OracleApprovalsCollected
        {
            BatchId = command.BatchId, ExitSignaturesIpfsHash = selected.IpfsHash, Deadline = selected.Deadline, Approvals = selected.Count,
        }, ct);
    }
}

internal sealed class CollectOracleApprovalsConsumerDefinition : ConsumerDefinition<CollectOracleApprovalsConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<CollectOracleApprovalsConsumer> consumer, IRegistrationContext context) =>
        EndpointDefaults.Apply(endpoint, context);
}

/// <summary>The vault must be harvested before it registers validators: no retry within a minute changes that.</summary>
internal sealed class VaultNotHarvestedException(string message) : InvalidOperationException(message), DvtBus.Hosting.IPermanentFailure;
