using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DvtBus.Contracts;
using DvtBus.Primitives;
using DvtBus.Relayer;
using DvtBus.TestSupport;
using MassTransit;
using Microsoft.AspNetCore.Builder;

namespace DvtBus.Sidecar.Tests;

/// <summary>
/// Our sidecars with the real relayer (in-process, on the real broker and PostgreSQL): the relayer
/// verifies each share against the announced public shares, recovers at threshold and reports the
/// exit ready. Over the bus with four sidecar hosts, and over the StakeWise HTTP API.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RealRelayerTests : IAsyncLifetime
{
    private const string Token = "sidecar-test-relayer-token-0123456789";
    private readonly ObolCluster _cluster = ObolCluster.Create(validators: 2);
    private readonly List<WebApplication> _apps = [];
    private readonly ConcurrentQueue<SignatureReady> _ready = new();
    private readonly ConcurrentQueue<ShareRejected> _rejected = new();
    private IBusControl? _testBus;
    private WebApplication _relayer = null!;
    private string _vhost = "";

    public async Task InitializeAsync()
    {
        _vhost = await TestServices.CreateVirtualHostAsync("sidecar-e2e");
        var postgres = await TestServices.CreateDatabaseAsync("sidecar_e2e");
        _testBus = await TestBus.StartAsync(_vhost, "test-operator", e =>
        {
            e.Record(_ready);
            e.Record(_rejected);
        });

        var settings = TestServices.DaemonSettings(_vhost, postgres);
        settings["Urls"] = "http://127.0.0.1:0";
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Network:Name"] = "hoodi";
        settings["Api:Token"] = Token;
        settings["Oracles:ExitSignatureRecoverThreshold"] = "3";
        for (var i = 0; i < 5; i++) settings[$"Oracles:PublicKeys:{i}"] = OraclePublicKey();
        _relayer = RelayerHost.Build(settings.Select(s => $"--{s.Key}={s.Value}").ToArray());
        _apps.Add(_relayer);
        await _relayer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        if (_testBus is not null) await _testBus.StopAsync();
        await TestServices.DeleteVirtualHostAsync(_vhost);
        _cluster.Dispose();
    }

    [Fact]
    public async Task Four_sidecar_hosts_on_the_bus_make_the_relayer_report_every_exit_ready()
    {
        await StartBusSidecarsAsync("e2e-node", 4);

        await _testBus!.Publish(new ExitRequested
        {
            BatchId = Guid.NewGuid(),
            Network = "hoodi",
            Vault = Address.Parse("0x" + new string('d', 40)),
            Validators = [new RequestedExit(_cluster.Validators[0], 500), new RequestedExit(_cluster.Validators[1], 501)],
            RequestedAt = DateTimeOffset.UtcNow,
        });

        await Eventually.HoldsAsync(() => _ready.Select(r => r.ValidatorPublicKey).Distinct().Count() == 2, "SignatureReady for both validators");
        Assert.Equal([500UL, 501UL], _ready.DistinctBy(r => r.ValidatorPublicKey).Select(r => r.ValidatorIndex).Order());
        Assert.All(_ready, r => Assert.Equal(5, r.EncryptedExitSignatures.Count));
        Assert.Empty(_rejected);
    }

    /// <summary>
    /// Exits asked for over the relayer's HTTP API (as the StakeWise operator does) reach the sidecars on the bus too:
    /// the relayer publishes them as an <see cref="ExitRequested"/>, and they sign as for our operator's batches.
    /// </summary>
    [Fact]
    public async Task Sidecars_on_the_bus_sign_the_exits_asked_for_over_http()
    {
        await StartBusSidecarsAsync("e2e-bus-node", 3);
        using var http = new HttpClient { BaseAddress = new Uri(_relayer.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        (await http.PostAsJsonAsync("validators", new JsonObject
        {
            ["public_keys"] = new JsonArray(_cluster.Validators.Select(v => (JsonNode)v.ToString()).ToArray()),
            ["validator_index"] = 700,
        })).EnsureSuccessStatusCode();

        await Eventually.HoldsAsync(() => _ready.Select(r => r.ValidatorPublicKey).Distinct().Count() == 2, "SignatureReady for both validators");
        Assert.Equal([700UL, 701UL], _ready.DistinctBy(r => r.ValidatorPublicKey).Select(r => r.ValidatorIndex).Order());
        Assert.Empty(_rejected);
    }

    [Fact]
    public async Task A_sidecar_in_http_mode_makes_the_relayer_report_every_exit_ready()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_relayer.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var request = await http.PostAsJsonAsync("validators", new JsonObject
        {
            ["public_keys"] = new JsonArray(_cluster.Validators.Select(v => (JsonNode)v.ToString()).ToArray()),
            ["validator_index"] = 900,
        });
        request.EnsureSuccessStatusCode();

        await StartHttpSidecarAsync("e2e-http");

        await Eventually.HoldsAsync(async () =>
        {
            var exits = JsonNode.Parse(await http.GetStringAsync("exits"))!["exits"]!.AsArray();
            return exits.Count == 2 && exits.All(e => e!["is_exit_signature_ready"]!.GetValue<bool>());
        }, "both exits ready in GET /exits");
        Assert.Empty(_rejected);
    }

    /// <summary>
    /// Another announcement of the first validator (its real public shares, another threshold) came first, so the
    /// sidecar's own announcement is refused for that validator (422, the other taken), and so are its shares: the
    /// sidecar still signs, and the second validator's exit becomes ready.
    /// </summary>
    [Fact]
    public async Task A_validator_whose_cluster_conflicts_does_not_stop_an_http_sidecar_signing_the_other()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_relayer.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var first = DvtBus.Keystores.Obol.ClusterLock.Load(_cluster.LockFile).Validators[0];
        (await http.PostAsJsonAsync("key-shares", new JsonObject
        {
            ["sidecar_id"] = "someone-else",
            ["validators"] = new JsonArray(new JsonObject
            {
                ["public_key"] = _cluster.Validators[0].ToString(),
                ["threshold"] = 4,
                ["public_shares"] = new JsonArray(first.IndexedPublicShares
                    .Select(s => (JsonNode)new JsonObject { ["share_index"] = s.Id, ["public_key"] = s.PublicKey.ToString() }).ToArray()),
            }),
        })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("validators", new JsonObject
        {
            ["public_keys"] = new JsonArray(_cluster.Validators.Select(v => (JsonNode)v.ToString()).ToArray()),
            ["validator_index"] = 910,
        })).EnsureSuccessStatusCode();

        await StartHttpSidecarAsync("e2e-conflict");

        await Eventually.HoldsAsync(async () =>
        {
            var exits = JsonNode.Parse(await http.GetStringAsync("exits"))!["exits"]!.AsArray();
            return exits.Any(e => e!["public_key"]!.GetValue<string>() == _cluster.Validators[1].ToString() && e["is_exit_signature_ready"]!.GetValue<bool>());
        }, "the second validator's exit ready in GET /exits");
        var exits = JsonNode.Parse(await http.GetStringAsync("exits"))!["exits"]!.AsArray();
        Assert.False(exits.Single(e => e!["public_key"]!.GetValue<string>() == _cluster.Validators[0].ToString())!["is_exit_signature_ready"]!.GetValue<bool>());
        Assert.Contains(_rejected, r => r.ValidatorPublicKey == _cluster.Validators[0] && r.Reason == ShareRejectionReason.UnknownValidator);
    }

    /// <summary>A sidecar holding all four nodes, polling the relayer over HTTP.</summary>
    private Task StartHttpSidecarAsync(string id)
    {
        var settings = _cluster.Settings(id, "hoodi", 0, 1, 2, 3);
        settings["Sidecar:Mode"] = "Http";
        settings["Sidecar:Relayer:Url"] = _relayer.Urls.First();
        settings["Sidecar:Relayer:Token"] = Token;
        settings["Sidecar:Relayer:PollInterval"] = "00:00:00.25";
        return StartAsync(settings);
    }

    /// <summary>Sidecar hosts on the bus for the cluster's first <paramref name="nodes"/> nodes, named prefix-0, prefix-1, ….</summary>
    private async Task StartBusSidecarsAsync(string prefix, int nodes)
    {
        for (var node = 0; node < nodes; node++)
        {
            var settings = _cluster.Settings($"{prefix}-{node}", "hoodi", node);
            foreach (var (key, value) in TestServices.DaemonSettings(_vhost)) settings[key] = value;
            await StartAsync(settings);
        }
    }

    private async Task StartAsync(Dictionary<string, string?> settings)
    {
        var app = SidecarHost.Build(settings);
        _apps.Add(app);
        await app.StartAsync();
    }

    /// <summary>A fresh oracle key: the relayer only needs the public half (64 bytes, no 04 prefix).</summary>
    private static string OraclePublicKey()
    {
        using var key = ECDiffieHellman.Create(ECCurve.CreateFromFriendlyName("secp256k1"));
        var q = key.ExportParameters(false).Q;
        return Hex.Encode([.. q.X!, .. q.Y!]);
    }
}
