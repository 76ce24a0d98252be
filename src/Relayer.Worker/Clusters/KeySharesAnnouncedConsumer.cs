using DvtBus.Contracts;
using DvtBus.Hosting;
using MassTransit;

namespace DvtBus.Relayer.Clusters;

internal sealed class KeySharesAnnouncedConsumer(ClusterAnnouncements announcements) : IConsumer<KeySharesAnnounced>
{
    public Task Consume(ConsumeContext<KeySharesAnnounced> context) =>
        announcements.AnnounceAsync(context.Message.Network, context.Message.SidecarId, context.Message.Validators, context, context.CancellationToken);
}

internal sealed class KeySharesAnnouncedConsumerDefinition : ConsumerDefinition<KeySharesAnnouncedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<KeySharesAnnouncedConsumer> consumer, IRegistrationContext context) =>
        EndpointDefaults.Apply(endpoint, context);
}
