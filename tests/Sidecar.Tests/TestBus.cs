using System.Collections.Concurrent;
using DvtBus.TestSupport;
using MassTransit;

namespace DvtBus.Sidecar.Tests;

/// <summary>A bus of the test's own on the real broker, playing the daemons the sidecars talk to.</summary>
internal static class TestBus
{
    /// <summary>Starts a bus on <paramref name="virtualHost"/> with one receive endpoint, <paramref name="queue"/>.</summary>
    public static async Task<IBusControl> StartAsync(string virtualHost, string queue, Action<IRabbitMqReceiveEndpointConfigurator> endpoint)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(TestServices.RabbitHost, (ushort)TestServices.RabbitPort, virtualHost, h =>
            {
                h.Username(TestServices.RabbitUser);
                h.Password(TestServices.RabbitPassword);
            });
            cfg.ReceiveEndpoint(queue, endpoint);
        });
        await bus.StartAsync();
        return bus;
    }

    /// <summary>Records every <typeparamref name="T"/> the endpoint receives.</summary>
    public static void Record<T>(this IReceiveEndpointConfigurator endpoint, ConcurrentQueue<T> received) where T : class =>
        endpoint.Handler<T>(c =>
        {
            received.Enqueue(c.Message);
            return Task.CompletedTask;
        });
}
