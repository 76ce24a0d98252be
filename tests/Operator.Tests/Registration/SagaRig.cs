using System.Collections.Concurrent;
using DvtBus.Contracts;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.Primitives;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>The registration state machine on MassTransit's in-memory test harness, with recording stand-ins for the chain and the database.</summary>
public sealed class SagaRig : IAsyncDisposable
{
    public static readonly Address Vault = Address.Parse("0x00000000000000000000000000000000000a0a17");
    public static readonly BlsPublicKey[] Keys = Enumerable.Range(1, 3).Select(i => BlsPublicKey.From(Enumerable.Repeat((byte)i, 48).ToArray())).ToArray();

    private readonly ServiceProvider _provider;

    private SagaRig(ServiceProvider provider)
    {
        _provider = provider;
        Harness = provider.GetRequiredService<ITestHarness>();
        Saga = Harness.GetSagaStateMachineHarness<RegistrationStateMachine, RegistrationState>();
    }

    public ITestHarness Harness { get; }
    public ISagaStateMachineTestHarness<RegistrationStateMachine, RegistrationState> Saga { get; }
    public RegistrationStateMachine Machine => Saga.StateMachine;
    public Indexes NextIndex { get; } = new();
    public StoredShards Shards { get; } = new();
    public Progress Recorded { get; } = new();
    public Timeouts Armed { get; } = new();
    public SentTransactions Sent { get; } = new();
    public OperatorOptions Options { get; private init; } = null!;

    /// <param name="options">Timeouts and rounds for the state machine; the defaults when not given.</param>
    public static async Task<SagaRig> StartAsync(bool approvalsFail = false, OperatorOptions? options = null, Action<IBusRegistrationConfigurator>? consumers = null)
    {
        var services = new ServiceCollection();
        SagaRig? rig = null;
        options ??= new OperatorOptions();
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddSingleton<IStageTimeouts>(_ => rig!.Armed);
        services.AddScoped<RequestApprovalsActivity>();
        services.AddScoped<StageTimeoutActivity>();
        services.AddSingleton<IValidatorIndexSource>(_ => rig!.NextIndex);
        services.AddSingleton<IExitSignatureStore>(_ => rig!.Shards);
        services.AddSingleton<IBatchProgress>(_ => rig!.Recorded);
        services.AddSingleton(IntakeRig.Network);
        services.AddSingleton(new RegistrationTarget(Vault, Address.Parse("0x00000000000000000000000000000000000cee9e")));
        services.AddScoped<RequestExitsActivity>();
        services.AddScoped<RecordProgressActivity>();
        services.AddScoped<FinishBatchActivity>();
        services.AddScoped<RecordRegisteredAfterFailureActivity>();
        services.AddSingleton<ISentRegistrations>(_ => rig!.Sent);
        services.AddScoped<AdoptSentTransactionsActivity>();
        services.AddMassTransitTestHarness(bus =>
        {
            bus.AddSagaStateMachine<RegistrationStateMachine, RegistrationState>().InMemoryRepository();
            if (approvalsFail) bus.AddConsumer<UnreachableOracles>();
            consumers?.Invoke(bus);
        });
        // Waiting for a quiet bus is how a test knows an ignored event was handled; half a second of quiet is plenty in memory.
        services.Configure<TestHarnessOptions>(o =>
        {
            o.TestInactivityTimeout = TimeSpan.FromMilliseconds(500);
            o.TestTimeout = TimeSpan.FromSeconds(20);
        });
        rig = new SagaRig(services.BuildServiceProvider(true)) { Options = options };
        await rig.Harness.Start();
        return rig;
    }

    public async Task<Guid> AcceptAsync(int validators = 2)
    {
        var batchId = Guid.NewGuid();
        await Harness.Bus.Publish(new DepositFileAccepted
        {
            BatchId = batchId, FileName = "deposit_data.json", ContentSha256 = "00", Network = IntakeRig.Network.Name, Vault = Vault,
            Validators = Keys.Take(validators).ToList(),
        });
        // Polled rather than Published.Any, which gives up at the first quiet moment, before a loaded machine published it.
        await WaitUntilAsync(() => Harness.Published.Held<ExitRequested>().Any(m => m.Context.Message.BatchId == batchId),
            $"no ExitRequested for batch {batchId}");
        // Arming the stage timeout is the acceptance's last step.
        await WaitUntilAsync(() => Armed.Changes(batchId) > 0, $"no timeout armed for batch {batchId}");
        return batchId;
    }

    public Task CollectedAsync(Guid batchId, int position, ulong index) =>
        Harness.Bus.Publish(new ExitSignatureCollected { BatchId = batchId, ValidatorPublicKey = Keys[position], ValidatorIndex = index });

    /// <summary>Waits until the bus is idle, then reads the saga's state.</summary>
    public async Task<RegistrationState> SettledAsync(Guid batchId)
    {
        await Harness.InactivityTask;
        return Saga.Sagas.Contains(batchId) ?? throw new InvalidOperationException($"no saga {batchId}");
    }

    /// <summary>
    /// What was published once the bus is quiet and the list has stopped growing: a transition is visible
    /// before the messages its behaviour publishes, and on a loaded machine those can land after the
    /// harness last reported inactivity.
    /// </summary>
    public async Task<List<T>> PublishedAsync<T>() where T : class
    {
        await Harness.InactivityTask;
        var messages = Harness.Published.Held<T>().Select(m => m.Context.Message).ToList();
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var again = Harness.Published.Held<T>().Select(m => m.Context.Message).ToList();
            if (again.Count == messages.Count) return again;
            messages = again;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        await _provider.DisposeAsync();
    }

