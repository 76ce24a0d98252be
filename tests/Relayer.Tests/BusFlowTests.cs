using DvtBus.Bls;
using DvtBus.Contracts;
using DvtBus.Primitives;
using Dapper;
using DvtBus.Relayer.Tests.Support;
using Npgsql;
using Xunit;

namespace DvtBus.Relayer.Tests;

public sealed class BusFlowTests(RelayerEnvironment env) : IClassFixture<RelayerEnvironment>
{
    /// <summary>
    /// A share that came before its cluster waits; the announcement that makes the cluster known is followed by the
    /// release of the waiting shares. When that release is lost (stored cluster, no release: a retried message, a
    /// publish that failed after the commit), the next announcement of the same cluster releases them.
    /// </summary>
    [Fact]
    public async Task Shares_waiting_for_a_cluster_stored_without_their_release_are_released_by_the_next_announcement()
    {
        var cluster = new TestCluster();
        const ulong index = 1050;
        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        await env.Bus.Publish(cluster.Share(1, index));
        await RelayerEnvironment.WaitUntilAsync(async () => await PendingAsync(cluster) == 1, "the share waiting");

        // The announcement's row, as its commit left it, without the release that should have followed.
        var shares = cluster.Shares.OrderBy(s => s.Id).ToList();
        await using (var connection = new NpgsqlConnection(env.Postgres))
            await connection.ExecuteAsync(
                "INSERT INTO relayer.validators (network, public_key, threshold, share_indexes, public_shares) VALUES ('mainnet', @key, @threshold, @indexes, @shares)",
                new { key = cluster.PublicKey.ToArray(), threshold = cluster.Threshold, indexes = shares.Select(s => (long)s.Id).ToArray(), shares = shares.Select(s => s.Key.PublicKey.ToArray()).ToArray() });
        await env.Bus.Publish(cluster.Share(2, index));
        await env.Bus.Publish(cluster.Share(3, index));

        await env.AnnounceAsync(cluster);

        var ready = await env.WaitReadyAsync(cluster, index);
        Assert.Equal(ExitId.For("mainnet", cluster.PublicKey, index), ready.ExitId);
        Assert.Equal(0, await PendingAsync(cluster));
    }

