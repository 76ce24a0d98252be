using DvtBus.Contracts;
using DvtBus.Relayer.Tests.Support;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>The exit's state machine row in relayer.exit_sagas, after each transition, with relayer.exits following it.</summary>
public sealed class ExitSagaTests(RelayerEnvironment env) : IClassFixture<RelayerEnvironment>
{
    [Fact]
    public async Task An_exit_has_one_saga_row_collecting_then_ready_with_its_lifetime_scheduled_then_cancelled()
    {
        var cluster = new TestCluster();
        const ulong index = 11_001;
        var id = ExitId.For("mainnet", cluster.PublicKey, index);

        var collecting = await env.CollectingAsync(cluster, index);
        Assert.Equal(id, collecting.State.CorrelationId);
        Assert.Equal(cluster.PublicKey.ToString(), collecting.State.ValidatorPublicKey);
        Assert.Equal((long)index, collecting.State.ValidatorIndex);
        Assert.Equal((long)TestCluster.Network.CapellaEpoch, collecting.State.Epoch);
        Assert.Equal(0, collecting.State.SharesAccepted);
        Assert.NotNull(collecting.State.ExpiresAt);
        Assert.Equal("collecting", await StateAsync(id));
        Assert.Equal(1, await TimeoutsAsync(id));

        for (ulong node = 1; node <= 3; node++) await env.Bus.Publish(cluster.Share(node, index));
        await env.WaitReadyAsync(cluster, index);

        var ready = await env.WaitForSagaAsync(id, r => r.CurrentState == "Ready", "the saga ready");
        Assert.Equal(3, ready.State.SharesAccepted);
        Assert.Equal(3, ready.State.Threshold);
        Assert.NotNull(ready.State.ReadyAt);
        Assert.Equal(ready.Version, ready.State.Version);
        Assert.Equal("ready", await StateAsync(id));
        Assert.Equal(0, await TimeoutsAsync(id));
        Assert.Equal(1, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.exit_sagas WHERE correlation_id = @id", new { id }));
    }

    [Fact]
    public async Task A_new_index_supersedes_the_exit_and_asking_for_the_old_index_again_makes_it_ready_again()
    {
        var cluster = new TestCluster();
        const ulong first = 12_001, second = 12_002;
        var firstId = ExitId.For("mainnet", cluster.PublicKey, first);
        var secondId = ExitId.For("mainnet", cluster.PublicKey, second);
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, first)));
        for (ulong node = 1; node <= 3; node++) await env.Bus.Publish(cluster.Share(node, first));
        var ready = await env.WaitReadyAsync(cluster, first);

        await env.Bus.Publish(TestCluster.Request((cluster, second)));
        var superseded = await env.WaitForSagaAsync(firstId, r => r.CurrentState == "Superseded", "the first exit superseded");
        Assert.Equal(secondId, superseded.State.SupersededBy);
        Assert.Equal("superseded", await StateAsync(firstId));
        Assert.Equal("Collecting", (await env.WaitForSagaAsync(secondId, r => r.CurrentState == "Collecting", "the second exit collecting")).CurrentState);
        Assert.Equal("collecting", await StateAsync(secondId));

        await env.Bus.Publish(cluster.Share(4, first));
        var refused = await env.Recorder.WaitForAsync<ShareRejected>(
            r => r.ValidatorPublicKey == cluster.PublicKey && r.ValidatorIndex == first, "the superseded exit's share refused");
        Assert.Equal(ShareRejectionReason.Superseded, refused.Reason);

        // Asked for again, the first index is current and ready with the shards it already had; the second is superseded.
        await env.Bus.Publish(TestCluster.Request((cluster, first)));
        var again = await env.WaitForSagaAsync(firstId, r => r.CurrentState == "Ready", "the first exit ready again");
        Assert.Null(again.State.SupersededBy);
        Assert.Equal("ready", await StateAsync(firstId));
        Assert.Equal("Superseded", (await env.WaitForSagaAsync(secondId, r => r.CurrentState == "Superseded", "the second exit superseded")).CurrentState);
        Assert.Equal("superseded", await StateAsync(secondId));
        Assert.Equal(0, await TimeoutsAsync(secondId));
        Assert.Equal(env.Oracles.Keys.Count, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.oracle_shards WHERE exit_id = @firstId", new { firstId }));
        Assert.All(env.Recorder.Of<SignatureReady>().Where(r => r.ExitId == firstId), r => Assert.Equal(ready.EncryptedExitSignatures, r.EncryptedExitSignatures));

        using var http = env.Http(authorised: false);
        var exits = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/exits"))!["exits"]!.AsArray()
            .Where(e => e!["public_key"]!.GetValue<string>() == cluster.PublicKey.ToString()).ToList();
        Assert.Equal(first, Assert.Single(exits)!["validator_index"]!.GetValue<ulong>());
    }

    [Fact]
    public async Task The_same_request_delivered_twice_is_one_request()
    {
        var cluster = new TestCluster();
        const ulong index = 13_001;
        var id = ExitId.For("mainnet", cluster.PublicKey, index);
        var request = TestCluster.Request((cluster, index));
        await env.Bus.Publish(request);
        var first = await env.WaitForSagaAsync(id, r => r.CurrentState == "Collecting", "the saga collecting");

        await env.Bus.Publish(request);
        await env.Bus.Publish(TestCluster.Request((cluster, index)) with { RequestedAt = request.RequestedAt.AddMinutes(-1) });
        // Each event is applied (the version counts them), and neither moves the request or the lifetime.
        var after = await env.WaitForSagaAsync(id, r => r.Version == first.Version + 2, "both repeated requests applied");
        Assert.Equal(first.State.RequestedAt, after.State.RequestedAt);
        Assert.Equal(first.State.ExpiresAt, after.State.ExpiresAt);
        Assert.Equal("Collecting", after.CurrentState);
    }

    [Fact]
    public async Task A_timeout_left_over_from_an_earlier_lifetime_does_not_expire_the_current_one()
    {
        var cluster = new TestCluster();
        const ulong index = 11_501;
        var id = ExitId.For("mainnet", cluster.PublicKey, index);
        var collecting = await env.CollectingAsync(cluster, index);
        var current = collecting.State.ExpiresAt!.Value;

        // What a second publication of an earlier lifetime's timeout looks like.
        await env.Bus.Publish(new ExitLifetimeElapsed { ExitId = id, ExpiresAt = current.AddHours(-1) });
        // The saga took the event (its version counts it) and stayed where it was.
        var after = await env.WaitForSagaAsync(id, r => r.Version == collecting.Version + 1, "the stale timeout applied");
        Assert.Equal("Collecting", after.CurrentState);
        Assert.Equal(current, after.State.ExpiresAt);
        Assert.DoesNotContain(env.Recorder.Of<ExitExpired>(), e => e.ExitId == id);

        // The current lifetime's timeout does expire it.
        await env.Bus.Publish(new ExitLifetimeElapsed { ExitId = id, ExpiresAt = current });
        await env.WaitForSagaAsync(id, r => r.CurrentState == "Expired", "the saga expired by its own lifetime");
        Assert.Equal("expired", await StateAsync(id));
    }

    private Task<string> StateAsync(Guid id) => env.QueryScalarAsync<string>("SELECT state FROM relayer.exits WHERE id = @id", new { id });

    private Task<long> TimeoutsAsync(Guid id) => env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.timeouts WHERE id = @id", new { id });
}

