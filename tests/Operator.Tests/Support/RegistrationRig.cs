using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Crypto.Encryption;
using DvtBus.Devnet.Deploy;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Ethereum.Transactions;
using DvtBus.Hosting;
using DvtBus.Operator.Batches;
using DvtBus.Operator.Intake;
using DvtBus.Operator.Registration;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Xunit;

namespace DvtBus.Operator.Tests.Support;

/// <summary>
/// One vault registration on a real anvil (the devnet contracts, freshly deployed, and a manager key of
/// the rig's own so that its nonce counts only this rig's transactions), a fresh PostgreSQL database,
/// the devnet's oracles over HTTP, and the operator as <see cref="OperatorRegistration.AddOperator"/> wires it
/// (its folder watcher and deposit scanner running) with its consumers on MassTransit's in-memory test harness.
/// The rig plays the relayer: real exit signatures, re-shared 2 of 3 and ECIES-encrypted to the oracles.
/// With the saga, a dropped file runs the whole path by itself; without it, the test drives the
/// approval and submission commands and reads what the consumers publish.
/// </summary>
public sealed class RegistrationRig : IAsyncDisposable
{
    public const int OracleThreshold = 2;

    private readonly AnvilNode _anvil;
    private readonly string _root;
    private readonly string[] _validatorLabels;
    private ServiceProvider _provider = null!;

    private RegistrationRig(AnvilNode anvil, string root, Deployment devnet, Network network, DevOracles oracles, NpgsqlDataSource db, string[] validatorLabels)
    {
        _anvil = anvil;
        _root = root;
        Devnet = devnet;
        Network = network;
        Oracles = oracles;
        Db = db;
        _validatorLabels = validatorLabels;
    }

    /// <summary>Every message published on the bus since the rig started.</summary>
    public MessageLog Log { get; } = new();

    /// <summary>Every JSON-RPC request the operator's client sent to anvil, in order.</summary>
    public RpcTap Tap { get; } = new();

    public Deployment Devnet { get; }
    public Network Network { get; }
    public DevOracles Oracles { get; }
    public NpgsqlDataSource Db { get; }
    public ITestHarness Harness { get; private set; } = null!;
    public IServiceProvider Services => _provider;
    public BatchStore Batches => _provider.GetRequiredService<BatchStore>();

    /// <summary>The operator's record of registration transactions (the one its consumers use).</summary>
    public RegistrationTransactionStore Store => _provider.GetRequiredService<RegistrationTransactionStore>();
    public EthRpcClient Rpc => _provider.GetRequiredService<EthRpcClient>();

    /// <param name="name">Makes the rig's keys (manager, oracles, validators) its own.</param>
    public static async Task<RegistrationRig> StartAsync(
        AnvilNode anvil, string name, bool withSaga, TimeSpan stuckAfter, int validators = 2, TimeSpan? submissionHold = null)
    {
        var oracleLabels = Enumerable.Range(0, 3).Select(i => $"{name}-oracle-{i}").ToArray();
        var validatorLabels = Enumerable.Range(0, validators).Select(i => $"{name}-v{i}").ToArray();
        var (devnet, network, oracles) = await DevnetDeployment.StartAsync(anvil, oracleLabels, OracleThreshold, name + "-manager");
        var root = Path.Combine(Path.GetTempPath(), "dvt-operator-rig-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var settings = DevnetDeployment.OperatorSettings(root, devnet, network, anvil.Url, oracles.Urls, stuckAfter);
        if (submissionHold is { } hold) settings["Operator:SubmissionHold"] = hold.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        await DevnetDeployment.WriteKeystoreAsync(name + "-manager", settings["Operator:ManagerKeystore"]!, settings["Operator:ManagerPasswordFile"]!);

        var db = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("operator_rig"));
        await new PostgresMigrator(db, "operator", PostgresMigrator.FromAssembly(typeof(OperatorOptions).Assembly)).MigrateAsync();
        var rig = new RegistrationRig(anvil, root, devnet, network, oracles, db, validatorLabels);
        rig._provider = Configure(settings, db, new Relayer(network, validatorLabels, oracleLabels), withSaga, rig.Tap);
        rig.Harness = rig._provider.GetRequiredService<ITestHarness>();
        rig.Harness.Bus.ConnectPublishObserver(rig.Log);
        // Starts the bus and the operator's hosted services: the folder watcher, the deposit scanner, the resumer.
        await rig.Harness.Start();
        return rig;
    }

