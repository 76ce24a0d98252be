using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Hosting;
using MassTransit;

namespace DvtBus.Operator.Registration;

/// <summary>Stores the relayer's shards and tells each open batch of the validator; shards for another network are not ours.</summary>
internal sealed class SignatureReadyConsumer(ExitSignatureStore store, Network network) : IConsumer<SignatureReady>
{
    public async Task Consume(ConsumeContext<SignatureReady> context)
    {
        var ready = context.Message;
        if (!string.Equals(ready.Network, network.Name, StringComparison.OrdinalIgnoreCase)) return;
        foreach (var batchId in await store.StoreAsync(ready, context.CancellationToken))
            await context.Publish(new ExitSignatureCollected
            {
                BatchId = batchId, ValidatorPublicKey = ready.ValidatorPublicKey, ValidatorIndex = ready.ValidatorIndex,
            }, context.CancellationToken);
    }
}

internal sealed class SignatureReadyConsumerDefinition : ConsumerDefinition<SignatureReadyConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<SignatureReadyConsumer> consumer, IRegistrationContext context) =>
        EndpointDefaults.Apply(endpoint, context);
}