public sealed class ExitSagaExpiryTests(ShortLivedExits env) : IClassFixture<ShortLivedExits>
{
    [Fact]
    public async Task The_durable_timeout_expires_the_saga_and_a_new_request_reopens_it_with_a_new_lifetime()
    {
        var cluster = new TestCluster();
        const ulong index = 14_001;
        var id = ExitId.For("mainnet", cluster.PublicKey, index);
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        await env.Bus.Publish(cluster.Share(1, index));

        var expired = await env.WaitForSagaAsync(id, r => r.CurrentState == "Expired", "the saga expired");
        Assert.NotNull(expired.State.ExpiredAt);
        Assert.Equal("expired", await env.QueryScalarAsync<string>("SELECT state FROM relayer.exits WHERE id = @id", new { id }));
        Assert.Equal(0, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.timeouts WHERE id = @id", new { id }));
        await env.Recorder.WaitForAsync<ExitExpired>(e => e.ExitId == id, "ExitExpired");

        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        var reopened = await env.WaitForSagaAsync(id, r => r.Version > expired.Version && r.State.RequestedAt > expired.State.RequestedAt, "the saga re-opened");
        Assert.True(reopened.State.ExpiresAt > expired.State.ExpiresAt);
        // Re-opened, it collects again under a new durable lifetime, which runs out as well.
        await RelayerEnvironment.WaitUntilAsync(
            () => Task.FromResult(env.Recorder.Of<ExitExpired>().Count(e => e.ExitId == id) == 2), "the second lifetime to run out");
        Assert.Equal("Expired", (await env.WaitForSagaAsync(id, r => r.CurrentState == "Expired", "the saga expired again")).CurrentState);

        // An expired exit still takes good shares: at threshold it is ready.
        await env.Bus.Publish(cluster.Share(2, index));
        await env.Bus.Publish(cluster.Share(3, index));
        await env.WaitReadyAsync(cluster, index);
        Assert.Equal(3, (await env.WaitForSagaAsync(id, r => r.CurrentState == "Ready", "the saga ready")).State.SharesAccepted);
        Assert.Equal("ready", await env.QueryScalarAsync<string>("SELECT state FROM relayer.exits WHERE id = @id", new { id }));
    }
}

public sealed class ExitSagaConcurrencyTests(TwoRelayers env) : IClassFixture<TwoRelayers>
{
    [Fact]
    public async Task Shares_for_one_exit_racing_through_two_relayers_each_count_once()
    {
        var cluster = new TestCluster();
        const ulong index = 15_001;
        const int copies = 10;
        var id = ExitId.For("mainnet", cluster.PublicKey, index);
        var consumed = new[] { new ShareCounter(), new ShareCounter() };
        for (var i = 0; i < 2; i++) env.RelayerAt(i).Services.GetRequiredService<IBus>().ConnectConsumeMessageObserver(consumed[i]);
        var opened = await env.CollectingAsync(cluster, index);

        var shares = cluster.Shares.SelectMany(s => Enumerable.Repeat(cluster.Share(s.Id, index), copies)).ToList();
        await Task.WhenAll(shares.Select(s => env.Bus.Publish(s)));

        // Every share event applied exactly once: the version counts them.
        var done = await env.WaitForSagaAsync(id, r => r.Version == opened.Version + shares.Count, "every share applied");
        Assert.Equal("Ready", done.CurrentState);
        Assert.Equal(cluster.Shares.Count, done.State.SharesAccepted);
        Assert.Equal(cluster.Shares.Count, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.shares WHERE exit_id = @id", new { id }));
        Assert.Equal(env.Oracles.Keys.Count, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.oracle_shards WHERE exit_id = @id", new { id }));
        // Copies are the same shares sent again: each counted as repeated by the relayer that took it, none refused. At
        // least once: a share event retried after a concurrency conflict with the other relayer counts again.
        await RelayerEnvironment.WaitUntilAsync(async () => await RepeatedAsync() >= shares.Count - cluster.Shares.Count, "every copy counted as repeated");
        Assert.DoesNotContain(env.Recorder.Of<ShareRejected>(), r => r.ValidatorPublicKey == cluster.PublicKey);
        var ready = env.Recorder.Of<SignatureReady>().Where(r => r.ExitId == id).ToList();
        Assert.NotEmpty(ready);
        Assert.All(ready, r => Assert.Equal(ready[0].EncryptedExitSignatures, r.EncryptedExitSignatures));
        // Both relayers took part. An observer hears of a message after its consumer has committed, so the
        // counts can trail the saga's version by a moment.
        await RelayerEnvironment.WaitUntilAsync(() => Task.FromResult(consumed.Sum(c => c.Count) >= shares.Count), "every share's consume observed");
        Assert.Equal(shares.Count, consumed.Sum(c => c.Count));
        Assert.All(consumed, c => Assert.True(c.Count > 0, "each relayer consumed some of the shares"));
    }

    /// <summary>
    /// relayer_shares_repeated_total of both relayers (this class's only test sends shares): in one test process each
    /// relayer's /metrics reports the meters of both, which share their name.
    /// </summary>
    private async Task<long> RepeatedAsync()
    {
        using var http = env.Http(authorised: false);
        var match = System.Text.RegularExpressions.Regex.Match(await http.GetStringAsync("/metrics"), @"relayer_shares_repeated_total (\d+)");
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private sealed class ShareCounter : IConsumeMessageObserver<ShareSubmitted>
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Task PreConsume(ConsumeContext<ShareSubmitted> context) => Task.CompletedTask;

        public Task PostConsume(ConsumeContext<ShareSubmitted> context)
        {
            Interlocked.Increment(ref _count);
            return Task.CompletedTask;
        }

        public Task ConsumeFault(ConsumeContext<ShareSubmitted> context, Exception exception) => Task.CompletedTask;
    }
}
