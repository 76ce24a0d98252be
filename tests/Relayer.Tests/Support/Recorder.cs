using System.Collections.Concurrent;
using System.Text;
using DvtBus.Contracts;
using MassTransit;

namespace DvtBus.Relayer.Tests.Support;

/// <summary>Everything the relayer publishes, as messages and as the raw bodies that went over the wire.</summary>
public sealed class Recorder
{
    private readonly ConcurrentQueue<object> _messages = new();
    private readonly ConcurrentQueue<string> _bodies = new();

    public IReadOnlyCollection<string> Bodies => _bodies;

    public IEnumerable<T> Of<T>() => _messages.OfType<T>();

    public void Configure(IRabbitMqReceiveEndpointConfigurator endpoint)
    {
        endpoint.Handler<SignatureReady>(Record);
        endpoint.Handler<ShareRejected>(Record);
        endpoint.Handler<ExitExpired>(Record);
        endpoint.Handler<ExitRequested>(Record);
    }

    private Task Record<T>(ConsumeContext<T> context) where T : class
    {
        _bodies.Enqueue(Encoding.UTF8.GetString(context.ReceiveContext.Body.GetBytes()));
        _messages.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public async Task<T> WaitForAsync<T>(Func<T, bool> match, string what, int seconds = 120)
    {
        T? found = default;
        await RelayerEnvironment.WaitUntilAsync(() =>
        {
            found = Of<T>().FirstOrDefault(match);
            return Task.FromResult(found is not null);
        }, what, seconds);
        return found!;
    }
}
