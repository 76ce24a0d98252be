using Dapper;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Transactions;
using DvtBus.Hosting;
using DvtBus.Operator.Batches;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Npgsql;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// How <see cref="RegistrationTransactionStore"/> numbers the transactions it records: nonces across open batches of one
/// sender, and attempts within a batch. Store level, in the operator's PostgreSQL schema; nothing goes to a node.
/// </summary>
public sealed class RegistrationTransactionStoreTests
{
    private static readonly Address To = Address.Parse("0x00000000000000000000000000000000000000aa");

    /// <summary>
    /// Batch b recorded nonce 5 and batch a, seeing it held, nonce 6; then the node refused b's transaction. The node's
    /// pending count stays 5 (a's 6 waits behind the gap), so b's next transaction must take 5 again: above every held
    /// nonce, it would leave 5 unused and a's transaction, and every later one, waiting forever.
    /// </summary>
    [Fact]
    public async Task A_nonce_given_up_by_a_refusal_is_taken_again_before_the_ones_above_it()
    {
        var (store, batches) = await StoreAsync(3);
        using var key = DevnetDeployment.Key("store-nonce-sender");
        const ulong pending = 5;

        var b = await RecordFirstAsync(store, batches[0], key, pending);
        var a = await RecordFirstAsync(store, batches[1], key, pending);
        Assert.Equal((5UL, 6UL), (b.Nonce, a.Nonce));

        await store.RefusedAsync(b, CancellationToken.None);
        var again = await RecordFirstAsync(store, batches[0], key, pending, fee: 2);
        Assert.Equal(5UL, again.Nonce);
        // A third batch goes past both held nonces.
        Assert.Equal(7UL, (await RecordFirstAsync(store, batches[2], key, pending)).Nonce);
    }

    /// <summary>
    /// A replacement the node refused is abandoned; the next replacement (other fees, so another hash) must be recorded
    /// with a number of its own, not the refused one's again.
    /// </summary>
    [Fact]
    public async Task A_replacement_after_a_refused_one_gets_the_next_attempt_number()
    {
        var (store, batches) = await StoreAsync(1);
        using var key = DevnetDeployment.Key("store-attempt-sender");
        var first = await RecordFirstAsync(store, batches[0], key, 0);

        var (refused, recorded) = await store.RecordReplacementAsync(first, Sign(key, 0, fee: 2), key.Address, CancellationToken.None);
        Assert.True(recorded);
        await store.RefusedAsync(refused, CancellationToken.None);
        var (replacement, recordedAgain) = await store.RecordReplacementAsync(first, Sign(key, 0, fee: 3), key.Address, CancellationToken.None);

        Assert.True(recordedAgain);
        Assert.Equal((0, 1, 2), (first.Attempt, refused.Attempt, replacement.Attempt));
        Assert.Equal([first.Hash, replacement.Hash], (await store.LiveAsync(batches[0], CancellationToken.None)).Select(l => l.Hash));
    }

    private static async Task<RegistrationAttempt> RecordFirstAsync(RegistrationTransactionStore store, Guid batch, EthPrivateKey key, ulong pending, int fee = 1)
    {
        var (attempt, recorded) = await store.RecordFirstAsync(batch, key.Address, _ => Task.FromResult(pending), nonce => Sign(key, nonce, fee), CancellationToken.None);
        Assert.True(recorded);
        return attempt;
    }

    private static SignedEip1559Transaction Sign(EthPrivateKey key, ulong nonce, int fee) =>
        new Eip1559Transaction(31337, nonce, 1_000_000_000, fee * 10_000_000_000L, 21_000, To, System.Numerics.BigInteger.Zero, []).Sign(key);

    /// <summary>A migrated operator schema with one file of <paramref name="count"/> open batches.</summary>
    private static async Task<(RegistrationTransactionStore Store, IReadOnlyList<Guid> Batches)> StoreAsync(int count)
    {
        var db = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("operator_store"));
        await new PostgresMigrator(db, OperatorRegistration.Schema, PostgresMigrator.FromAssembly(typeof(OperatorOptions).Assembly)).MigrateAsync();
        var sha = System.Security.Cryptography.SHA256.HashData(Guid.NewGuid().ToByteArray());
        var groups = Enumerable.Range(0, count)
            .Select(i => (IReadOnlyList<Crypto.Deposits.DepositValidator>)[DepositFiles.Entry(IntakeRig.Network, IntakeRig.Vault, $"store-v{i}")]).ToList();
        await using (var connection = await db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO operator.deposit_files (sha256, file_name, stored_name, state) VALUES (@sha, 'store.json', 'store.json', 'processing')",
                new { sha }, tx);
            await BatchStore.InsertAsync(connection, tx, sha, groups, CancellationToken.None);
            await tx.CommitAsync();
        }
        return (new RegistrationTransactionStore(db), Enumerable.Range(0, count).Select(i => BatchStore.IdFor(sha, i)).ToList());
    }
}
