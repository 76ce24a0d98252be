using DvtBus.Contracts;
using DvtBus.Hosting;
using MassTransit;

namespace DvtBus.Relayer.Shares;

internal sealed class ShareSubmittedConsumer(ShareIntake intake) : IConsumer<ShareSubmitted>
{
    public Task Consume(ConsumeContext<ShareSubmitted> context) =>
        intake.SubmitAsync(context.Message, context, context.CancellationToken);
}

internal sealed class ShareSubmittedConsumerDefinition : ConsumerDefinition<ShareSubmittedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<ShareSubmittedConsumer> consumer, IRegistrationContext context) =>
        EndpointDefaults.Apply(endpoint, context);
}
