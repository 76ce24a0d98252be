using System.Collections.Concurrent;
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
/// the request fans out to every daemon's own durable, kebab-case queue.
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

        var request = new ExitRequested
        {
            BatchId = Guid.NewGuid(),
            Network = "hoodi",
            Vault = Address.Parse("0x" + new string('a', 40)),
            Validators = [new RequestedExit(BlsPublicKey.From(Enumerable.Range(0, 48).Select(i => (byte)i).ToArray()), 42)],
            RequestedAt = DateTimeOffset.UtcNow,
        };
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

        public int Count => _count;

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
            inbox.Add(context.Message);
            return Task.CompletedTask;
        }
    }
}
