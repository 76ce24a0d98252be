using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using DvtBus.Contracts;
using DvtBus.Hosting;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace DvtBus.Integration.Tests;

/// <summary>
/// The README's recovery after an outage longer than the retries: a message that failed into its
/// <c>_error</c> queue is moved back with the shovel plugins once the cause is fixed (what "Move messages"
/// on the queue's page does, here through the same management API), and the consumer takes it like any
/// other message.
/// </summary>
public sealed class ErrorQueueRecoveryTests : IAsyncLifetime
{
    // The relayer's name for the queue of an ExitRequested consumer (daemon, then the consumer's name).
    private const string Queue = "relayer-exit-requested";
    private IHost? _host;
    private string _vhost = "";

    public async Task InitializeAsync() => _vhost = await TestServices.CreateVirtualHostAsync("requeue");

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
        await TestServices.DeleteVirtualHostAsync(_vhost);
    }

    [Fact]
    public async Task A_message_moved_back_from_its_error_queue_is_consumed_once_the_cause_is_fixed()
    {
        var gate = new Gate();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(TestServices.DaemonSettings(_vhost));
        builder.Services.AddSingleton(gate);
        // No retry policy on this consumer: a failure goes to the error queue at once, as one does after the
        // daemons' retries run out.
        builder.AddDvtBus("relayer", bus => bus.AddConsumer<ExitRequestedConsumer>());
        _host = builder.Build();
        await _host.StartAsync();

        var request = new ExitRequested
        {
            BatchId = Guid.NewGuid(),
            Network = "hoodi",
            Vault = Address.Parse("0x" + new string('b', 40)),
            Validators = [new RequestedExit(BlsPublicKey.From(Enumerable.Range(0, 48).Select(i => (byte)(i + 1)).ToArray()), 7)],
            RequestedAt = DateTimeOffset.UtcNow,
        };
        await _host.Services.GetRequiredService<IBus>().Publish(request);
        await UntilAsync(async () => await TestServices.ErrorQueueDepthAsync(_vhost) == 1, "the failed message in the error queue");
        Assert.Equal(1, gate.Failures);
        Assert.Empty(gate.Consumed);

        gate.Open = true;
        using var management = TestServices.Management();
        var vhost = Uri.EscapeDataString(_vhost);
        var local = "amqp:///" + vhost;
        var move = new Dictionary<string, object>
        {
            ["src-protocol"] = "amqp091",
            ["src-uri"] = local,
            ["src-queue"] = Queue + "_error",
            ["src-delete-after"] = "queue-length",
            ["dest-protocol"] = "amqp091",
            ["dest-uri"] = local,
            ["dest-queue"] = Queue,
            ["ack-mode"] = "on-confirm",
        };
        var created = await management.PutAsJsonAsync($"api/parameters/shovel/{vhost}/move-back", new { value = move });
        Assert.True(created.IsSuccessStatusCode, $"creating the shovel: {created.StatusCode} {await created.Content.ReadAsStringAsync()}");

        Assert.True(gate.Consumed.TryTake(out var consumed, TimeSpan.FromSeconds(60)), "the moved message was not consumed");
        Assert.Equal(request.BatchId, consumed.BatchId);
        Assert.Equal(request.Validators[0], consumed.Validators[0]);
        await UntilAsync(async () => await TestServices.ErrorQueueDepthAsync(_vhost) == 0, "an empty error queue");
        // "queue-length" removes the shovel once it has moved what the queue held.
        await UntilAsync(async () => (await management.GetAsync($"api/parameters/shovel/{vhost}/move-back")).StatusCode == HttpStatusCode.NotFound,
            "the shovel to remove itself");
        Assert.Equal(1, gate.Failures);
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 60 s for {what}");
            await Task.Delay(250);
        }
    }

    private sealed class Gate
    {
        private int _failures;

        public volatile bool Open;

        public int Failures => _failures;

        public BlockingCollection<ExitRequested> Consumed { get; } = [];

        public void Fail() => Interlocked.Increment(ref _failures);
    }

    private sealed class ExitRequestedConsumer(Gate gate) : IConsumer<ExitRequested>
    {
        public Task Consume(ConsumeContext<ExitRequested> context)
        {
            if (!gate.Open)
            {
                gate.Fail();
                throw new InvalidOperationException("the database is away (test)");
            }
            gate.Consumed.Add(context.Message);
            return Task.CompletedTask;
        }
    }
}