    /// <summary>Drops a deposit-data file of the rig's validators into the inbox and returns its one batch, once the operator's watcher took it in.</summary>
    public async Task<Guid> DropAsync(string fileName = "deposit_data-rig.json")
    {
        var folder = _provider.GetRequiredService<DepositFolder>();
        var entries = _validatorLabels.Select(l => DepositFiles.Entry(Network, Devnet.Vault, l)).ToList();
        var written = Path.Combine(_root, fileName);
        await File.WriteAllTextAsync(written, DepositFiles.Json(Network, entries));
        File.Move(written, Path.Combine(folder.Inbox, fileName));
        DepositFileAccepted? accepted = null;
        await UntilAsync(() =>
        {
            accepted = Log.Of<DepositFileAccepted>().SingleOrDefault(m => m.FileName == fileName);
            return Task.FromResult(accepted is not null);
        }, $"{fileName} accepted");
        return accepted!.BatchId;
    }

    /// <summary>Without the saga: the relayer's shards for indexes 0.. stored, then the approvals collected from the oracles.</summary>
    public async Task ApproveAsync(Guid batchId)
    {
        await RequestApprovalsAsync(batchId);
        await PublishedAsync<OracleApprovalsCollected>(m => m.BatchId == batchId);
    }

    public Task PublishSubmitAsync(Guid batchId) => Harness.Bus.Publish(new SubmitRegistration { BatchId = batchId, StartIndex = 0 });

    /// <summary>Waits until a <typeparamref name="T"/> matching <paramref name="match"/> was published; a consumer's fault fails at once.</summary>
    public async Task<T> PublishedAsync<T>(Func<T, bool> match) where T : class
    {
        T? found = null;
        await UntilAsync(() =>
        {
            Assert.True(Log.Of<Fault>().Count == 0, "a consumer failed: " + Faults());
            found = Log.Of<T>().FirstOrDefault(match);
            return Task.FromResult(found is not null);
        }, typeof(T).Name);
        return found!;
    }

    /// <summary>Waits until <paramref name="count"/> ValidatorsRegistered for the batch were published; a consumer's fault fails at once.</summary>
    public async Task<IReadOnlyList<ValidatorsRegistered>> RegisteredAsync(Guid batchId, int count)
    {
        await UntilAsync(() =>
        {
            Assert.True(Log.Of<Fault>().Count == 0, "a consumer failed: " + Faults());
            return Task.FromResult(Registered(batchId).Count >= count);
        }, $"{count} ValidatorsRegistered");
        return Registered(batchId);
    }

    private List<ValidatorsRegistered> Registered(Guid batchId) => Log.Of<ValidatorsRegistered>().Where(m => m.BatchId == batchId).ToList();

