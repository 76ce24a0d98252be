using System.Collections.Concurrent;
using System.Text.Json;
using Dapper;
using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Devnet.Deploy;
using DvtBus.Hosting;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// The operator daemon as Program.cs builds it (PostgreSQL schema and migrations, the watched folder,
/// the registration saga in <c>operator.registration_sagas</c>, the timeout sweep, the consumers) on the
/// real RabbitMQ broker in a virtual host of its own, against a devnet deployed on anvil. Hosts are
/// stopped, never disposed: MassTransit keeps the first host's logger factory in a static, and a later
/// host in the same test process would log into a disposed one.
/// </summary>
public sealed class OperatorProcess : IAsyncDisposable
{
    public static readonly string[] OracleLabels = ["flow-oracle-0", "flow-oracle-1", "flow-oracle-2"];
    public static readonly string[] ValidatorLabels = ["flow-v0", "flow-v1"];

    private readonly List<IHost> _running = [];

    private OperatorProcess(string root, string virtualHost, string database, Deployment devnet, Network network, string managerLabel,
        DevOracles oracles, AnvilNode anvil)
    {
        Root = root;
        VirtualHost = virtualHost;
        Database = database;
        Devnet = devnet;
        Network = network;
        ManagerLabel = managerLabel;
        Oracles = oracles;
        Anvil = anvil;
    }

    public string Root { get; }
    public string VirtualHost { get; }
    public string Database { get; }
    public Deployment Devnet { get; }
    public Network Network { get; }
    public string ManagerLabel { get; }
    public DevOracles Oracles { get; }
    public AnvilNode Anvil { get; }
    public string Folder => Path.Combine(Root, "deposits");

    /// <summary>A devnet, its oracles, a funded validators manager with its keystore, a fresh virtual host and database.</summary>
    public static async Task<OperatorProcess> CreateAsync(AnvilNode anvil, string managerLabel)
    {
        var (devnet, network, oracles) = await DevnetDeployment.StartAsync(anvil, OracleLabels, 2, managerLabel);
        var root = Path.Combine(Path.GetTempPath(), "dvt-operator-broker-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        await DevnetDeployment.WriteKeystoreAsync(managerLabel, Path.Combine(root, "manager.json"), Path.Combine(root, "manager.txt"));
        return new OperatorProcess(root, await TestServices.CreateVirtualHostAsync("operator"), await TestServices.CreateDatabaseAsync("operator_broker"),
            devnet, network, managerLabel, oracles, anvil);
    }

    /// <summary>Starts an operator process with the settings a test overrides (e.g. <c>Operator:ShareCollectionTimeout</c>).</summary>
    public async Task<IHost> StartOperatorAsync(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(Settings());
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        builder.AddDvtPostgres(OperatorRegistration.Schema, typeof(OperatorOptions).Assembly);
        builder.AddOperator();
        builder.AddDvtBus("operator", bus => bus.AddOperatorConsumers());
        return await StartAsync(builder);
    }

    /// <summary>Another process on the same broker, holding only the given consumers (the relayer's part, a listener).</summary>
    public async Task<IHost> StartPeerAsync(string name, Action<IServiceCollection> services, Action<IBusRegistrationConfigurator> consumers)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(TestServices.DaemonSettings(VirtualHost));
        services(builder.Services);
        builder.AddDvtBus(name, consumers);
        return await StartAsync(builder);
    }

    public string Drop(string name, string content)
    {
        var inbox = Path.Combine(Folder, "inbox");
        Directory.CreateDirectory(inbox);
        var temp = Path.Combine(Root, name + ".tmp");
        File.WriteAllText(temp, content);
        var path = Path.Combine(inbox, name);
        File.Move(temp, path);
        return path;
    }

    public string DepositFile() =>
        DepositFiles.Json(Network, ValidatorLabels.Select(l => DepositFiles.Entry(Network, Devnet.Vault, l)));

    public sealed record SagaRow(Guid Id, string CurrentState, JsonElement Data);

    public async Task<SagaRow?> SagaAsync()
    {
        await using var connection = new NpgsqlConnection(Database);
        var row = await connection.QuerySingleOrDefaultAsync<(Guid Id, string State, string Data)>(
            "SELECT correlation_id, current_state, data::text FROM operator.registration_sagas ORDER BY created_at LIMIT 1");
        return row.Data is null ? null : new SagaRow(row.Id, row.State, JsonDocument.Parse(row.Data).RootElement.Clone());
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(Database);
        return await connection.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException($"no value from {sql}");
    }

    /// <summary>Waits for the batch's saga to satisfy <paramref name="condition"/>; on time-out, says where it stands.</summary>
    public async Task<SagaRow> WaitForSagaAsync(Func<SagaRow, bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await SagaAsync() is { } row && condition(row)) return row;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"saga not as expected in {within}: {(await SagaAsync())?.Data.ToString() ?? "no saga"}; " +
                    $"error queues hold {await ErrorQueueDepthAsync()}");
            await Task.Delay(200);
        }
    }

    public Task<long> ErrorQueueDepthAsync() => TestServices.ErrorQueueDepthAsync(VirtualHost);

    public static async Task StopAsync(IHost host) => await host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _running) await host.StopAsync();
        await Oracles.DisposeAsync();
        await TestServices.DeleteVirtualHostAsync(VirtualHost);
        Directory.Delete(Root, recursive: true);
    }

    private async Task<IHost> StartAsync(HostApplicationBuilder builder)
    {
        var host = builder.Build();
        await host.StartAsync();
        _running.Add(host);
        return host;
    }

    private Dictionary<string, string?> Settings()
    {
        var settings = TestServices.DaemonSettings(VirtualHost, Database);
        foreach (var (key, value) in DevnetDeployment.OperatorSettings(Root, Devnet, Network, Anvil.Url, Oracles.Urls, TimeSpan.FromSeconds(30)))
            settings[key] = value;
        return settings;
    }

    /// <summary>The relayer's part over the broker, holding every exit request until the test lets it answer.</summary>
    public sealed class GatedRelayer(GatedRelayer.Gate gate, RegistrationRig.Relayer relayer) : IConsumer<ExitRequested>
    {
        public sealed class Gate
        {
            public ConcurrentQueue<ExitRequested> Requests { get; } = new();
            public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public async Task Consume(ConsumeContext<ExitRequested> context)
        {
            gate.Requests.Enqueue(context.Message);
            await gate.Open.Task.WaitAsync(context.CancellationToken);
            await new RegistrationRig.RelayerStandIn(relayer).Consume(context);
        }
    }

    /// <summary>A relayer that never answers: it only counts the exit requests.</summary>
    public sealed class SilentRelayer(ConcurrentQueue<ExitRequested> requests) : IConsumer<ExitRequested>
    {
        public Task Consume(ConsumeContext<ExitRequested> context)
        {
            requests.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }
}
