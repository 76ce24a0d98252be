using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Crypto.Encryption;
using DvtBus.Ethereum.Rpc;
using DvtBus.Hosting;
using DvtBus.Keystores;
using DvtBus.Operator.Batches;
using DvtBus.Operator.Deposits;
using DvtBus.Operator.Intake;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.Primitives;
using DvtBus.Sagas;
using DvtBus.TestSupport;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// A dropped file all the way to validators registered on the devnet vault: real PostgreSQL (the saga in
/// operator.registration_sagas), real anvil with the devnet contracts, oracles over HTTP on 127.0.0.1, the
/// operator's saga and consumers on the in-memory test bus (<see cref="RegistrationBrokerTests"/> runs the
/// whole daemon on the real broker). The test plays the relayer: real exit signatures, re-shared and ECIES-encrypted.
/// </summary>
[Trait("Category", "Devnet")]
public sealed class RegistrationFlowTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private static readonly string[] OracleLabels = ["flow-oracle-0", "flow-oracle-1", "flow-oracle-2"];
    private static readonly string[] ValidatorLabels = ["flow-v0", "flow-v1"];

    [Fact]
    public async Task Dropped_file_ends_registered_on_the_vault_and_moves_to_done()
    {
        using var manager = DevnetDeployment.Key("flow-manager");
        var devnet = await DevnetDeployment.DeployAsync(anvil, OracleLabels.Select(DevOracles.AddressOf), 2, manager.Address);
        await anvil.RequestAsync("anvil_setBalance", manager.Address.ToString(), "0x3635C9ADC5DEA00000");
        var network = DepositFiles.Devnet(devnet.DepositContract, devnet.ChainId);
        var oracles = await DevOracles.StartAsync(OracleLabels, 2, network, devnet.Keeper, anvil.Uri);
        var root = Path.Combine(Path.GetTempPath(), "dvt-operator-flow-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            var options = new OperatorOptions
            {
                Folder = Path.Combine(root, "deposits"),
                Vault = devnet.Vault.ToString(),
                Keeper = devnet.Keeper.ToString(),
                RpcUrl = anvil.Url,
                Oracles = oracles.Urls.Select(url => new OracleEndpoint { Url = url }).ToList(),
                OracleTimeout = TimeSpan.FromSeconds(20),
                ManagerKeystore = Path.Combine(root, "manager.json"),
                ManagerPasswordFile = Path.Combine(root, "manager.txt"),
                StuckAfter = TimeSpan.FromSeconds(30),
            };
            await File.WriteAllBytesAsync(options.ManagerPasswordFile, "flow password\n"u8.ToArray());
            using (var password = KeystorePassword.ReadFile(options.ManagerPasswordFile))
                await File.WriteAllTextAsync(options.ManagerKeystore, EthereumKeystore.Encrypt(
                    System.Security.Cryptography.SHA256.HashData("operator-test-eth-flow-manager"u8), password, new KdfOptions(KdfFunction.Pbkdf2, 1000)).ToJson());

            await using var db = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("operator_flow"));
            await new PostgresMigrator(db, "operator", PostgresMigrator.FromAssembly(typeof(OperatorOptions).Assembly)).MigrateAsync();
            await using var provider = Services(options, network, db).BuildServiceProvider(true);
            var harness = provider.GetRequiredService<ITestHarness>();
            await harness.Start();
            var folder = provider.GetRequiredService<DepositFolder>();
            folder.Create();
            var watcher = new FolderWatcher(folder, provider.GetRequiredService<DepositIntake>(), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10),
                NullLogger<FolderWatcher>.Instance);
            var entries = ValidatorLabels.Select(l => DepositFiles.Entry(network, devnet.Vault, l)).ToList();
            await File.WriteAllTextAsync(Path.Combine(folder.Inbox, "deposit_data-flow.json"), DepositFiles.Json(network, entries));

            while (await watcher.ScanAsync(CancellationToken.None)) { }

            var accepted = Assert.Single(harness.Published.Select<DepositFileAccepted>()).Context.Message;
            // The saga lives in operator.registration_sagas (the harness cannot query it by state): read it there.
            var (state, failure) = await EndedAsync(db, accepted.BatchId);
            await harness.InactivityTask;
            var faults = harness.Published.Select<Fault>().Select(f => string.Join("; ", f.Context.Message.Exceptions.Select(Describe)));
            Assert.True(state == "Done", $"saga {state}: {failure} {string.Join(" | ", faults)}");

            var batch = Assert.Single(await provider.GetRequiredService<BatchStore>().ListAsync(10, CancellationToken.None));
            Assert.Equal((BatchStates.Registered, 0L), (batch.State, batch.StartIndex ?? -1));
            Assert.NotNull(batch.TransactionHash);
            Assert.Equal(["deposit_data-flow.json"], IntakeRig.Names(folder.Done));
            Assert.Empty(IntakeRig.Names(folder.Processing));
            var deposits = provider.GetRequiredService<DepositIndex>();
            await deposits.SyncAsync(CancellationToken.None);
            Assert.Equal(2UL, await deposits.NextIndexAsync(CancellationToken.None));
            var (approved, refused) = await oracles.StatsAsync();
            Assert.Equal(0L, refused);
            Assert.True(approved >= 2);
        }
        finally
        {
            await oracles.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<(string? State, string? Failure)> EndedAsync(NpgsqlDataSource db, Guid batchId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            await using (var connection = await db.OpenConnectionAsync())
            {
                var row = await Dapper.SqlMapper.QuerySingleOrDefaultAsync<(string State, string? Failure)>(connection,
                    "SELECT current_state, data->>'Failure' FROM operator.registration_sagas WHERE correlation_id = @batchId", new { batchId });
                if (row.State is "Done" or "Failed" || DateTime.UtcNow > deadline) return (row.State, row.Failure);
            }
            await Task.Delay(200);
        }
    }

    private static string Describe(ExceptionInfo e) => $"{e.ExceptionType}: {e.Message}{(e.InnerException is { } inner ? " <- " + Describe(inner) : "")}";

    private ServiceCollection Services(OperatorOptions options, Network network, NpgsqlDataSource db)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddMetrics();
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddSingleton(network);
        services.AddSingleton(db);
        services.AddSingleton<OperatorMetrics>();
        services.AddSingleton<BatchStore>();
        services.AddSingleton(_ => new EthRpcClient(new HttpClient(), anvil.Uri));
        services.AddSingleton(sp => new DepositIndex(db, sp.GetRequiredService<EthRpcClient>(), network, 0, 1000));
        services.AddSingleton(new DepositFolder(options.Folder));
        services.AddSingleton(sp => new DepositIntake(sp.GetRequiredService<DepositFolder>(), db, network, Address.Parse(options.Vault), options.MaxBatchSize,
            sp.GetRequiredService<DepositIndex>(), sp.GetRequiredService<IBus>(), sp.GetRequiredService<OperatorMetrics>(), NullLogger<DepositIntake>.Instance));
        services.AddRegistration();
        services.AddSingleton(new DurableTimeouts(OperatorRegistration.Schema, DurableStageTimeouts.MessageTypes));
        services.AddSingleton(new RelayerStandIn.Keys(network, ValidatorLabels, OracleLabels.Length));
        services.AddMassTransitTestHarness(bus =>
        {
            bus.AddOperatorConsumers();
            bus.AddConsumer<RelayerStandIn>();
        });
        services.Configure<TestHarnessOptions>(o => o.TestTimeout = TimeSpan.FromSeconds(60));
        return services;
    }

    /// <summary>The relayer's part: the full exit signature, re-shared for the oracles (threshold 2 of 3) and encrypted to each.</summary>
    public sealed class RelayerStandIn(RelayerStandIn.Keys keys) : IConsumer<ExitRequested>
    {
        public sealed record Keys(Network Network, IReadOnlyList<string> Labels, int OracleCount);

        public async Task Consume(ConsumeContext<ExitRequested> context)
        {
            foreach (var exit in context.Message.Validators)
            {
                var label = keys.Labels.Single(l => DepositFiles.Key(l).PublicKey == exit.PublicKey);
                using var secret = DepositFiles.Key(label);
                var voluntaryExit = ExitSigning.Exit(keys.Network, exit.ValidatorIndex);
                var signature = ExitSigning.Sign(keys.Network, secret, voluntaryExit);
                var shards = Bls.BlsThreshold.Reshare(signature, exit.PublicKey, ExitSigning.SigningRoot(keys.Network, voluntaryExit).Span, 2, keys.OracleCount);
                var encrypted = shards.Signatures.Select((s, k) =>
                    EncryptedExitSignature.From(Ecies.Encrypt(DevnetDeployment.Key(OracleLabels[k]).PublicKey, s.Span))).ToList();
                await context.Publish(new SignatureReady
                {
                    ExitId = ExitId.For(keys.Network.Name, exit.PublicKey, exit.ValidatorIndex),
                    Network = keys.Network.Name,
                    ValidatorPublicKey = exit.PublicKey,
                    ValidatorIndex = exit.ValidatorIndex,
                    Epoch = voluntaryExit.Epoch,
                    OracleThreshold = 2,
                    PublicKeyShards = shards.PublicKeys,
                    EncryptedExitSignatures = encrypted,
                });
            }
        }
    }
}