    /// <summary>Polls until <paramref name="done"/> holds (bounded, 90 s unless <paramref name="within"/>: a test that waits in vain fails with <paramref name="what"/>).</summary>
    public static async Task UntilAsync(Func<Task<bool>> done, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(90));
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("gave up waiting: " + what);
            await Task.Delay(100);
        }
    }

    public string Faults() =>
        string.Join(" | ", Log.Of<Fault>().Select(f => string.Join("; ", f.Exceptions.Select(Describe))));

    private static string Describe(ExceptionInfo e) => $"{e.ExceptionType}: {e.Message}{(e.InnerException is { } inner ? " <- " + Describe(inner) : "")}";

    public ManagerKey Manager => _provider.GetRequiredService<ManagerKey>();

    /// <summary>The vault call the operator would send for the approved batch (to be sent by the validators manager).</summary>
    public async Task<byte[]> RegisterValidatorsCallAsync(Guid batchId)
    {
        var approved = await _provider.GetRequiredService<ApprovalStore>().LoadAsync(batchId, CancellationToken.None)
            ?? throw new InvalidOperationException($"batch {batchId} has no approvals");
        return SubmitRegistrationConsumer.RegisterValidatorsCall(_provider.GetRequiredService<VaultChain>(), approved,
            await Batches.ValidatorsAsync(batchId, CancellationToken.None));
    }

    /// <summary>A sender of the manager's registrations recording into the rig's database, through <paramref name="rpc"/> (the rig's node when null).</summary>
    public RegistrationSender Sender(decimal maxFeeGwei = 100, ulong? chainId = null, EthRpcClient? rpc = null) =>
        new(rpc ?? Rpc, Manager, chainId ?? Network.ChainId, Store, SubmitRegistrationConsumer.Gwei(maxFeeGwei));

    public Task<IReadOnlyList<RegistrationAttempt>> AttemptsAsync(Guid batchId) => Store.LiveAsync(batchId, CancellationToken.None);

    /// <summary>ValidatorRegistered events the vault emitted: one per validator of every registerValidators that went through.</summary>
    public async Task<int> VaultRegistrationsAsync() =>
        (await Rpc.GetLogsAsync(LogFilter.ForEvent(Devnet.Vault, StakeWiseCalls.ValidatorRegistered), BlockTag.Number(0), BlockTag.Latest)).Count;

    /// <summary>Transactions the manager account has mined.</summary>
    public Task<ulong> ManagerNonceAsync() =>
        Rpc.GetTransactionCountAsync(_provider.GetRequiredService<ManagerKey>().Key.Address, BlockTag.Latest);

    /// <summary>
    /// Sends <paramref name="deposit"/> to the devnet's deposit contract from one of anvil's funded accounts, over
    /// a client of its own (the tap shows only what the operator asked), and returns once it is mined.
    /// </summary>
    public Task DepositAsync(DepositValidator deposit) =>
        SendFromDevAccountAsync(1, new TransactionRequest(Devnet.DepositContract, DepositContract.Call(deposit), DepositContract.Wei(deposit)), "deposit");

    /// <summary>Sends <paramref name="request"/> from anvil's funded account <paramref name="account"/> over a client of its own, and asserts it succeeded.</summary>
    private async Task SendFromDevAccountAsync(int account, TransactionRequest request, string what)
    {
        using var http = new HttpClient();
        using var key = EthPrivateKey.FromHex(_anvil.DevPrivateKeys[account]);
        var receipt = await new TransactionSender(new EthRpcClient(http, _anvil.Uri), key, Network.ChainId).SendAndWaitAsync(request);
        Assert.True(receipt.Succeeded, $"{what} {receipt.TransactionHash} reverted");
    }

    /// <summary>
    /// Puts <paramref name="deposit"/> in the node's pool from anvil's second funded account without waiting for it,
    /// with a tip far above the market's, so that a block that also holds the operator's transaction runs it first.
    /// </summary>
    public async Task<Bytes32> DepositAheadAsync(DepositValidator deposit)
    {
        using var http = new HttpClient();
        using var depositor = EthPrivateKey.FromHex(_anvil.DevPrivateKeys[1]);
        var rpc = new EthRpcClient(http, _anvil.Uri);
        var nonce = await rpc.GetTransactionCountAsync(depositor.Address, BlockTag.Pending);
        var gwei = new System.Numerics.BigInteger(1_000_000_000);
        var signed = new Eip1559Transaction(Network.ChainId, nonce, 50 * gwei, 500 * gwei, 300_000, Devnet.DepositContract,
            DepositContract.Wei(deposit), DepositContract.Call(deposit)).Sign(depositor);
        return await rpc.SendRawTransactionAsync(signed.Raw);
    }

    public Task SetAutomineAsync(bool on) => _anvil.RequestAsync("evm_setAutomine", on);

    /// <summary>Has the devnet keeper (owned by anvil's first account, which deployed it) say whether the vault must be harvested.</summary>
    public Task SetHarvestRequiredAsync(bool required) =>
        SendFromDevAccountAsync(0, new TransactionRequest(Devnet.Keeper,
            Ethereum.Abi.AbiFunction.Parse("setHarvestRequired(address,bool)").EncodeCall([Devnet.Vault, required])), "setHarvestRequired");

    /// <summary>Without the saga: the relayer's shards for indexes 0.. stored, then the approvals asked for (not waited for).</summary>
    public async Task RequestApprovalsAsync(Guid batchId)
    {
        var store = _provider.GetRequiredService<ExitSignatureStore>();
        var relayer = _provider.GetRequiredService<Relayer>();
        var validators = await Batches.ValidatorsAsync(batchId, CancellationToken.None);
        for (var i = 0; i < validators.Count; i++)
            await store.StoreAsync(relayer.Shards(validators[i].PublicKey, (ulong)i), CancellationToken.None);
        await Harness.Bus.Publish(new CollectOracleApprovals { BatchId = batchId, StartIndex = 0 });
    }

    public Task MineAsync() => _anvil.RequestAsync("evm_mine");

    /// <summary>Moves the chain's clock forward and mines a block at the new time.</summary>
    public async Task AdvanceTimeAsync(TimeSpan by)
    {
        await _anvil.RequestAsync("evm_increaseTime", (long)by.TotalSeconds);
        await MineAsync();
    }

    /// <summary>Whether the node knows the transaction (in its pool or mined).</summary>
    public async Task<bool> KnownAsync(Bytes32 hash) =>
        (await _anvil.RequestAsync("eth_getTransactionByHash", hash.ToString())).ValueKind != System.Text.Json.JsonValueKind.Null;

    /// <summary>
    /// The operator's own registration (<see cref="OperatorRegistration.AddOperator"/>, as Program.cs calls it)
    /// from the devnet settings, with what only a test changes: the rig's database, the tap on the RPC client,
    /// the relayer's stand-in and the in-memory test bus. The builder is never run as a host: the test
    /// harness starts the bus and the hosted services.
    /// </summary>
    private static ServiceProvider Configure(Dictionary<string, string?> settings, NpgsqlDataSource db, Relayer relayer, bool withSaga, RpcTap tap)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddOperator();
        var services = builder.Services;
        services.AddMetrics();
        services.AddSingleton(db);
        services.AddHttpClient(nameof(EthRpcClient)).AddHttpMessageHandler(tap.Handler);
        services.AddSingleton(relayer);
        services.AddMassTransitTestHarness(bus =>
        {
            if (withSaga)
            {
                bus.AddOperatorConsumers();
                bus.AddConsumer<RelayerStandIn>();
            }
            else
            {
                bus.AddConsumer<CollectOracleApprovalsConsumer, CollectOracleApprovalsConsumerDefinition>();
                bus.AddConsumer<SubmitRegistrationConsumer, SubmitRegistrationConsumerDefinition>();
            }
        });
        services.Configure<TestHarnessOptions>(o => o.TestTimeout = TimeSpan.FromSeconds(90));
        return services.BuildServiceProvider(true);
    }

    /// <summary>
    /// Every message published on the rig's bus, as it happens. The harness's own lists wait for a quiet
    /// bus before they answer, and a bus with a consumer waiting for a transaction is never quiet.
    /// </summary>
    public sealed class MessageLog : IPublishObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<object> _messages = new();

        public IReadOnlyList<T> Of<T>() where T : class => _messages.OfType<T>().ToList();

        public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

        public Task PostPublish<T>(PublishContext<T> context) where T : class
        {
            _messages.Enqueue(context.Message);
            return Task.CompletedTask;
        }

        public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }

    /// <summary>Keeps the body of every request the operator's RPC client sends: how a test sees what the operator asked.</summary>
    public sealed class RpcTap
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();

        public IReadOnlyList<string> Requests => _requests.ToArray();

        /// <summary>How many eth_sendRawTransaction carried exactly these bytes.</summary>
        public int Broadcasts(byte[] raw) =>
            Requests.Count(r => r.Contains("\"eth_sendRawTransaction\"", StringComparison.Ordinal) && r.Contains(Hex.Encode(raw), StringComparison.OrdinalIgnoreCase));

        /// <summary>How many requests of <paramref name="method"/> were sent, answered or not.</summary>
        public int Calls(string method) => Requests.Count(r => r.Contains($"\"method\":\"{method}\"", StringComparison.Ordinal));

        /// <summary>
        /// While set, the operator's requests are recorded but never reach the node, as when its connection to
        /// the node is down: the node itself runs on and keeps its pool.
        /// </summary>
        public bool Unreachable { get; set; }

        private sealed record Hook(string Text, Func<Task> Action);

        private Hook? _beforeNext;

        /// <summary>
        /// Runs <paramref name="action"/> once, when the next request whose body holds <paramref name="text"/> comes (a
        /// method name in quotes, a selector), before it goes to the node: something that happens on chain between the operator's reads.
        /// </summary>
        public void BeforeNext(string text, Func<Task> action) => _beforeNext = new Hook(text, action);

        /// <summary>A handler for the client's pipeline (the factory makes one per pipeline it builds), recording into this tap.</summary>
        public DelegatingHandler Handler() => new Recorder(this);

        private sealed class Recorder(RpcTap tap) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.Content is { } content)
                {
                    var body = await content.ReadAsStringAsync(cancellationToken);
                    tap._requests.Enqueue(body);
                    if (tap._beforeNext is { } hook && body.Contains(hook.Text, StringComparison.Ordinal)
                        && Interlocked.CompareExchange(ref tap._beforeNext, null, hook) == hook)
                        await hook.Action();
                }
                if (tap.Unreachable) throw new HttpRequestException("Connection refused (the operator's link to the node is down)");
                return await base.SendAsync(request, cancellationToken);
            }
        }
    }

    /// <summary>The relayer's part for the rig's validators: the full exit signature, re-shared for the oracles and encrypted to each.</summary>
    public sealed class Relayer(Network network, IReadOnlyList<string> validatorLabels, IReadOnlyList<string> oracleLabels)
    {
        public SignatureReady Shards(BlsPublicKey validator, ulong index)
        {
            var label = validatorLabels.Single(l => DepositFiles.Key(l).PublicKey == validator);
            using var secret = DepositFiles.Key(label);
            var exit = ExitSigning.Exit(network, index);
            var signature = ExitSigning.Sign(network, secret, exit);
            var shards = Bls.BlsThreshold.Reshare(signature, validator, ExitSigning.SigningRoot(network, exit).Span, OracleThreshold, oracleLabels.Count);
            return new SignatureReady
            {
                ExitId = ExitId.For(network.Name, validator, index),
                Network = network.Name,
                ValidatorPublicKey = validator,
                ValidatorIndex = index,
                Epoch = exit.Epoch,
                OracleThreshold = OracleThreshold,
                PublicKeyShards = shards.PublicKeys,
                EncryptedExitSignatures = shards.Signatures.Select((s, k) =>
                    EncryptedExitSignature.From(Ecies.Encrypt(DevOracles.PublicKeyOf(oracleLabels[k]), s.Span))).ToList(),
            };
        }
    }

    /// <summary>With the saga: answers ExitRequested as the relayer would, with SignatureReady per validator.</summary>
    public sealed class RelayerStandIn(Relayer relayer) : IConsumer<ExitRequested>
    {
        public async Task Consume(ConsumeContext<ExitRequested> context)
        {
            foreach (var exit in context.Message.Validators)
                await context.Publish(relayer.Shards(exit.PublicKey, exit.ValidatorIndex));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        await _provider.DisposeAsync();
        await Oracles.DisposeAsync();
        await Db.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
