using System.Net;
using DvtBus.Contracts;
using DvtBus.Relayer.Tests.Support;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>A relayer on a RabbitMQ node of its own (virtual host /), which the tests stop and start.</summary>
public sealed class BrokerOutageEnvironment : RelayerEnvironment
{
    public PrivateRabbitMq Broker { get; } = new();

    protected override async Task<(int Port, string VirtualHost)> CreateBrokerAsync(string label)
    {
        await Broker.StartAsync();
        return (Broker.Port, "/");
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Broker.DisposeAsync();
    }
}

/// <summary>
/// The broker is stopped and started again while the relayer runs: its readiness says so meanwhile, it
/// reconnects by itself, the exit it was collecting is still there, and shares sent afterwards complete it.
/// </summary>
public sealed class BrokerOutageTests(BrokerOutageEnvironment env) : IClassFixture<BrokerOutageEnvironment>
{
    [Fact]
    public async Task A_relayer_running_through_a_broker_restart_reconnects_and_completes_the_exit_it_was_collecting()
    {
        var cluster = new TestCluster();
        const ulong index = 22_001;
        var id = ExitId.For("mainnet", cluster.PublicKey, index);
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        await env.WaitForSagaAsync(id, r => r.CurrentState == "Collecting", "the exit collecting");
        await env.Bus.Publish(cluster.Share(cluster.Shares[0].Id, index));
        await env.WaitForSagaAsync(id, r => r.State.SharesAccepted == 1, "the first share taken");
        using var http = env.Http(authorised: false);

        await env.Broker.StopAsync();
        try
        {
            await RelayerEnvironment.WaitUntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
                "the relayer to report the broker gone", seconds: 60);
            var down = await (await http.GetAsync("/health/ready")).Content.ReadAsStringAsync();
            Assert.Contains("masstransit", down, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("\"postgres\":{\"status\":\"Healthy\"", down);
        }
        finally
        {
            await env.Broker.StartAsync();
        }

        await RelayerEnvironment.WaitUntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            "the relayer reconnected", seconds: 120);
        // The test's own bus reconnects as well; a publish before it has is refused, not lost silently.
        foreach (var share in cluster.Shares.Skip(1).Take(cluster.Threshold - 1))
            await RelayerEnvironment.WaitUntilAsync(async () =>
            {
                try
                {
                    await env.Bus.Publish(cluster.Share(share.Id, index));
                    return true;
                }
                catch (Exception e) when (e is MassTransit.MassTransitException or RabbitMQ.Client.Exceptions.BrokerUnreachableException
                    or RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException)
                {
                    return false;
                }
            }, "the test bus to publish again", seconds: 120);

        var ready = await env.WaitReadyAsync(cluster, index);
        Assert.Equal(index, ready.ValidatorIndex);
        Assert.Equal("ready", await env.QueryScalarAsync<string>("SELECT state FROM relayer.exits WHERE id = @id", new { id }));
        Assert.DoesNotContain(env.Recorder.Of<ShareRejected>(), r => r.ValidatorPublicKey == cluster.PublicKey);
    }
}
