using System.Net.Http.Headers;
using Dapper;
using DvtBus.TestSupport;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Xunit;

namespace DvtBus.Relayer.Tests.Support;

/// <summary>
/// One virtual host, one database and one set of oracles for a test class; relayer hosts run in-process
/// against them, and a test bus publishes what the operator and sidecars would and records what the relayer publishes.
/// </summary>
public class RelayerEnvironment : IAsyncLifetime
{
    public const string Token = "relayer-test-token-0123456789";

    private readonly List<WebApplication> _relayers = [];
    private IBusControl? _bus;

    public string VirtualHost { get; private set; } = "";
    public string Postgres { get; private set; } = "";
    public Oracles Oracles { get; private set; } = null!;
    public Recorder Recorder { get; } = new();

    /// <summary>What every relayer of the environment logs.</summary>
    public LogRecorder Logs { get; } = new();

    /// <summary>The full exit signatures of every exit the tests made: none may ever show up in a row or a message.</summary>
    public System.Collections.Concurrent.ConcurrentBag<DvtBus.Primitives.BlsSignature> FullSignatures { get; } = [];

    /// <summary>Announces the cluster from each of its nodes.</summary>
    public async Task AnnounceAsync(TestCluster cluster)
    {
        foreach (var share in cluster.Shares) await Bus.Publish(cluster.Announcement(share.Id));
    }

    /// <summary>Announces the cluster, requests its validator's exit at <paramref name="index"/> and waits until the exit's saga collects shares.</summary>
    public async Task<SagaRow> CollectingAsync(TestCluster cluster, ulong index)
    {
        await AnnounceAsync(cluster);
        await Bus.Publish(TestCluster.Request((cluster, index)));
        return await WaitForSagaAsync(DvtBus.Contracts.ExitId.For(TestCluster.Network.Name, cluster.PublicKey, index),
            r => r.CurrentState == "Collecting", $"the exit of index {index} collecting");
    }

    public async Task<DvtBus.Contracts.SignatureReady> WaitReadyAsync(TestCluster cluster, ulong index)
    {
        FullSignatures.Add(cluster.FullSignature(index));
        return await Recorder.WaitForAsync<DvtBus.Contracts.SignatureReady>(
            r => r.ValidatorPublicKey == cluster.PublicKey && r.ValidatorIndex == index, $"SignatureReady of index {index}");
    }

