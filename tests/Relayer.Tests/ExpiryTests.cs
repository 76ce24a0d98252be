using DvtBus.Contracts;
using DvtBus.Relayer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Relayer.Tests;

public sealed class ShortLivedExits : RelayerEnvironment
{
    protected override Dictionary<string, string?> ExtraSettings() => new()
    {
        ["Exits:Lifetime"] = "00:00:02",
        ["Timeouts:SweepInterval"] = "00:00:00.200",
    };
}

/// <summary>Exits that live long enough for a test to set up their shares before the lifetime ends.</summary>
public sealed class EightSecondExits : RelayerEnvironment
{
    protected override Dictionary<string, string?> ExtraSettings() => new()
    {
        ["Exits:Lifetime"] = "00:00:08",
        ["Timeouts:SweepInterval"] = "00:00:00.200",
    };
}

public sealed class LostReleaseTests(EightSecondExits env) : IClassFixture<EightSecondExits>
{
    /// <summary>
    /// The cluster's announcement was stored but the release of the shares waiting for it was lost (a crash between the
    /// two), and no sidecar announced again: when the exit's lifetime ends, the waiting shares are taken, not refused
    /// as unknown, and they complete it.
    /// </summary>
    [Fact]
    public async Task Shares_waiting_for_a_stored_announcement_complete_the_exit_at_its_lifetime_end()
    {
        var cluster = new TestCluster();
        const ulong index = 9400;
        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        foreach (var share in cluster.Shares.Take(cluster.Threshold)) await env.Bus.Publish(cluster.Share(share.Id, index));
        await RelayerEnvironment.WaitUntilAsync(async () => await env.QueryScalarAsync<long>(
            "SELECT count(*) FROM relayer.pending_shares WHERE public_key = @key", new { key = cluster.PublicKey.ToArray() }) == cluster.Threshold,
            "the shares waiting for the announcement");

        var store = env.Relayer.Services.GetRequiredService<Clusters.ClusterStore>();
        await store.AnnounceAsync("mainnet", Clusters.Cluster.From(cluster.Announced(1)), "node-1", CancellationToken.None);

        var id = ExitId.For("mainnet", cluster.PublicKey, index);
        var ready = await env.Recorder.WaitForAsync<SignatureReady>(r => r.ExitId == id, "the exit completed at its lifetime end", seconds: 60);
        Assert.Equal(index, ready.ValidatorIndex);
        Assert.DoesNotContain(env.Recorder.Of<ExitExpired>(), e => e.ExitId == id);
        Assert.DoesNotContain(env.Recorder.Of<ShareRejected>(), r => r.ValidatorPublicKey == cluster.PublicKey);
        Assert.Equal("ready", await env.QueryScalarAsync<string>("SELECT state FROM relayer.exits WHERE id = @id", new { id }));
    }
}

public sealed class ExpiryTests(ShortLivedExits env) : IClassFixture<ShortLivedExits>
{
    [Fact]
    public async Task An_exit_with_too_few_shares_expires_after_its_lifetime_with_the_count_it_reached()
    {
        var cluster = new TestCluster();
        const ulong index = 9100;
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        await env.Bus.Publish(cluster.Share(2, index));

        var expired = await env.Recorder.WaitForAsync<ExitExpired>(e => e.ValidatorPublicKey == cluster.PublicKey, "ExitExpired");
        Assert.Equal(ExitId.For("mainnet", cluster.PublicKey, index), expired.ExitId);
        Assert.Equal(index, expired.ValidatorIndex);
        Assert.Equal(3, expired.Threshold);
        Assert.InRange(expired.SharesAccepted, 0, 1);
        Assert.Equal("expired", await env.QueryScalarAsync<string>("SELECT state FROM relayer.exits WHERE id = @id", new { id = expired.ExitId }));
        Assert.Matches(@"relayer_exits_expired_total [1-9]", await env.Http(authorised: false).GetStringAsync("/metrics"));
        Assert.Single(env.Recorder.Of<ExitExpired>(), e => e.ExitId == expired.ExitId);
    }

    [Fact]
    public async Task An_exit_expires_even_when_its_lifetime_ran_out_while_no_relayer_was_running()
    {
        var cluster = new TestCluster();
        const ulong index = 9200;
        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        var id = ExitId.For("mainnet", cluster.PublicKey, index);
        await RelayerEnvironment.WaitUntilAsync(async () => await env.QueryScalarAsync<long>(
            "SELECT count(*) FROM relayer.timeouts WHERE id = @id", new { id }) == 1, "the exit's lifetime to be scheduled");

        await env.StopRelayerAsync(env.Relayer);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await env.StartRelayerAsync();

        var expired = await env.Recorder.WaitForAsync<ExitExpired>(e => e.ExitId == id, "ExitExpired after the restart");
        Assert.Equal(0, expired.SharesAccepted);
        Assert.Equal(0, expired.Threshold);
    }

    [Fact]
    public async Task Shares_still_waiting_for_an_announcement_are_rejected_as_unknown_when_the_exit_expires()
    {
        var cluster = new TestCluster();
        const ulong index = 9300;
        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        await env.Bus.Publish(cluster.Share(1, index));

        var rejected = await env.Recorder.WaitForAsync<ShareRejected>(r => r.ValidatorPublicKey == cluster.PublicKey, "the waiting share's rejection");
        Assert.Equal(ShareRejectionReason.UnknownValidator, rejected.Reason);
        Assert.Equal(1UL, rejected.ShareIndex);
        Assert.Equal("node-1", rejected.SidecarId);
        await env.Logs.WaitForAsync(
            l => l.Contains("Share 1 from node-1") && l.Contains($"index {index} rejected (UnknownValidator)") && l.Contains("within the exit's lifetime"),
            "the waiting share's refusal logged");
        Assert.Equal(0, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.pending_shares WHERE public_key = @key", new { key = cluster.PublicKey.ToArray() }));
    }
}
