using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DvtBus.Hosting;

public static class BusRegistration
{
    /// <summary>
    /// MassTransit on RabbitMQ with the project's conventions: kebab-case endpoint names prefixed with the
    /// daemon's name (so every queue says whose it is in the management UI), durable quorum queues,
    /// retries owned by each consumer definition (see <see cref="EndpointDefaults"/>), then the
    /// <c>_error</c> queue. The host reports started only once the bus is connected.
    /// </summary>
    public static IHostApplicationBuilder AddDvtBus(
        this IHostApplicationBuilder builder, string endpointPrefix, Action<IBusRegistrationConfigurator> configure)
    {
        builder.Services.AddSingleton<IValidateOptions<RabbitMqOptions>, RabbitMqOptionsValidator>();
        builder.Services.AddOptions<RabbitMqOptions>()
            .Bind(builder.Configuration.GetSection(RabbitMqOptions.Section))
            .ValidateOnStart();

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(endpointPrefix, false));
            configure(bus);
            bus.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.PrefetchCount = options.PrefetchCount;
                    if (options.QuorumQueues) rabbit.SetQuorumQueue();
                }
            });
            bus.UsingRabbitMq((context, cfg) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                cfg.Host(options.Host, (ushort)options.Port, options.VirtualHost, h =>
                {
                    h.Username(options.Username);
                    h.Password(options.Password);
                });
                cfg.ConfigureEndpoints(context);
            });
        });
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(20);
        });
        return builder;
    }
}

/// <summary>The retry policy every consumer and saga definition starts from.</summary>
public static class EndpointDefaults
{
    /// <summary>
    /// Retries with growing intervals ride out a transient database hiccup and a message that arrives
    /// just before the state it needs. Debian's RabbitMQ has no delayed-exchange plugin, so there is no
    /// broker-side redelivery: after the last retry the message moves to the endpoint's <c>_error</c>
    /// queue with the exception in its headers, where a person can see and requeue it.
    /// </summary>
    public static void Apply(IReceiveEndpointConfigurator endpoint, IRegistrationContext context)
    {
        endpoint.UseMessageRetry(r =>
        {
            r.Intervals(
                TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5),
                TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
            // What a minute of retries cannot change faults at once.
            r.Ignore<Exception>(e => e is IPermanentFailure);
        });
        endpoint.UseInMemoryOutbox(context);
    }
}
