using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
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
/// An operator, a relayer and two sidecars on one real broker, wired the way the daemons are:
/// the request fans out to every daemon's own durable, kebab-case queue, and a message that failed into
/// its error queue can be moved back.
/// </summary>
public sealed class BusConventionsTests : IAsyncLifetime
{
    private readonly List<IHost> _hosts = [];
    private string _vhost = "";

    public async Task InitializeAsync() => _vhost = await TestServices.CreateVirtualHostAsync("bus");

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }
        await TestServices.DeleteVirtualHostAsync(_vhost);
    }

    [Fact]
    public async Task Exit_request_from_the_operator_reaches_the_relayer_and_every_sidecar()
    {
        var relayer = await StartAsync("relayer", listens: true);
        var sidecarA = await StartAsync("sidecar-a", listens: true);
        var sidecarB = await StartAsync("sidecar-b", listens: true);
        await StartAsync("operator", listens: false);
        var operatorBus = _hosts[^1].Services.GetRequiredService<IBus>();

        var request = SampleRequest();
        await operatorBus.Publish(request);

        foreach (var inbox in new[] { relayer, sidecarA, sidecarB })
        {
            var received = await inbox.NextAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(request.BatchId, received.BatchId);
            Assert.Equal(request.Validators[0], received.Validators[0]);
            Assert.Equal(request.Vault, received.Vault);
        }
        await Task.Delay(500);
        Assert.All(new[] { relayer, sidecarA, sidecarB }, inbox => Assert.Equal(1, inbox.Count));
    }

    [Fact]
    public async Task Management_api_lists_each_daemon_queue_by_its_kebab_case_name()
    {
        await StartAsync("relayer", listens: true);
        await StartAsync("sidecar-a", listens: true);

        using var management = TestServices.Management();
        var queues = await management.GetFromJsonAsync<JsonElement[]>($"api/queues/{Uri.EscapeDataString(_vhost)}");
        var byName = queues!.ToDictionary(q => q.GetProperty("name").GetString()!);

        foreach (var name in new[] { "relayer-exit-requested", "sidecar-a-exit-requested" })
        {
            Assert.True(byName.ContainsKey(name), $"queue {name} missing; found {string.Join(", ", byName.Keys)}");
            Assert.True(byName[name].GetProperty("durable").GetBoolean());
            Assert.Equal("quorum", byName[name].GetProperty("type").GetString());
        }
    }

    /// <summary>
    /// The README's recovery after an outage longer than the retries: a message that failed into its
    /// <c>_error</c> queue is moved back with the shovel plugins once the cause is fixed (what "Move messages"
    /// on the queue's page does, here through the same management API), and the consumer takes it once.
    /// </summary>
    [Fact]
    public async Task A_message_moved_back_from_its_error_queue_is_consumed_once_the_cause_is_fixed()
    {
        // This consumer has no retry policy: a failure goes to the error queue at once, as one does after the
        // daemons' retries run out.
        var relayer = await StartAsync("relayer", listens: true);
        relayer.Refusing = true;
        var request = SampleRequest();
        await _hosts[^1].Services.GetRequiredService<IBus>().Publish(request);
        await UntilAsync(async () => await TestServices.ErrorQueueDepthAsync(_vhost) == 1, "the failed message in the error queue");
        Assert.Equal(1, relayer.Refused);
        Assert.Equal(0, relayer.Count);

        relayer.Refusing = false;
        using var management = TestServices.Management();
        var vhost = Uri.EscapeDataString(_vhost);
        var local = "amqp:///" + vhost;
        var move = new Dictionary<string, object>
        {
            ["src-protocol"] = "amqp091",
            ["src-uri"] = local,
            ["src-queue"] = "relayer-exit-requested_error",
            ["src-delete-after"] = "queue-length",
            ["dest-protocol"] = "amqp091",
            ["dest-uri"] = local,
            ["dest-queue"] = "relayer-exit-requested",
            ["ack-mode"] = "on-confirm",
        };
        var created = await management.PutAsJsonAsync($"api/parameters/shovel/{vhost}/move-back", new { value = move });
        Assert.True(created.IsSuccessStatusCode, $"creating the shovel: {created.StatusCode} {await created.Content.ReadAsStringAsync()}");

        var consumed = await relayer.NextAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(request.BatchId, consumed.BatchId);
        Assert.Equal(request.Validators[0], consumed.Validators[0]);
        await UntilAsync(async () => await TestServices.ErrorQueueDepthAsync(_vhost) == 0, "an empty error queue");
        // "queue-length" removes the shovel once it has moved what the queue held.
        await UntilAsync(async () => (await management.GetAsync($"api/parameters/shovel/{vhost}/move-back")).StatusCode == HttpStatusCode.NotFound,
            "the shovel to remove itself");
        Assert.Equal(1, relayer.Count);
        Assert.Equal(1, relayer.Refused);
    }

    private static ExitRequested SampleRequest() => new()
    {
        BatchId = Guid.NewGuid(),
        Network = "hoodi",
        Vault = Address.Parse("0x" + new string('a', 40)),
        Validators = [new RequestedExit(BlsPublicKey.From(Enumerable.Range(0, 48).Select(i => (byte)i).ToArray()), 42)],
        RequestedAt = DateTimeOffset.UtcNow,
    };

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 60 s for {what}");
            await Task.Delay(250);
        }
    }

    private async Task<Inbox> StartAsync(string daemon, bool listens)
    {
        var inbox = new Inbox();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(TestServices.DaemonSettings(_vhost));
        builder.Services.AddSingleton(inbox);
        builder.AddDvtBus(daemon, bus =>
        {
            if (listens) bus.AddConsumer<ExitRequestedConsumer>();
        });
        var host = builder.Build();
        _hosts.Add(host);
        await host.StartAsync();
        return inbox;
    }

    private sealed class Inbox
    {
        private readonly BlockingCollection<ExitRequested> _messages = [];
        private int _count;
        private int _refused;

        /// <summary>While set, the consumer throws (its cause of failure is "away").</summary>
        public volatile bool Refusing;

        public int Count => _count;

        public int Refused => _refused;

        public void Refuse() => Interlocked.Increment(ref _refused);

        public void Add(ExitRequested message)
        {
            Interlocked.Increment(ref _count);
            _messages.Add(message);
        }

        public Task<ExitRequested> NextAsync(TimeSpan timeout) => Task.Run(() =>
            _messages.TryTake(out var message, timeout) ? message : throw new TimeoutException("no ExitRequested arrived"));
    }

    private sealed class ExitRequestedConsumer(Inbox inbox) : IConsumer<ExitRequested>
    {
        public Task Consume(ConsumeContext<ExitRequested> context)
        {
            if (inbox.Refusing)
            {
                inbox.Refuse();
                throw new InvalidOperationException("the database is away (test)");
            }
            inbox.Add(context.Message);
            return Task.CompletedTask;
        }
    }
}
