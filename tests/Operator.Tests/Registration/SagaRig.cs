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

    public static async Task<SagaRig> StartAsync(bool approvalsFail = false)
    {
        var services = new ServiceCollection();
        SagaRig? rig = null;
        services.AddSingleton<IValidatorIndexSource>(_ => rig!.NextIndex);
        services.AddSingleton<IExitSignatureStore>(_ => rig!.Shards);
        services.AddSingleton<IBatchProgress>(_ => rig!.Recorded);
        services.AddSingleton(IntakeRig.Network);
        services.AddSingleton(new RegistrationTarget(Vault, Address.Parse("0x00000000000000000000000000000000000cee9e")));
        services.AddScoped<RequestExitsActivity>();
        services.AddScoped<RecordProgressActivity>();
        services.AddScoped<FinishBatchActivity>();
        services.AddMassTransitTestHarness(bus =>
        {
            bus.AddSagaStateMachine<RegistrationStateMachine, RegistrationState>().InMemoryRepository();
            if (approvalsFail) bus.AddConsumer<UnreachableOracles>();
        });
        // Waiting for a quiet bus is how a test knows an ignored event was handled; half a second of quiet is plenty in memory.
        services.Configure<TestHarnessOptions>(o =>
        {
            o.TestInactivityTimeout = TimeSpan.FromMilliseconds(500);
            o.TestTimeout = TimeSpan.FromSeconds(20);
        });
        rig = new SagaRig(services.BuildServiceProvider(true));
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
        Assert.True(await Harness.Published.Any<ExitRequested>(m => m.Context.Message.BatchId == batchId));
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
        var messages = Harness.Published.Select<T>().Select(m => m.Context.Message).ToList();
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var again = Harness.Published.Select<T>().Select(m => m.Context.Message).ToList();
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
    }

    /// <summary>The approval step when every oracle stays silent: the command faults.</summary>
    public sealed class UnreachableOracles : IConsumer<CollectOracleApprovals>
    {
        public Task Consume(ConsumeContext<CollectOracleApprovals> context) =>
            throw new InvalidOperationException("only 1 of 3 oracles answered; the keeper needs 2");
    }
}
