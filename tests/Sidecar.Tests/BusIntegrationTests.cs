using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DvtBus.Bls;
using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DvtBus.Sidecar.Tests;

/// <summary>
/// Four sidecar daemons, one per node of a generated Obol cluster, on the real broker; a test bus plays
/// the operator (publishes exit requests) and the relayer (records announcements and shares).
/// </summary>
[Trait("Category", "Integration")]
public sealed class BusIntegrationTests : IAsyncLifetime
{
    private static readonly Address Vault = Address.Parse("0x" + new string('c', 40));
    private readonly ObolCluster _cluster = ObolCluster.Create(validators: 2);
    private readonly List<(WebApplication App, MeterProbe Probe)> _sidecars = [];
    private readonly ConcurrentQueue<KeySharesAnnounced> _announcements = new();
    private readonly ConcurrentQueue<ShareSubmitted> _shares = new();
    private IBusControl? _testBus;
    private string _vhost = "";

    public async Task InitializeAsync()
    {
        _vhost = await TestServices.CreateVirtualHostAsync("sidecar");
        _testBus = await TestBus.StartAsync(_vhost, "test-relayer", e =>
        {
            e.Record(_announcements);
            e.Record(_shares);
        });
    }

    public async Task DisposeAsync()
    {
        foreach (var (app, probe) in _sidecars)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            probe.Dispose();
        }
        if (_testBus is not null) await _testBus.StopAsync();
        await TestServices.DeleteVirtualHostAsync(_vhost);
        _cluster.Dispose();
    }

    [Fact]
    public async Task Four_sidecars_announce_their_shares_and_answer_an_exit_request_with_shares_that_recombine()
    {
        for (var node = 0; node < 4; node++) await StartSidecarAsync(node);

        await Eventually.HoldsAsync(() => _announcements.Select(a => a.SidecarId).Distinct().Count() == 4, "4 announcements");
        foreach (var announcement in _announcements)
        {
            var node = int.Parse(announcement.SidecarId["node-".Length..]);
            Assert.Equal("hoodi", announcement.Network);
            Assert.Equal(_cluster.Validators.Order(KeyOrder), announcement.Validators.Select(v => v.ValidatorPublicKey).Order(KeyOrder));
            Assert.All(announcement.Validators, v =>
            {
                Assert.Equal(3, v.Threshold);
                Assert.Equal([1UL, 2UL, 3UL, 4UL], v.PublicShares.Select(s => s.ShareIndex));
                Assert.Equal([(ulong)node + 1], v.HeldShareIndexes);
            });
        }

        using var stranger = BlsSecretKey.Generate();
        await _testBus!.Publish(Request("gnosis", (_cluster.Validators[0], 5), (_cluster.Validators[1], 6)));
        await _testBus.Publish(Request("hoodi", (_cluster.Validators[0], 5), (_cluster.Validators[1], 6), (stranger.PublicKey, 7)));

        await Eventually.HoldsAsync(() => _shares.Count >= 8, "8 ShareSubmitted");
        var announced = _announcements.First().Validators.ToDictionary(v => v.ValidatorPublicKey);
        foreach (var (validator, index) in new[] { (_cluster.Validators[0], 5UL), (_cluster.Validators[1], 6UL) })
        {
            var shares = _shares.Where(s => s.ValidatorPublicKey == validator).ToArray();
            Assert.Equal([1UL, 2UL, 3UL, 4UL], shares.Select(s => s.ShareIndex).Order());
            var exit = ExitSigning.Exit(Networks.Hoodi, index);
            foreach (var share in shares)
            {
                Assert.Equal(index, share.ValidatorIndex);
                Assert.Equal($"node-{share.ShareIndex - 1}", share.SidecarId);
                var publicShare = announced[validator].PublicShares.Single(p => p.ShareIndex == share.ShareIndex).PublicKey;
                Assert.True(ExitSigning.Verify(Networks.Hoodi, publicShare, exit, share.ExitSignatureShare));
            }
            var recovered = BlsThreshold.RecoverSignature(shares.Take(3).Select(s => new IndexedSignature(s.ShareIndex, s.ExitSignatureShare)).ToArray());
            Assert.True(ExitSigning.Verify(Networks.Hoodi, validator, exit, recovered));
        }

        // Every sidecar counted the gnosis request's two validators and the stranger, and signed nothing for them.
        await Eventually.HoldsAsync(() => _sidecars.All(s =>
            s.Probe["sidecar_exit_requests_ignored_total{reason=other_network}"] == 2
            && s.Probe["sidecar_exit_requests_ignored_total{reason=not_held}"] == 1), "ignored requests counted");
        Assert.All(_shares, s => Assert.Equal("hoodi", s.Network));
        Assert.Equal(8, _shares.Count);

        // The same request again is answered from the cache with the same shares.
        var first = _shares.ToArray();
        await _testBus.Publish(Request("hoodi", (_cluster.Validators[0], 5), (_cluster.Validators[1], 6)));
        await Eventually.HoldsAsync(() => _shares.Count >= 16, "8 more ShareSubmitted");
        Assert.Equal(first.Select(Key).Order(), _shares.Skip(8).Select(Key).Order());
        Assert.All(_sidecars, s =>
        {
            Assert.Equal(2, s.Probe["sidecar_exit_shares_signed_total"]);
            Assert.Equal(2, s.Probe["sidecar_exit_signature_cache_hits_total"]);
        });
    }

    [Fact]
    public async Task Each_sidecar_consumes_from_its_own_durable_queue()
    {
        await StartSidecarAsync(0);
        await StartSidecarAsync(2);

        using var management = TestServices.Management();
        var queues = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement[]>(
            management, $"api/queues/{Uri.EscapeDataString(_vhost)}");
        var names = queues!.Select(q => q.GetProperty("name").GetString()).ToHashSet();

        Assert.Contains("sidecar-node-0-exit-requested", names);
        Assert.Contains("sidecar-node-2-exit-requested", names);
    }

    /// <summary>
    /// A request whose list is missing, and one with a null entry beside a held validator (a broken publisher): the
    /// sidecar signs what it can instead of failing the message and the validators in it.
    /// </summary>
    [Fact]
    public async Task A_request_with_no_list_or_a_null_entry_signs_what_it_can()
    {
        await StartSidecarAsync(0);
        var probe = _sidecars[0].Probe;

        var broken = Request("hoodi", (_cluster.Validators[0], 8));
        await _testBus!.Publish(broken with { Validators = null! });
        await _testBus.Publish(broken with { BatchId = Guid.NewGuid(), Validators = [null!, new RequestedExit(_cluster.Validators[0], 8)] });

        await Eventually.HoldsAsync(() => _shares.Any(s => s.ValidatorPublicKey == _cluster.Validators[0] && s.ValidatorIndex == 8), "the held validator's share");
        var share = Assert.Single(_shares);
        Assert.Equal((1UL, "node-0"), (share.ShareIndex, share.SidecarId));
        Assert.Equal(1, probe["sidecar_exit_shares_signed_total"]);
    }

    private async Task StartSidecarAsync(int node)
    {
        var settings = _cluster.Settings($"node-{node}", "hoodi", node);
        foreach (var (key, value) in TestServices.DaemonSettings(_vhost)) settings[key] = value;
        var app = SidecarHost.Build(settings);
        var probe = new MeterProbe(app.Services.GetRequiredService<IMeterFactory>());
        _sidecars.Add((app, probe));
        await app.StartAsync();
    }

    private static ExitRequested Request(string network, params (BlsPublicKey Key, ulong Index)[] validators) => new()
    {
        BatchId = Guid.NewGuid(),
        Network = network,
        Vault = Vault,
        Validators = validators.Select(v => new RequestedExit(v.Key, v.Index)).ToArray(),
        RequestedAt = DateTimeOffset.UtcNow,
    };

    private static string Key(ShareSubmitted s) => $"{s.ValidatorPublicKey}/{s.ShareIndex}/{s.ExitSignatureShare}";

    private static readonly Comparer<BlsPublicKey> KeyOrder = Comparer<BlsPublicKey>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
}
