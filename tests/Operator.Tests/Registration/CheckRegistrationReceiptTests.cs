using Dapper;
using DvtBus.Contracts;
using DvtBus.Crypto.Deposits;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.Transactions;
using DvtBus.Hosting;
using DvtBus.Operator.Batches;
using DvtBus.Deposits;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// The on-chain look at an overdue registration, on anvil and PostgreSQL: it reports only what the chain
/// says once deep enough, and sends nothing.
/// </summary>
public sealed class CheckRegistrationReceiptTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    [Fact]
    public async Task Confirmed_receipt_registers_the_batch_only_once_deep_enough_and_an_unknown_hash_reports_nothing()
    {
        await using var rig = await Rig.StartAsync(anvil, confirmations: 2);
        var receipt = await anvil.SendTransactionAsync(anvil.DevAccounts[0], anvil.DevAccounts[1], []);
        var hash = Bytes32.Parse(receipt.GetProperty("transactionHash").GetString());
        var unknown = Bytes32.From(Enumerable.Repeat((byte)0x77, 32).ToArray());
        var nonce = await rig.Rpc.GetTransactionCountAsync(Address.Parse(anvil.DevAccounts[0]));

        await rig.CheckAsync(unknown, hash);
        Assert.Empty(rig.Harness.Published.Held<ValidatorsRegistered>());
        Assert.Empty(rig.Harness.Published.Held<RegistrationFailed>());

        await anvil.RequestAsync("anvil_mine", "0x1");
        await rig.CheckAsync(unknown, hash);

        var registered = Assert.Single(rig.Harness.Published.Held<ValidatorsRegistered>()).Context.Message;
        Assert.Equal((rig.BatchId, hash, AnvilNode.Quantity(receipt.GetProperty("blockNumber").GetString()!)),
            (registered.BatchId, registered.TransactionHash, registered.BlockNumber));
        Assert.Equal(rig.Validators.Select(v => v.PublicKey), registered.Validators);
        Assert.Empty(rig.Harness.Published.Held<RegistrationFailed>());
        Assert.Equal(nonce, await rig.Rpc.GetTransactionCountAsync(Address.Parse(anvil.DevAccounts[0])));
    }

    [Fact]
    public async Task Reverted_transaction_fails_the_batch_with_its_hash_and_block()
    {
        await using var rig = await Rig.StartAsync(anvil, confirmations: 1);
        // A contract creation whose init code reverts (PUSH1 0 PUSH1 0 REVERT), mined with status 0 thanks to an explicit gas limit.
        var hashText = (await anvil.RequestAsync("eth_sendTransaction", new { from = anvil.DevAccounts[2], data = "0x60006000fd", gas = "0x30000" })).GetString()!;
        var hash = Bytes32.Parse(hashText);
        TransactionReceipt? mined = null;
        for (var i = 0; i < 200 && (mined = await rig.Rpc.GetTransactionReceiptAsync(hash)) is null; i++) await Task.Delay(25);
        Assert.False(Assert.IsType<TransactionReceipt>(mined).Succeeded);

        await rig.CheckAsync(hash);

        var failed = Assert.Single(rig.Harness.Published.Held<RegistrationFailed>()).Context.Message;
        Assert.Equal((rig.BatchId, "transaction", $"transaction {hash} reverted in block {mined!.BlockNumber}"), (failed.BatchId, failed.Stage, failed.Reason));
        Assert.Empty(rig.Harness.Published.Held<ValidatorsRegistered>());
    }

    [Fact]
    public async Task A_transaction_recorded_before_its_broadcast_is_found_though_the_saga_never_heard_of_it()
    {
        await using var rig = await Rig.StartAsync(anvil, confirmations: 1);
        using var key = EthPrivateKey.FromBytes(Hex.Decode(anvil.DevPrivateKeys[3]));
        var store = new RegistrationTransactionStore(rig.Db);
        var (attempt, recorded) = await store.RecordFirstAsync(rig.BatchId, key.Address,
            ct => rig.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Pending, ct),
            nonce => new Eip1559Transaction(31337, nonce, 1_000_000_000, 10_000_000_000, 21_000, Address.Parse(anvil.DevAccounts[4]),
                System.Numerics.BigInteger.Zero, []).Sign(key), CancellationToken.None);
        Assert.True(recorded);
        await rig.Rpc.SendRawTransactionAsync(attempt.Transaction.Raw);
        var mined = await rig.Rpc.WaitForReceiptAsync(attempt.Hash, 1);

        await rig.CheckAsync();

        var registered = Assert.Single(rig.Harness.Published.Held<ValidatorsRegistered>()).Context.Message;
        Assert.Equal((rig.BatchId, attempt.Hash, mined.BlockNumber), (registered.BatchId, registered.TransactionHash, registered.BlockNumber));
    }

    /// <summary>
    /// An attempt given up because its nonce looked used by another transaction (a node behind the others answered
    /// the receipt) is still looked at: it may be the one mined. A revert already handled is not looked at again, but
    /// the saga still naming it means that the event sending the batch back never reached it: the revert is marked
    /// before that event goes out, and a crash or a failed publish in between loses it. With nothing of the batch in
    /// flight and its approvals stale, the event goes out again; else the saga would wait for a receipt that never
    /// comes and fail the batch. A transaction in flight is left to the next check: its receipt decides.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_abandoned_attempt_mined_after_all_registers_the_batch_and_a_handled_revert_the_saga_still_names_sends_it_back_again(
        bool indexesMoved)
    {
        await using var rig = await Rig.StartAsync(anvil, confirmations: 1);
        using var key = EthPrivateKey.FromBytes(Hex.Decode(anvil.DevPrivateKeys[5]));
        var store = new RegistrationTransactionStore(rig.Db);
        // A contract creation whose init code reverts (PUSH1 0 PUSH1 0 REVERT), with an explicit gas limit.
        var reverted = await SendRecordedAsync(rig, store, key, to: null, Hex.Decode("60006000fd"), 0x30000);
        Assert.False((await rig.Rpc.WaitForReceiptAsync(reverted.Hash, 1)).Succeeded);
        // Stale approvals: other deposits moved the next index, or (the index unchanged) their deadline passed.
        var next = rig.NextIndex.Next;
        var approvedAt = indexesMoved ? next + 5 : next;
        await rig.Approvals.SaveAsync(rig.BatchId, new StoredApprovals(approvedAt, Bytes32.From(new byte[32]), 1, "bafy", []), CancellationToken.None);
        await store.MarkRevertedAsync(rig.BatchId, reverted.Hash, CancellationToken.None);

        await rig.CheckAsync(reverted.Hash);

        if (indexesMoved)
        {
            var changed = Assert.Single(rig.Harness.Published.Held<ValidatorIndexesChanged>()).Context.Message;
            Assert.Equal((rig.BatchId, approvedAt, next), (changed.BatchId, changed.PreviousStartIndex, changed.StartIndex));
            Assert.Equal([reverted.Hash], changed.RevertedTransactions);
            Assert.Empty(rig.Harness.Published.Held<OracleApprovalsExpired>());
        }
        else
        {
            var expired = Assert.Single(rig.Harness.Published.Held<OracleApprovalsExpired>()).Context.Message;
            Assert.Equal((rig.BatchId, "the approval deadline passed"), (expired.BatchId, expired.Reason));
            Assert.Equal([reverted.Hash], expired.RevertedTransactions);
            Assert.Empty(rig.Harness.Published.Held<ValidatorIndexesChanged>());
        }
        Assert.Empty(rig.Harness.Published.Held<RegistrationFailed>());
        Assert.Empty(rig.Harness.Published.Held<ValidatorsRegistered>());

        // Recorded and not yet broadcast: the batch has a transaction in flight, so nothing sends it back again.
        var abandoned = await RecordAsync(rig, store, key, Address.Parse(anvil.DevAccounts[4]), [], 21_000);
        await rig.CheckAsync(reverted.Hash);
        Assert.Equal(1, rig.Harness.Published.Held<OracleApprovalsExpired>().Count() + rig.Harness.Published.Held<ValidatorIndexesChanged>().Count());

        await rig.Rpc.SendRawTransactionAsync(abandoned.Transaction.Raw);
        var mined = await rig.Rpc.WaitForReceiptAsync(abandoned.Hash, 1);
        await store.AbandonAsync(rig.BatchId, abandoned.Nonce, CancellationToken.None);
        Assert.Empty(await store.LiveAsync(rig.BatchId, CancellationToken.None));

        await rig.CheckAsync(reverted.Hash);

        var registered = Assert.Single(rig.Harness.Published.Held<ValidatorsRegistered>()).Context.Message;
        Assert.Equal((rig.BatchId, abandoned.Hash, mined.BlockNumber), (registered.BatchId, registered.TransactionHash, registered.BlockNumber));
        Assert.Empty(rig.Harness.Published.Held<RegistrationFailed>());
    }

    private static async Task<RegistrationAttempt> SendRecordedAsync(
        Rig rig, RegistrationTransactionStore store, EthPrivateKey key, Address? to, byte[] data, ulong gas)
    {
        var attempt = await RecordAsync(rig, store, key, to, data, gas);
        await rig.Rpc.SendRawTransactionAsync(attempt.Transaction.Raw);
        return attempt;
    }

    /// <summary>Records the batch's transaction for the key's next nonce, as the submission does before its broadcast.</summary>
    private static async Task<RegistrationAttempt> RecordAsync(
        Rig rig, RegistrationTransactionStore store, EthPrivateKey key, Address? to, byte[] data, ulong gas)
    {
        var (attempt, recorded) = await store.RecordFirstAsync(rig.BatchId, key.Address,
            ct => rig.Rpc.GetTransactionCountAsync(key.Address, BlockTag.Pending, ct),
            nonce => new Eip1559Transaction(31337, nonce, 1_000_000_000, 10_000_000_000, gas, to, System.Numerics.BigInteger.Zero, data).Sign(key),
            CancellationToken.None);
        Assert.True(recorded);
        return attempt;
    }

    [Fact]
    public async Task A_failed_batch_becomes_registered_once_keeping_its_earlier_failure_and_only_if_it_had_failed()
    {
        await using var rig = await Rig.StartAsync(anvil, confirmations: 1);
        var hash = Bytes32.From(Enumerable.Repeat((byte)0x42, 32).ToArray());
        Assert.False(await rig.Batches.RegisteredAfterFailureAsync(rig.BatchId, hash, 9, CancellationToken.None));
        await rig.Batches.FinishAsync(rig.BatchId, BatchStates.Failed, CancellationToken.None, failure: "transaction: no confirmed receipt");

        Assert.True(await rig.Batches.RegisteredAfterFailureAsync(rig.BatchId, hash, 9, CancellationToken.None));
        Assert.False(await rig.Batches.RegisteredAfterFailureAsync(rig.BatchId, hash, 9, CancellationToken.None));

        var view = Assert.Single(await rig.Batches.ListAsync(10, CancellationToken.None));
        Assert.Equal((BatchStates.Registered, hash.ToString(), 9L), (view.State, view.TransactionHash, view.BlockNumber ?? -1));
        Assert.Equal($"registered by {hash} after it had failed (transaction: no confirmed receipt)", view.Failure);
    }

    private sealed class Rig : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;

        private Rig(ServiceProvider provider, Guid batchId, IReadOnlyList<DepositValidator> validators, EthRpcClient rpc)
        {
            _provider = provider;
            Harness = provider.GetRequiredService<ITestHarness>();
            BatchId = batchId;
            Validators = validators;
            Rpc = rpc;
        }

        public ITestHarness Harness { get; }
        public Guid BatchId { get; }
        public IReadOnlyList<DepositValidator> Validators { get; }
        public EthRpcClient Rpc { get; }
        public NpgsqlDataSource Db => _provider.GetRequiredService<NpgsqlDataSource>();
        public BatchStore Batches => _provider.GetRequiredService<BatchStore>();
        public ApprovalStore Approvals => _provider.GetRequiredService<ApprovalStore>();
        /// <summary>The next validator index the consumer reads: this anvil has no deposit contract to count from.</summary>
        public SagaRig.Indexes NextIndex => _provider.GetRequiredService<SagaRig.Indexes>();

        public static async Task<Rig> StartAsync(AnvilNode anvil, int confirmations)
        {
            var db = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("operator_check"));
            await new PostgresMigrator(db, OperatorRegistration.Schema, PostgresMigrator.FromAssembly(typeof(OperatorOptions).Assembly)).MigrateAsync();
            var validators = new[] { "check-v0", "check-v1" }.Select(l => DepositFiles.Entry(IntakeRig.Network, IntakeRig.Vault, l)).ToList();
            var sha = System.Security.Cryptography.SHA256.HashData(Guid.NewGuid().ToByteArray());
            await using (var connection = await db.OpenConnectionAsync())
            await using (var tx = await connection.BeginTransactionAsync())
            {
                await connection.ExecuteAsync(
                    "INSERT INTO operator.deposit_files (sha256, file_name, stored_name, state) VALUES (@sha, 'check.json', 'check.json', 'processing')",
                    new { sha }, tx);
                await BatchStore.InsertAsync(connection, tx, sha, [validators], CancellationToken.None);
                await tx.CommitAsync();
            }
            var rpc = new EthRpcClient(new HttpClient(), anvil.Uri);
            var services = new ServiceCollection();
            services.AddMetrics();
            services.AddSingleton(db);
            services.AddSingleton(rpc);
            services.AddSingleton<OperatorMetrics>();
            services.AddSingleton<BatchStore>();
            services.AddSingleton<RegistrationTransactionStore>();
            // What a reverted receipt is read with (a batch without approvals fails), and what the batch is sent back with.
            services.AddSingleton(IntakeRig.Network);
            services.AddSingleton(new RegistrationTarget(IntakeRig.Vault, IntakeRig.Vault));
            services.AddSingleton<VaultChain>();
            services.AddSingleton<ApprovalStore>();
            services.AddSingleton(sp => new DepositIndex(db, rpc, IntakeRig.Network, "operator", 0, 1000));
            services.AddSingleton<SagaRig.Indexes>();
            services.AddSingleton<IValidatorIndexSource>(sp => sp.GetRequiredService<SagaRig.Indexes>());
            services.AddSingleton<RegistrationOutcome>();
            services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new OperatorOptions { Confirmations = confirmations }));
            services.AddMassTransitTestHarness(bus => bus.AddConsumer<CheckRegistrationReceiptConsumer>());
            var provider = services.BuildServiceProvider(true);
            var rig = new Rig(provider, BatchStore.IdFor(sha, 0), validators, rpc);
            await rig.Harness.Start();
            return rig;
        }

        /// <summary>Asks for the look and waits until the consumer has finished with it.</summary>
        public async Task CheckAsync(params Bytes32[] hashes)
        {
            var consumer = Harness.GetConsumerHarness<CheckRegistrationReceiptConsumer>();
            var before = consumer.Consumed.Held<CheckRegistrationReceipt>().Count();
            await Harness.Bus.Publish(new CheckRegistrationReceipt { BatchId = BatchId, TransactionHashes = hashes });
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (consumer.Consumed.Held<CheckRegistrationReceipt>().Count() == before)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the check was not consumed");
                await Task.Delay(20);
            }
            await Harness.InactivityTask;
            Assert.Empty(Harness.Published.Held<Fault>());
        }

        public async ValueTask DisposeAsync()
        {
            await Harness.Stop();
            var db = _provider.GetRequiredService<NpgsqlDataSource>();
            await _provider.DisposeAsync();
            await db.DisposeAsync();
        }
    }
}