    /// <summary>
    /// Over HTTP alone, as the public StakeWise operator does: <c>POST /validators</c> until it answers <c>ready: true</c>
    /// for the clusters' validators (at indexes <paramref name="start"/>, <paramref name="start"/> + 1, …). Then each
    /// validator's oracle shares decrypt with eciesjs to shards that verify under their public key shards, and every t
    /// of them recover a signature valid under the validator key.
    /// </summary>
    /// <returns>The ready answer.</returns>
    public async Task<System.Text.Json.Nodes.JsonNode> WaitReadyOverHttpAsync(HttpClient http, IReadOnlyList<TestCluster> clusters, ulong start)
    {
        System.Text.Json.Nodes.JsonNode? ready = null;
        await WaitUntilAsync(async () =>
        {
            var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(
                http, "/validators", new { public_keys = clusters.Select(c => c.PublicKey.ToString()) });
            ready = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync());
            return ready!["ready"]!.GetValue<bool>();
        }, "ready: true");
        foreach (var (cluster, i) in clusters.Select((c, i) => (c, (ulong)i)))
        {
            var root = cluster.ExitSigningRoot(start + i);
            FullSignatures.Add(cluster.FullSignature(start + i));
            var shares = ready!["validators"]!.AsArray().Single(v => v!["public_key"]!.GetValue<string>() == cluster.PublicKey.ToString())!["oracles_exit_signature_shares"]!;
            var publicKeys = shares["public_keys"]!.AsArray().Select(k => DvtBus.Primitives.BlsPublicKey.Parse(k!.GetValue<string>())).ToList();
            var encrypted = shares["encrypted_exit_signatures"]!.AsArray().Select(e => DvtBus.Primitives.EncryptedExitSignature.Parse(e!.GetValue<string>())).ToList();
            var opened = await Oracles.OpenAsync(root, publicKeys, encrypted);
            Assert.All(opened, o => Assert.True(o.Verifies));
            foreach (var recovered in Oracles.RecoverFromEverySubset(opened.Select(o => o.Signature).ToList()))
                Assert.True(DvtBus.Bls.BlsScheme.Verify(cluster.PublicKey, root.Span, recovered));
        }
        return ready!;
    }

    /// <summary>Each node's sidecar announces the clusters' public shares over HTTP (<c>POST /key-shares</c>), as sidecars without the bus do.</summary>
    public static async Task AnnounceOverHttpAsync(HttpClient http, IReadOnlyList<TestCluster> clusters)
    {
        foreach (var node in clusters[0].Shares.Select(s => s.Id))
        {
            var announced = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(http, "/key-shares", new
            {
                sidecar_id = $"node-{node}",
                validators = clusters.Select(c => new
                {
                    public_key = c.PublicKey.ToString(),
                    threshold = c.Threshold,
                    public_shares = c.Shares.Select(s => new { share_index = s.Id, public_key = s.Key.PublicKey.ToString() }),
                }),
            });
            Assert.Equal(System.Net.HttpStatusCode.OK, announced.StatusCode);
        }
    }

    public IBus Bus => _bus ?? throw new InvalidOperationException("environment not started");

    protected virtual Dictionary<string, string?> ExtraSettings() => [];

    protected virtual int RelayersAtStart => 1;

    /// <summary>The environment's database: a fresh one on the shared server unless a subclass brings its own.</summary>
    protected virtual Task<string> CreateDatabaseAsync(string label) => TestServices.CreateDatabaseAsync(label);

    /// <summary>The environment's broker and virtual host: a fresh virtual host on the shared broker unless a subclass brings its own.</summary>
    protected virtual async Task<(int Port, string VirtualHost)> CreateBrokerAsync(string label) =>
        (TestServices.RabbitPort, await TestServices.CreateVirtualHostAsync(label));

    /// <summary>The AMQP port of the environment's broker.</summary>
    public int BrokerPort { get; private set; }

    public virtual async Task InitializeAsync()
    {
        var label = GetType().Name.ToLowerInvariant()[..Math.Min(12, GetType().Name.Length)];
        (BrokerPort, VirtualHost) = await CreateBrokerAsync(label);
        Postgres = await CreateDatabaseAsync(label);
        Oracles = await Support.Oracles.CreateAsync(count: 5, threshold: 3);
        _bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(TestServices.RabbitHost, (ushort)BrokerPort, VirtualHost, h =>
            {
                h.Username(TestServices.RabbitUser);
                h.Password(TestServices.RabbitPassword);
            });
            cfg.ReceiveEndpoint("relayer-test-observer", e => Recorder.Configure(e));
        });
        await _bus.StartAsync();
        for (var i = 0; i < RelayersAtStart; i++) await StartRelayerAsync();
    }

    public WebApplication Relayer => _relayers[0];

    public WebApplication RelayerAt(int index) => _relayers[index];

    public HttpClient Http(bool authorised = true, int relayer = 0)
    {
        var client = new HttpClient { BaseAddress = new Uri(_relayers[relayer].Urls.First()) };
        if (authorised) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    public async Task<WebApplication> StartRelayerAsync()
    {
        var settings = TestServices.DaemonSettings(VirtualHost, Postgres);
        settings["RabbitMq:Port"] = BrokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Urls"] = "http://127.0.0.1:0";
        settings["Network:Name"] = TestCluster.Network.Name;
        settings["Api:Token"] = Token;
        settings["Logging:LogLevel:Default"] = "Warning";
        foreach (var (k, v) in Oracles.Settings()) settings[k] = v;
        foreach (var (k, v) in ExtraSettings()) settings[k] = v;
        var app = RelayerHost.Build(settings.Select(s => $"--{s.Key}={s.Value}").ToArray());
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(Logs);
        await app.StartAsync();
        _relayers.Add(app);
        return app;
    }

    public async Task StopRelayerAsync(WebApplication app)
    {
        _relayers.Remove(app);
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public async Task<T> QueryScalarAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(Postgres);
        return await connection.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException("no value");
    }

    /// <summary>The exit's state machine row: its state column, its version and the instance stored as JSON.</summary>
    public async Task<SagaRow?> SagaAsync(Guid exitId)
    {
        await using var connection = new NpgsqlConnection(Postgres);
        var raw = await connection.QuerySingleOrDefaultAsync<(string CurrentState, int Version, string Data)>(
            "SELECT current_state, version, data::text FROM relayer.exit_sagas WHERE correlation_id = @exitId", new { exitId });
        return raw.Data is null ? null : new SagaRow(raw.CurrentState, raw.Version, System.Text.Json.JsonSerializer.Deserialize<Exits.ExitSaga>(raw.Data)!);
    }

    /// <summary>Waits until the exit's saga row satisfies the condition, and returns it.</summary>
    public async Task<SagaRow> WaitForSagaAsync(Guid exitId, Func<SagaRow, bool> condition, string what, int seconds = 120)
    {
        SagaRow? row = null;
        await WaitUntilAsync(async () => (row = await SagaAsync(exitId)) is not null && condition(row), what, seconds);
        return row!;
    }

    public async Task<IReadOnlyList<string>> AllRowsAsTextAsync()
    {
        await using var connection = new NpgsqlConnection(Postgres);
        var tables = await connection.QueryAsync<string>(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')");
        var rows = new List<string>();
        foreach (var table in tables)
            rows.AddRange(await connection.QueryAsync<string>($"SELECT t::text FROM {table} t"));
        return rows;
    }

    /// <summary>Polls until the condition holds: waiting is bounded so a broken relayer fails the test instead of hanging it.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what}");
            await Task.Delay(100);
        }
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var app in _relayers.ToList()) await StopRelayerAsync(app);
        if (_bus is not null) await _bus.StopAsync();
        if (BrokerPort == TestServices.RabbitPort) await TestServices.DeleteVirtualHostAsync(VirtualHost);
    }
}

public sealed record SagaRow(string CurrentState, int Version, DvtBus.Relayer.Exits.ExitSaga State);
