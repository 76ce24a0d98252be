using DvtBus.Contracts;
using DvtBus.Hosting;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DvtBus.Sidecar.Worker.Exits;

/// <summary>
/// Signs the requested exits of the validators this sidecar holds and publishes one
/// <see cref="ShareSubmitted"/> per validator and held share. A request for another network is
/// ignored and counted: a sidecar never signs an exit for a network other than its own.
/// </summary>
internal sealed partial class ExitRequestedConsumer(
    ExitSigner signer, SidecarMetrics metrics, IOptions<SidecarOptions> options, ILogger<ExitRequestedConsumer> logger)
    : IConsumer<ExitRequested>
{
    public async Task Consume(ConsumeContext<ExitRequested> context)
    {
        var request = context.Message;
        // A list the publisher left out, or null entries in it, are nothing to sign, not a reason to fail the message
        // and lose the validators beside them.
        IReadOnlyList<RequestedExit> validators = request.Validators is { } listed ? [.. listed.Where(v => v is not null)] : [];
        if (!signer.IsOwnNetwork(request.Network))
        {
            metrics.IgnoredOtherNetwork(validators.Count);
            OtherNetwork(logger, request.BatchId, request.Network, signer.Network.Name);
            return;
        }
        var shares = new List<ShareSubmitted>();
        foreach (var exit in validators)
        {
            foreach (var signature in signer.Sign(exit.PublicKey, exit.ValidatorIndex))
                shares.Add(new ShareSubmitted
                {
                    Network = signer.Network.Name,
                    ValidatorPublicKey = exit.PublicKey,
                    ValidatorIndex = exit.ValidatorIndex,
                    ShareIndex = signature.Id,
                    ExitSignatureShare = signature.Signature,
                    SidecarId = options.Value.Id,
                });
        }
        if (shares.Count == 0) return;
        await context.PublishBatch(shares, context.CancellationToken);
        metrics.Submitted(shares.Count);
        Signed(logger, request.BatchId, shares.Count, validators.Count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Exit request {BatchId} is for network {Requested}; this sidecar signs for {Own} only")]
    private static partial void OtherNetwork(ILogger logger, Guid batchId, string requested, string own);

    [LoggerMessage(Level = LogLevel.Information, Message = "Exit request {BatchId}: {Shares} shares submitted for {Validators} requested validators")]
    private static partial void Signed(ILogger logger, Guid batchId, int shares, int validators);
}

internal sealed class ExitRequestedConsumerDefinition : ConsumerDefinition<ExitRequestedConsumer>
{
    // Signing is CPU-bound: more concurrent messages than cores only queue up in memory.
    public ExitRequestedConsumerDefinition() => ConcurrentMessageLimit = Environment.ProcessorCount;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ExitRequestedConsumer> consumerConfigurator, IRegistrationContext context) =>
        EndpointDefaults.Apply(endpointConfigurator, context);
}