    [Fact]
    public async Task Three_good_shares_and_a_bad_one_make_the_exit_ready_and_the_bad_one_is_rejected()
    {
        var cluster = new TestCluster();
        const ulong index = 1001;
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, index)));

        var wrongKeySignature = new TestCluster().Sign(3, index);
        await env.Bus.Publish(cluster.Share(1, index));
        await env.Bus.Publish(cluster.Share(3, index, wrongKeySignature));
        await env.Bus.Publish(cluster.Share(2, index));
        await env.Bus.Publish(cluster.Share(4, index));

        var rejected = await env.Recorder.WaitForAsync<ShareRejected>(r => r.ValidatorPublicKey == cluster.PublicKey, "the bad share's rejection");
        Assert.Equal(ShareRejectionReason.DoesNotVerify, rejected.Reason);
        Assert.Equal(3UL, rejected.ShareIndex);
        var ready = await env.WaitReadyAsync(cluster, index);
        Assert.Equal(ExitId.For("mainnet", cluster.PublicKey, index), ready.ExitId);
        Assert.Equal(TestCluster.Network.CapellaEpoch, ready.Epoch);
        Assert.Equal(env.Oracles.Threshold, ready.OracleThreshold);
        Assert.Equal(env.Oracles.Keys.Count, ready.EncryptedExitSignatures.Count);

        var opened = await env.Oracles.OpenAsync(TestCluster.SigningRoot(index), ready.PublicKeyShards, ready.EncryptedExitSignatures);
        Assert.All(opened, o => Assert.True(o.Verifies));
        var full = cluster.FullSignature(index);
        foreach (var recovered in env.Oracles.RecoverFromEverySubset(opened.Select(o => o.Signature).ToList()))
        {
            Assert.True(BlsScheme.Verify(cluster.PublicKey, TestCluster.SigningRoot(index).Span, recovered));
            Assert.Equal(full, recovered);
        }
        Assert.Equal(cluster.PublicKey, BlsThreshold.RecoverPublicKey(
            ready.PublicKeyShards.Take(env.Oracles.Threshold).Select((k, i) => new IndexedPublicKey((ulong)i + 1, k)).ToList()));
    }

    [Fact]
    public async Task Shares_in_any_order_duplicated_or_before_the_request_and_announcement_are_not_lost()
    {
        var cluster = new TestCluster();
        const ulong index = 2002;
        await env.Bus.Publish(cluster.Share(4, index));
        await env.Bus.Publish(cluster.Share(2, index));
        await env.Bus.Publish(cluster.Share(2, index));
        await RelayerEnvironment.WaitUntilAsync(async () => await PendingAsync(cluster) == 2, "two shares held as pending");

        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        await env.Bus.Publish(cluster.Share(3, index));
        await env.AnnounceAsync(cluster);

        var ready = await env.WaitReadyAsync(cluster, index);
        Assert.Equal(index, ready.ValidatorIndex);
        await RelayerEnvironment.WaitUntilAsync(async () => await PendingAsync(cluster) == 0 && await StoredSharesAsync(ready.ExitId) == 3, "pending shares to be taken");

        await env.Bus.Publish(cluster.Share(3, index));
        // A repeated share re-announces the exit (a crash may have lost the first event), with the same shards: they are computed once.
        await RelayerEnvironment.WaitUntilAsync(() => Task.FromResult(env.Recorder.Of<SignatureReady>().Count(r => r.ExitId == ready.ExitId) == 2), "the repeated SignatureReady");
        // It is the same share sent again, not a refused one.
        Assert.DoesNotContain(env.Recorder.Of<ShareRejected>(), r => r.ValidatorPublicKey == cluster.PublicKey);
        Assert.All(env.Recorder.Of<SignatureReady>().Where(r => r.ExitId == ready.ExitId),
            r => Assert.Equal(ready.EncryptedExitSignatures, r.EncryptedExitSignatures));
        Assert.Equal(3, await StoredSharesAsync(ready.ExitId));
    }

    [Fact]
    public async Task Rejects_a_zero_index_an_unknown_index_another_network_and_a_superseded_exit_with_their_reasons()
    {
        var cluster = new TestCluster();
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, 3000)));
        await env.Bus.Publish(TestCluster.Request((cluster, 3001)));
        await RelayerEnvironment.WaitUntilAsync(async () => await env.QueryScalarAsync<long>(
            "SELECT count(*) FROM relayer.exits WHERE public_key = @key AND state = 'superseded'", new { key = cluster.PublicKey.ToArray() }) == 1,
            "the first exit to be superseded");

        await env.Bus.Publish(cluster.Share(1, 3001) with { ShareIndex = 0 });
        await env.Bus.Publish(cluster.Share(1, 3001) with { ShareIndex = 9 });
        await env.Bus.Publish(cluster.Share(1, 3001) with { Network = "gnosis" });
        await env.Bus.Publish(cluster.Share(1, 3000));

        foreach (var reason in new[] { ShareRejectionReason.ZeroShareIndex, ShareRejectionReason.UnknownShareIndex, ShareRejectionReason.WrongNetwork, ShareRejectionReason.Superseded })
            await env.Recorder.WaitForAsync<ShareRejected>(r => r.ValidatorPublicKey == cluster.PublicKey && r.Reason == reason, $"a {reason} rejection");

        for (ulong node = 1; node <= 3; node++) await env.Bus.Publish(cluster.Share(node, 3001));
        await env.WaitReadyAsync(cluster, 3001);
        Assert.DoesNotContain(env.Recorder.Of<SignatureReady>(), r => r.ValidatorPublicKey == cluster.PublicKey && r.ValidatorIndex == 3000);
    }

    [Fact]
    public async Task Conflicting_announcements_leave_the_validator_unused_and_a_non_interpolating_one_is_refused()
    {
        var cluster = new TestCluster();
        var other = new TestCluster();
        const ulong index = 4004;
        await env.Bus.Publish(cluster.Announcement(1));
        await RelayerEnvironment.WaitUntilAsync(async () => await KnownAsync(cluster) == 1, "the first announcement");
        // Another cluster's public shares under this validator's key do not interpolate to it: refused outright.
        await env.Bus.Publish(cluster.Announcement(2) with { Validators = [cluster.Announced(2) with { PublicShares = other.Announced(2).PublicShares }] });
        // A re-split of the same key interpolates, but disagrees with what was announced first.
        await env.Bus.Publish(cluster.Resplit().Announcement(3));
        await RelayerEnvironment.WaitUntilAsync(async () => await KnownAsync(cluster) == 0, "the conflict to be recorded");
        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        for (ulong node = 1; node <= 3; node++) await env.Bus.Publish(cluster.Share(node, index));

        await env.Recorder.WaitForAsync<ShareRejected>(
            r => r.ValidatorPublicKey == cluster.PublicKey && r.Reason == ShareRejectionReason.UnknownValidator, "rejection of a share of a conflicted validator");
        Assert.Equal(0, await KnownAsync(cluster));

        var metrics = await env.Http(authorised: false).GetStringAsync("/metrics");
        Assert.Contains("relayer_key_share_announcement_conflicts_total", metrics);
        Assert.Contains("relayer_shares_rejected_total{reason=\"UnknownValidator\"}", metrics);
        Assert.DoesNotContain(env.Recorder.Of<SignatureReady>(), r => r.ValidatorPublicKey == cluster.PublicKey);
    }

    [Fact]
    public async Task No_table_row_and_no_published_message_holds_a_full_exit_signature()
    {
        var cluster = new TestCluster();
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, 5005)));
        foreach (var share in cluster.Shares) await env.Bus.Publish(cluster.Share(share.Id, 5005));
        await env.WaitReadyAsync(cluster, 5005);

        var rows = await env.AllRowsAsTextAsync();
        Assert.Contains(rows, r => r.Contains(Hex.Encode(cluster.PublicKey.Span, prefix: false)));
        // The exit's state machine row is among those searched.
        Assert.Contains(rows, r => r.Contains(ExitId.For("mainnet", cluster.PublicKey, 5005).ToString()) && r.Contains("Ready") && r.Contains(cluster.PublicKey.ToString()));
        var bodies = env.Recorder.Bodies.ToList();
        Assert.NotEmpty(bodies);
        foreach (var full in env.FullSignatures)
        {
            var hex = Hex.Encode(full.Span, prefix: false);
            Assert.DoesNotContain(rows, r => r.Contains(hex, StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(bodies, b => b.Contains(hex, StringComparison.OrdinalIgnoreCase) || b.Contains(Convert.ToBase64String(full.Span)));
        }
    }

    /// <summary>
    /// Any t shares of a ready exit would make its full exit signature again: once ready, the stored shares keep
    /// only that they came, and a share that comes later is stored the same way.
    /// </summary>
    [Fact]
    public async Task A_ready_exit_keeps_no_share_signature_in_any_table()
    {
        var cluster = new TestCluster();
        const ulong index = 7007;
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, index)));
        for (ulong node = 1; node <= 3; node++) await env.Bus.Publish(cluster.Share(node, index));
        var ready = await env.WaitReadyAsync(cluster, index);
        await env.Bus.Publish(cluster.Share(4, index));
        await RelayerEnvironment.WaitUntilAsync(async () => await StoredSharesAsync(ready.ExitId) == 4, "the late share stored");

        Assert.Equal(0, await env.QueryScalarAsync<long>(
            "SELECT count(*) FROM relayer.shares WHERE exit_id = @id AND length(signature) > 0", new { id = ready.ExitId }));
        var rows = await env.AllRowsAsTextAsync();
        for (ulong node = 1; node <= 4; node++)
        {
            var hex = Hex.Encode(cluster.Share(node, index).ExitSignatureShare.Span, prefix: false);
            Assert.DoesNotContain(rows, r => r.Contains(hex, StringComparison.OrdinalIgnoreCase));
        }
        // The API still lists which shares came.
        Assert.Equal(4, await StoredSharesAsync(ready.ExitId));
    }

    [Fact]
    public async Task Metrics_count_requested_and_ready_exits_accepted_shares_and_recovery_time()
    {
        var cluster = new TestCluster();
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, 6006)));
        for (ulong node = 2; node <= 4; node++) await env.Bus.Publish(cluster.Share(node, 6006));
        await env.WaitReadyAsync(cluster, 6006);

        var metrics = await env.Http(authorised: false).GetStringAsync("/metrics");
        Assert.Matches(@"relayer_exits_requested_total [1-9]", metrics);
        Assert.Matches(@"relayer_exits_ready_total [1-9]", metrics);
        Assert.Matches(@"relayer_shares_accepted_total [1-9]", metrics);
        Assert.Matches(@"relayer_signature_recovery_seconds_count [1-9]", metrics);
    }

    private Task<long> PendingAsync(TestCluster cluster) =>
        env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.pending_shares WHERE public_key = @key", new { key = cluster.PublicKey.ToArray() });

    private Task<long> StoredSharesAsync(Guid exitId) =>
        env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.shares WHERE exit_id = @exitId", new { exitId });

    private async Task<int> KnownAsync(TestCluster cluster) => (int)await env.QueryScalarAsync<long>(
        "SELECT count(*) FROM relayer.validators WHERE public_key = @key AND conflict IS NULL", new { key = cluster.PublicKey.ToArray() });
}