    public sealed class Indexes : IValidatorIndexSource
    {
        public ulong Next { get; set; } = 7;
        public Task<ulong> NextIndexAsync(CancellationToken ct) => Task.FromResult(Next);
    }

    public sealed class StoredShards : IExitSignatureStore
    {
        public ConcurrentBag<RequestedShards> Stored { get; } = [];
        public Task<IReadOnlyList<RequestedShards>> StoredAsync(IReadOnlyList<RequestedShards> wanted, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<RequestedShards>>(wanted.Where(Stored.Contains).ToList());
    }

    public sealed class Progress : IBatchProgress
    {
        public ConcurrentQueue<(Guid BatchId, string State, ulong? StartIndex, Bytes32? Transaction)> States { get; } = new();
        public ConcurrentQueue<(Guid BatchId, bool Registered, Bytes32? Transaction, ulong? Block, string? Failure)> Finished { get; } = new();

        public Task RecordAsync(Guid batchId, string state, ulong? startIndex, Bytes32? transactionHash, CancellationToken ct)
        {
            States.Enqueue((batchId, state, startIndex, transactionHash));
            return Task.CompletedTask;
        }

        public Task FinishAsync(Guid batchId, bool registered, Bytes32? transactionHash, ulong? blockNumber, string? failure, CancellationToken ct)
        {
            Finished.Enqueue((batchId, registered, transactionHash, blockNumber, failure));
            return Task.CompletedTask;
        }

        public ConcurrentQueue<(Guid BatchId, Bytes32 Transaction, ulong Block)> RegisteredLate { get; } = new();

        public Task RegisteredAfterFailureAsync(Guid batchId, Bytes32 transactionHash, ulong blockNumber, CancellationToken ct)
        {
            RegisteredLate.Enqueue((batchId, transactionHash, blockNumber));
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// Publishes the timeout the saga armed last, as the sweep would once it is due, and waits until the saga
    /// has handled it: a live timeout always arms the next one or, when the batch ends, drops it.
    /// </summary>
    public async Task<T> FireAsync<T>(Guid batchId) where T : class
    {
        var due = Assert.IsType<T>(Armed.Last(batchId).Message);
        var before = Armed.Changes(batchId);
        await Harness.Bus.Publish(due);
        await WaitUntilAsync(() => Armed.Changes(batchId) > before, $"the saga did not act on {due}");
        await Harness.InactivityTask;
        return due;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Publishes <paramref name="message"/> and waits until the saga has consumed it (applied or ignored),
    /// then until the bus is quiet: an ignored event changes nothing that could be waited for.
    /// </summary>
    public async Task DeliverAsync<T>(T message) where T : class
    {
        // Known by its message id: records with lists are not equal to their deserialized copies.
        var id = NewId.NextGuid();
        await Harness.Bus.Publish(message, c => c.MessageId = id);
        await WaitUntilAsync(() => Saga.Consumed.Held<T>().Any(m => m.Context.MessageId == id), $"the saga did not consume {message}");
        await Harness.InactivityTask;
    }

    /// <summary>The saga's stage timeouts as the saga asked for them: the latest per batch, and what was cancelled.</summary>
    public sealed class Timeouts : IStageTimeouts
    {
        private readonly ConcurrentQueue<(Guid BatchId, DateTimeOffset DueAt, object Message)> _scheduled = new();

        public IReadOnlyList<(Guid BatchId, DateTimeOffset DueAt, object Message)> Scheduled => _scheduled.ToList();
        public ConcurrentQueue<Guid> Cancelled { get; } = new();

        /// <summary>How many times the batch's timeout was armed or dropped.</summary>
        public int Changes(Guid batchId) => _scheduled.Count(s => s.BatchId == batchId) + Cancelled.Count(c => c == batchId);

        public (DateTimeOffset DueAt, object Message) Last(Guid batchId) =>
            _scheduled.Where(s => s.BatchId == batchId).Select(s => (s.DueAt, s.Message)).LastOrDefault() is { Message: not null } last
                ? last
                : throw new InvalidOperationException($"no timeout was armed for batch {batchId}");

        public Task ScheduleAsync<T>(PipeContext context, Guid batchId, DateTimeOffset dueAt, T message) where T : class
        {
            _scheduled.Enqueue((batchId, dueAt, message));
            return Task.CompletedTask;
        }

        public Task CancelAsync(PipeContext context, Guid batchId)
        {
            Cancelled.Enqueue(batchId);
            return Task.CompletedTask;
        }
    }

    /// <summary>The approval step when every oracle stays silent: the command faults.</summary>
    /// <summary>The batches' sent registration transactions, as the store would have marked them.</summary>
    public sealed class SentTransactions : ISentRegistrations
    {
        public ConcurrentDictionary<Guid, IReadOnlyList<Bytes32>> ByBatch { get; } = new();

        public Task<IReadOnlyList<Bytes32>> SentAsync(Guid batchId, CancellationToken ct) =>
            Task.FromResult(ByBatch.TryGetValue(batchId, out var hashes) ? hashes : []);
    }

    /// <summary>A submission whose node stays unreachable through all its retries.</summary>
    public sealed class UnreachableNode : IConsumer<SubmitRegistration>
    {
        public Task Consume(ConsumeContext<SubmitRegistration> context) =>
            throw new InvalidOperationException("eth_getTransactionReceipt: cannot reach the node (Connection refused)");
    }

    public sealed class UnreachableOracles : IConsumer<CollectOracleApprovals>
    {
        public Task Consume(ConsumeContext<CollectOracleApprovals> context) =>
            throw new InvalidOperationException("only 1 of 3 oracles answered; the keeper needs 2");
    }
}
