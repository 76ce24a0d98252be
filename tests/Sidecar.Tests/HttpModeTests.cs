using System.Diagnostics.Metrics;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DvtBus.Sidecar.Tests;

/// <summary>HTTP mode against a fake of the public StakeWise relayer: no broker involved.</summary>
public sealed class HttpModeTests : IAsyncLifetime
{
    private readonly ObolCluster _cluster = ObolCluster.Create(validators: 3);
    private FakeStakeWiseRelayer _relayer = null!;
    private WebApplication? _sidecar;
    private MeterProbe? _probe;

    public async Task InitializeAsync() => _relayer = await FakeStakeWiseRelayer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.StopAsync();
            await _sidecar.DisposeAsync();
        }
        _probe?.Dispose();
        await _relayer.DisposeAsync();
        _cluster.Dispose();
    }

    [Fact]
    public async Task Posts_the_missing_shares_of_pending_exits_and_they_recombine_to_valid_exits()
    {
        using var stranger = BlsSecretKey.Generate();
        _relayer.AddExit(_cluster.Validators[0], 11, ready: false, 2);
        _relayer.AddExit(_cluster.Validators[1], 12);
        _relayer.AddExit(_cluster.Validators[2], 13, ready: true);
        _relayer.AddExit(stranger.PublicKey, 14);

        await StartSidecarAsync(token: _relayer.Token);
        await Eventually.HoldsAsync(() => _relayer.Posted.Count >= 7, "7 posted shares");
        // Two more complete polls: nothing already marked ready is posted again.
        var polls = _relayer.ExitPolls;
        await Eventually.HoldsAsync(() => _relayer.ExitPolls >= polls + 2, "two more polls");

        var posted = _relayer.Posted.ToArray();
        Assert.Equal(7, posted.Length);
        Assert.Equal([1UL, 3UL, 4UL], posted.Where(p => p.Validator == _cluster.Validators[0]).Select(p => p.ShareIndex).Order());
        Assert.Equal([1UL, 2UL, 3UL, 4UL], posted.Where(p => p.Validator == _cluster.Validators[1]).Select(p => p.ShareIndex).Order());
        foreach (var (validator, index) in new[] { (_cluster.Validators[0], 11UL), (_cluster.Validators[1], 12UL) })
        {
            var shares = posted.Where(p => p.Validator == validator).Take(3).Select(p => new IndexedSignature(p.ShareIndex, p.Signature)).ToArray();
            Assert.True(ExitSigning.Verify(Networks.Hoodi, validator, ExitSigning.Exit(Networks.Hoodi, index), BlsThreshold.RecoverSignature(shares)));
        }
        Assert.Empty(_relayer.RefusedWrites);
    }

    [Fact]
    public async Task Skips_an_exit_listed_without_its_validator_index_and_signs_the_others()
    {
        _relayer.AddExit(_cluster.Validators[0], index: null);
        _relayer.AddExit(_cluster.Validators[1], 41);

        await StartSidecarAsync(token: _relayer.Token);
        await Eventually.HoldsAsync(() => _relayer.Posted.Count >= 4, "4 posted shares");
        var polls = _relayer.ExitPolls;
        await Eventually.HoldsAsync(() => _relayer.ExitPolls >= polls + 2, "two more polls");

        var posted = _relayer.Posted.ToArray();
        Assert.Equal(4, posted.Length);
        Assert.All(posted, p => Assert.Equal(_cluster.Validators[1], p.Validator));
        var shares = posted.Take(3).Select(p => new IndexedSignature(p.ShareIndex, p.Signature)).ToArray();
        Assert.True(ExitSigning.Verify(Networks.Hoodi, _cluster.Validators[1], ExitSigning.Exit(Networks.Hoodi, 41), BlsThreshold.RecoverSignature(shares)));
    }

    /// <summary>
    /// A relayer that refuses one share index's shares (422) and lists a null entry: the other share indexes are
    /// still posted on every poll, and the daemon keeps running.
    /// </summary>
    [Fact]
    public async Task A_refused_share_index_and_a_null_entry_do_not_stop_the_other_shares()
    {
        _relayer.RefusedShareIndex = 1;
        _relayer.ListsNull = true;
        _relayer.AddExit(_cluster.Validators[0], 51);

        await StartSidecarAsync(token: _relayer.Token);
        await Eventually.HoldsAsync(() => _relayer.Posted.Count >= 3, "the three shares not refused");
        var polls = _relayer.ExitPolls;
        await Eventually.HoldsAsync(() => _relayer.ExitPolls >= polls + 2, "two more polls");

        Assert.Equal([2UL, 3UL, 4UL], _relayer.Posted.Select(p => p.ShareIndex).Order());
        Assert.True(_relayer.RefusedWrites.Count >= 3, $"{_relayer.RefusedWrites.Count} refused writes: share index 1 is offered again on each poll");
        Assert.All(_relayer.RefusedWrites, status => Assert.Equal(422, status));
        var shares = _relayer.Posted.Select(p => new IndexedSignature(p.ShareIndex, p.Signature)).ToArray();
        Assert.True(ExitSigning.Verify(Networks.Hoodi, _cluster.Validators[0], ExitSigning.Exit(Networks.Hoodi, 51), BlsThreshold.RecoverSignature(shares)));
        Assert.Equal(0, _probe!["sidecar_relayer_polls_total{result=error}"]);
    }

    [Fact]
    public async Task Signs_nothing_for_a_relayer_of_another_network()
    {
        _relayer.Network = "mainnet";
        _relayer.AddExit(_cluster.Validators[0], 21);

        await StartSidecarAsync(token: _relayer.Token);
        await Eventually.HoldsAsync(() => _probe!["sidecar_relayer_polls_total{result=other_network}"] >= 2, "two polls of a mainnet relayer");

        Assert.Empty(_relayer.Posted);
        Assert.Equal(0, _relayer.ExitPolls);
        Assert.Equal(0, _probe!["sidecar_exit_shares_signed_total"]);
    }

    [Fact]
    public async Task Keeps_polling_when_the_relayer_refuses_its_token()
    {
        _relayer.AddExit(_cluster.Validators[1], 31);

        await StartSidecarAsync(token: "not-the-token");
        await Eventually.HoldsAsync(() => _probe!["sidecar_relayer_polls_total{result=error}"] >= 2, "two failed polls");

        Assert.Empty(_relayer.Posted);
        // Each failed poll is a refused write: the reads need no token.
        Assert.True(_relayer.RefusedWrites.Count >= 2, $"{_relayer.RefusedWrites.Count} refused writes");
        Assert.All(_relayer.RefusedWrites, status => Assert.Equal(401, status));
        // Signed once, then answered from the cache on the next poll.
        Assert.Equal(4, _probe!["sidecar_exit_shares_signed_total"]);
        Assert.True(_probe["sidecar_exit_signature_cache_hits_total"] >= 1);
    }

    /// <summary>
    /// A relayer whose POST /key-shares fails (it wants a token this sidecar lacks, or answers 5xx): the shares are
    /// posted all the same (the relayer may know the clusters from its files), and the announcement is tried again.
    /// </summary>
    [Theory]
    [InlineData(401)]
    [InlineData(500)]
    public async Task A_failing_announcement_does_not_keep_the_shares_back(int status)
    {
        _relayer.KeySharesAnswers.Enqueue(status);
        _relayer.AddExit(_cluster.Validators[0], 61);

        await StartSidecarAsync(token: _relayer.Token);
        await Eventually.HoldsAsync(() => _relayer.Posted.Count >= 4 && _relayer.Announcements >= 2, "4 posted shares and the announcement tried again");

        Assert.Equal([1UL, 2UL, 3UL, 4UL], _relayer.Posted.Select(p => p.ShareIndex).Order());
        Assert.Equal(0, _probe!["sidecar_relayer_polls_total{result=error}"]);
    }

    /// <summary>A relayer that had no POST /key-shares for a moment (a proxy during a redeploy) is announced to again at the next interval.</summary>
    [Fact]
    public async Task An_endpoint_missing_once_is_announced_to_again_at_the_next_interval()
    {
        _relayer.KeySharesAnswers.Enqueue(404);
        _relayer.KeySharesAnswers.Enqueue(200);
        _relayer.AddExit(_cluster.Validators[0], 71);

        await StartSidecarAsync(token: _relayer.Token, announceInterval: "00:00:01");
        await Eventually.HoldsAsync(() => _relayer.Announcements >= 3, "announced again after the 404, and at the interval after that");
        Assert.Equal(4, _relayer.Posted.Count);
    }

    /// <summary>
    /// One share index's posts fail with 503 on every poll (an exit whose shares time out on the relayer): the other
    /// share indexes, which come after it in every poll, are posted all the same, and the polls count as failed.
    /// </summary>
    [Fact]
    public async Task A_post_that_keeps_failing_does_not_starve_the_ones_after_it()
    {
        _relayer.FailingShareIndex = 1;
        _relayer.AddExit(_cluster.Validators[0], 81);

        await StartSidecarAsync(token: _relayer.Token);
        await Eventually.HoldsAsync(() => _relayer.Posted.Count >= 3 && _probe!["sidecar_relayer_polls_total{result=error}"] >= 2, "3 posted shares, failed polls");

        Assert.Equal([2UL, 3UL, 4UL], _relayer.Posted.Select(p => p.ShareIndex).Order());
        Assert.Contains(503, _relayer.RefusedWrites);
    }

    /// <summary>An entry of GET /exits that does not parse is skipped; the other exits are signed.</summary>
    [Fact]
    public async Task A_malformed_exit_entry_is_skipped_and_the_others_signed()
    {
        _relayer.ListsMalformed = true;
        _relayer.AddExit(_cluster.Validators[1], 91);

        await StartSidecarAsync(token: _relayer.Token);
        await Eventually.HoldsAsync(() => _relayer.Posted.Count >= 4, "4 posted shares");

        var shares = _relayer.Posted.Take(3).Select(p => new IndexedSignature(p.ShareIndex, p.Signature)).ToArray();
        Assert.True(ExitSigning.Verify(Networks.Hoodi, _cluster.Validators[1], ExitSigning.Exit(Networks.Hoodi, 91), BlsThreshold.RecoverSignature(shares)));
        Assert.Equal(0, _probe!["sidecar_relayer_polls_total{result=error}"]);
    }

    private async Task StartSidecarAsync(string token, string? announceInterval = null)
    {
        var settings = _cluster.Settings("http-sidecar", "hoodi", 0, 1, 2, 3);
        settings["Sidecar:Mode"] = "Http";
        settings["Sidecar:Relayer:Url"] = _relayer.Url;
        settings["Sidecar:Relayer:Token"] = token;
        settings["Sidecar:Relayer:PollInterval"] = "00:00:00.2";
        if (announceInterval is not null) settings["Sidecar:AnnounceInterval"] = announceInterval;
        _sidecar = SidecarHost.Build(settings);
        _probe = new MeterProbe(_sidecar.Services.GetRequiredService<IMeterFactory>());
        await _sidecar.StartAsync();
    }
}
