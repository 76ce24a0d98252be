using System.Net;
using DvtBus.Contracts;
using DvtBus.Relayer.Tests.Support;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>A relayer with a service of its own (<typeparamref name="TService"/>), which the tests stop and start.</summary>
public abstract class OwnServiceEnvironment<TService> : RelayerEnvironment where TService : PrivateService, new()
{
    public TService Service { get; } = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Service.DisposeAsync();
    }
}

/// <summary>The relayer's database is a PostgreSQL server of its own.</summary>
public sealed class OwnDatabase : OwnServiceEnvironment<PrivatePostgres>
{
    protected override async Task<string> CreateDatabaseAsync(string label)
    {
        await Service.StartAsync();
        return await TestServices.CreateDatabaseAsync(label, Service.ConnectionString);
    }
}

/// <summary>The relayer's broker is a RabbitMQ node of its own (virtual host /).</summary>
public sealed class OwnBroker : OwnServiceEnvironment<PrivateRabbitMq>
{
    protected override async Task<(int Port, string VirtualHost)> CreateBrokerAsync(string label)
    {
        await Service.StartAsync();
        return (Service.Port, "/");
    }
}

/// <summary>
/// The database goes away while the relayer runs: its readiness says so, and shares that arrive meanwhile wait
/// in the consumers' retries (about 50 s in all) instead of being lost or refused.
/// </summary>
public sealed class DatabaseOutageTests(OwnDatabase env) : IClassFixture<OwnDatabase>
{
    [Fact]
    public async Task Shares_that_arrive_while_the_database_is_down_make_the_exit_ready_once_it_is_back()
    {
        var cluster = new TestCluster();
        const ulong index = 21_001;
        var id = (await env.CollectingAsync(cluster, index)).State.CorrelationId;
        using var http = env.Http(authorised: false);

        await env.Service.StopAsync();
        try
        {
            var down = await http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Contains("PostgreSQL unreachable", await down.Content.ReadAsStringAsync());
            foreach (var share in cluster.Shares.Take(cluster.Threshold)) await env.Bus.Publish(cluster.Share(share.Id, index));
            // The outage outlasts the first retries of every share.
            await Task.Delay(TimeSpan.FromSeconds(8));
            Assert.DoesNotContain(env.Recorder.Of<SignatureReady>(), r => r.ValidatorPublicKey == cluster.PublicKey);
        }
        finally
        {
            await env.Service.StartAsync();
        }

        var ready = await env.WaitReadyAsync(cluster, index);
        Assert.Equal(index, ready.ValidatorIndex);
        // The test's own pooled connections died with the server; the relayer's are its own business.
        Npgsql.NpgsqlConnection.ClearAllPools();
        Assert.Equal("ready", await env.QueryScalarAsync<string>("SELECT state FROM relayer.exits WHERE id = @id", new { id }));
        await Readiness.WaitForAsync(http, HttpStatusCode.OK, "the relayer ready again", seconds: 30);
        var exits = await env.Http().GetStringAsync("/exits");
        Assert.Contains(cluster.PublicKey.ToString(), exits);
        Assert.Equal(0, await TestServices.ErrorQueueDepthAsync(env.VirtualHost));
        Assert.DoesNotContain(env.Recorder.Of<ShareRejected>(), r => r.ValidatorPublicKey == cluster.PublicKey);
    }
}

/// <summary>
/// The broker is stopped and started again while the relayer runs: its readiness says so meanwhile, it
/// reconnects by itself, the exit it was collecting is still there, and shares sent afterwards complete it.
/// </summary>
public sealed class BrokerOutageTests(OwnBroker env) : IClassFixture<OwnBroker>
{
    [Fact]
    public async Task A_relayer_running_through_a_broker_restart_reconnects_and_completes_the_exit_it_was_collecting()
    {
        var cluster = new TestCluster();
        const ulong index = 22_001;
        var id = (await env.CollectingAsync(cluster, index)).State.CorrelationId;
        await env.Bus.Publish(cluster.Share(cluster.Shares[0].Id, index));
        await env.WaitForSagaAsync(id, r => r.State.SharesAccepted == 1, "the first share taken");
        using var http = env.Http(authorised: false);

        await env.Service.StopAsync();
        try
        {
            await Readiness.WaitForAsync(http, HttpStatusCode.ServiceUnavailable, "the relayer to report the broker gone", seconds: 60);
            var down = await (await http.GetAsync("/health/ready")).Content.ReadAsStringAsync();
            Assert.Contains("masstransit", down, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("\"postgres\":{\"status\":\"Healthy\"", down);
        }
        finally
        {
            await env.Service.StartAsync();
        }

        await Readiness.WaitForAsync(http, HttpStatusCode.OK, "the relayer reconnected", seconds: 120);
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

internal static class Readiness
{
    /// <summary>Polls the relayer's <c>/health/ready</c> until it answers <paramref name="status"/>.</summary>
    public static Task WaitForAsync(HttpClient http, HttpStatusCode status, string what, int seconds) =>
        RelayerEnvironment.WaitUntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode == status, what, seconds);
}
