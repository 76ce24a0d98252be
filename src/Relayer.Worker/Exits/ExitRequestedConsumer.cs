using DvtBus.Contracts;
using DvtBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace DvtBus.Relayer.Exits;

internal sealed partial class ExitRequestedConsumer(ExitRequests requests, ILogger<ExitRequestedConsumer> logger) : IConsumer<ExitRequested>
{
    public async Task Consume(ConsumeContext<ExitRequested> context)
    {
        var message = context.Message;
        if (!requests.Serves(message.Network))
        {
            OtherNetwork(logger, message.BatchId, message.Network, requests.Network);
            return;
        }
        // Published by a relayer's HTTP API for the sidecars (it names no vault): that call asks the exits' state
        // machines itself, so opening them again here would only repeat the work.
        if (message.Vault is null) return;
        await requests.RequestAsync(message.Validators, message.RequestedAt, context, context.CancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Exit request {BatchId} is for {Network}, this relayer serves {Serves}: ignored")]
    private static partial void OtherNetwork(ILogger logger, Guid batchId, string network, string serves);
}

internal sealed class ExitRequestedConsumerDefinition : ConsumerDefinition<ExitRequestedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<ExitRequestedConsumer> consumer, IRegistrationContext context) =>
        EndpointDefaults.Apply(endpoint, context);
}
