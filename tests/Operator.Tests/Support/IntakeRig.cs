using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Rpc;
using DvtBus.Hosting;
using DvtBus.Operator.Batches;
using DvtBus.Deposits;
using DvtBus.Operator.Intake;
using DvtBus.Operator.Registration;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace DvtBus.Operator.Tests.Support;

/// <summary>
/// A watched folder in a temp directory, the operator schema in a fresh PostgreSQL database, and an
/// in-memory bus whose published messages the test reads. No execution node: the deposit cache is filled by hand.
/// </summary>
public sealed class IntakeRig : IAsyncDisposable
{
    public static readonly Address Vault = Address.Parse("0x00000000000000000000000000000000000a0a17");
    public static readonly Network Network = DepositFiles.Devnet(Address.Parse("0x00000000000000000000000000000000000de905"));

    private readonly ServiceProvider _provider;
    private readonly IPublishEndpoint _publisher;

    private IntakeRig(NpgsqlDataSource db, DepositFolder folder, ServiceProvider provider, ITestHarness harness, int maxBatchSize, IPublishEndpoint publisher)
    {
        Db = db;
        Folder = folder;
        _provider = provider;
        Harness = harness;
        MaxBatchSize = maxBatchSize;
        _publisher = publisher;
        Metrics = new OperatorMetrics(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        Batches = new BatchStore(db, Metrics);
        Deposits = new DepositIndex(db, new EthRpcClient(new HttpClient(), new Uri("http://127.0.0.1:9")), Network, "operator", 0, 1000);
        Restart();
    }

    public NpgsqlDataSource Db { get; }
    public DepositFolder Folder { get; }
    public ITestHarness Harness { get; }
    public int MaxBatchSize { get; }
    public BatchStore Batches { get; }
    public DepositIndex Deposits { get; }
    public OperatorMetrics Metrics { get; }
    public DepositIntake Intake { get; private set; } = null!;
    public FolderWatcher Watcher { get; private set; } = null!;

    /// <param name="publisher">What the intake publishes through, given the harness's bus; the bus itself when not given.</param>
    public static async Task<IntakeRig> CreateAsync(int maxBatchSize = 50, Func<IPublishEndpoint, IPublishEndpoint>? publisher = null)
    {
        var connection = await TestServices.CreateDatabaseAsync("operator");
        var db = NpgsqlDataSource.Create(connection);
        await new PostgresMigrator(db, "operator", PostgresMigrator.FromAssembly(typeof(OperatorOptions).Assembly)).MigrateAsync();
        var folder = new DepositFolder(Path.Combine(Path.GetTempPath(), "dvt-operator-" + Guid.NewGuid().ToString("N")));
        folder.Create();
        var provider = new ServiceCollection().AddMetrics().AddMassTransitTestHarness().BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        return new IntakeRig(db, folder, provider, harness, maxBatchSize, publisher?.Invoke(harness.Bus) ?? harness.Bus);
    }

    /// <summary>New intake and watcher over the same folder and database, as after a process restart.</summary>
    public void Restart()
    {
        Intake = new DepositIntake(Folder, Db, Network, Vault, MaxBatchSize, Deposits, _publisher, Metrics, NullLogger<DepositIntake>.Instance);
        Watcher = new FolderWatcher(Folder, Intake, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10), NullLogger<FolderWatcher>.Instance);
    }

    /// <summary>
    /// Starts the registration resumer as the daemon builds it (from the <c>Operator</c> settings given, here
    /// without the <c>Operator:</c> prefix) over the rig's database and bus; disposing the result stops it.
    /// </summary>
    public async Task<IAsyncDisposable> StartResumerAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddOptions<OperatorOptions>().Bind(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton(Batches).AddSingleton(Db).AddSingleton(Harness.Bus).AddSingleton(Network)
            .AddSingleton(new RegistrationTarget(Vault, Address.Parse("0x00000000000000000000000000000000000cee9e")));
        var provider = services.BuildServiceProvider(true);
        var resumer = ActivatorUtilities.CreateInstance<RegistrationResumer>(provider);
        await resumer.StartAsync(CancellationToken.None);
        return new Running(resumer, provider);
    }

    private sealed class Running(IHostedService service, ServiceProvider provider) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await service.StopAsync(CancellationToken.None);
            await provider.DisposeAsync();
        }
    }

    public string Drop(string name, string content)
    {
        var path = Path.Combine(Folder.Inbox, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Scans until no file in the inbox waits for a second look.</summary>
    public async Task ScanUntilSettledAsync()
    {
        for (var i = 0; i < 10 && await Watcher.ScanAsync(CancellationToken.None); i++) { }
    }

    public static IReadOnlyList<string> Names(string folder) =>
        Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        await _provider.DisposeAsync();
        await Db.DisposeAsync();
        Directory.Delete(Folder.Root, recursive: true);
    }
}
