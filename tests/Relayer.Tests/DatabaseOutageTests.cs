using System.Net;
using DvtBus.Contracts;
using DvtBus.Relayer.Tests.Support;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>A relayer on a PostgreSQL server of its own, which the tests stop and start.</summary>
public sealed class DatabaseOutageEnvironment : RelayerEnvironment
{
    public PrivatePostgres Server { get; } = new();

    protected override async Task<string> CreateDatabaseAsync(string label)
    {
        await Server.StartAsync();
        return await TestServices.CreateDatabaseAsync(label, Server.ConnectionString);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// The database goes away while the relayer runs: its readiness says so, and shares that arrive meanwhile wait
/// in the consumers' retries (about 50 s in all) instead of being lost or refused.
/// </summary>
public sealed class DatabaseOutageTests(DatabaseOutageEnvironment env) : IClassFixture<DatabaseOutageEnvironment>
{
    [Fact]
    public async Task Shares_that_arrive_while_the_database_is_down_make_the_exit_ready_once_it_is_back()
    {
        var cluster = new TestCluster();
        const ulong index = 21_001;
        var id = ExitId.For("mainnet", cluster.PublicKey, index);
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        await env.WaitForSagaAsync(id, r => r.CurrentState == "Collecting", "the exit collecting");
        using var http = env.Http(authorised: false);

        await env.Server.StopAsync();
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
            await env.Server.StartAsync();
        }

        var ready = await env.WaitReadyAsync(cluster, index);
        Assert.Equal(index, ready.ValidatorIndex);
        // The test's own pooled connections died with the server; the relayer's are its own business.
        Npgsql.NpgsqlConnection.ClearAllPools();
        Assert.Equal("ready", await env.QueryScalarAsync<string>("SELECT state FROM relayer.exits WHERE id = @id", new { id }));
        await RelayerEnvironment.WaitUntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            "the relayer ready again", seconds: 30);
        var exits = await env.Http().GetStringAsync("/exits");
        Assert.Contains(cluster.PublicKey.ToString(), exits);
        Assert.Equal(0, await TestServices.ErrorQueueDepthAsync(env.VirtualHost));
        Assert.DoesNotContain(env.Recorder.Of<ShareRejected>(), r => r.ValidatorPublicKey == cluster.PublicKey);
    }
}
