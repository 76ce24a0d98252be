using DvtBus.Contracts;
using DvtBus.Relayer.Tests.Support;
using Xunit;

namespace DvtBus.Relayer.Tests;

public sealed class RestartTests(RelayerEnvironment env) : IClassFixture<RelayerEnvironment>
{
    [Fact]
    public async Task A_relayer_stopped_between_the_second_and_third_share_still_makes_the_exit_ready_after_restart()
    {
        var cluster = new TestCluster();
        const ulong index = 7007;
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        await env.Bus.Publish(cluster.Share(1, index));
        await env.Bus.Publish(cluster.Share(2, index));
        var exitId = ExitId.For("mainnet", cluster.PublicKey, index);
        await RelayerEnvironment.WaitUntilAsync(async () => await env.QueryScalarAsync<long>(
            "SELECT count(*) FROM relayer.shares WHERE exit_id = @exitId", new { exitId }) == 2, "two stored shares");

        await env.StopRelayerAsync(env.Relayer);
        await env.Bus.Publish(cluster.Share(3, index));
        await env.StartRelayerAsync();

        var ready = await env.WaitReadyAsync(cluster, index);
        Assert.Equal(exitId, ready.ExitId);
        Assert.Equal(3, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.shares WHERE exit_id = @exitId", new { exitId }));
    }
}
