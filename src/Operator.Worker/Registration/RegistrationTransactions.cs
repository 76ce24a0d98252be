using System.Buffers.Binary;
using System.Numerics;
using Dapper;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.Transactions;
using DvtBus.Primitives;
using Npgsql;

namespace DvtBus.Operator.Registration;

/// <summary>One signed registerValidators transaction of a batch, as recorded before it was broadcast.</summary>
public sealed record RegistrationAttempt(Guid BatchId, int Attempt, SignedEip1559Transaction Transaction)
{
    public Bytes32 Hash => Transaction.Hash;
    public ulong Nonce => Transaction.Transaction.Nonce;
}

/// <summary>
/// <c>operator.registration_transactions</c>: every transaction a batch signed, written before it goes
/// to the node, so that whoever handles the batch next (a redelivery, a retry after a crash, a second
/// operator process) waits for it or replaces it instead of registering the validators a second time.
/// </summary>
public sealed class RegistrationTransactionStore(NpgsqlDataSource db) : ISentRegistrations
{
    /// <summary>The batch's attempts that still hold their nonce, oldest first (the last is the one to wait for or replace).</summary>
    public async Task<IReadOnlyList<RegistrationAttempt>> LiveAsync(Guid batchId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await LiveAsync(connection, null, batchId, ct);
    }

    /// <summary>
    /// Every transaction the batch recorded, abandoned ones too, oldest first; not those whose revert was already
    /// handled (<see cref="MarkRevertedAsync"/>). "Is one of them mined?" reads these: an attempt abandoned because
    /// its nonce looked used by another transaction may have been the one mined, seen late by a node behind the others.
    /// </summary>
    public async Task<IReadOnlyList<RegistrationAttempt>> RecordedAsync(Guid batchId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT attempt, raw FROM operator.registration_transactions WHERE batch_id = @batchId AND reverted_at IS NULL ORDER BY attempt",
            new { batchId }, cancellationToken: ct));
        return rows.Select(r => new RegistrationAttempt(batchId, r.Attempt, SignedEip1559Transaction.Decode(r.Raw))).ToList();
    }

    /// <summary>
    /// Records the batch's first transaction for a fresh nonce, unless the batch already has a live attempt:
    /// then nothing is recorded and that attempt comes back (Recorded false) for the caller to wait on.
    /// Under a lock per sender the nonce is the lowest from the node's pending count up that no other open batch holds
    /// (recorded, maybe not yet broadcast): one given up (refused by the node) is taken again, or every later
    /// transaction of the account would wait behind its gap; <paramref name="sign"/> makes the transaction for it.
    /// </summary>
    public async Task<(RegistrationAttempt Attempt, bool Recorded)> RecordFirstAsync(
        Guid batchId, Address sender, Func<CancellationToken, Task<ulong>> pendingNonce, Func<ulong, SignedEip1559Transaction> sign, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(@key)", new { key = NonceLockKey(sender) }, tx, cancellationToken: ct));
        await LockBatchAsync(connection, tx, batchId, ct);
        var live = await LiveAsync(connection, tx, batchId, ct);
        if (live.Count > 0) return (live[^1], false);

        var pending = await pendingNonce(ct);
        var held = (await connection.QueryAsync<long>(new CommandDefinition(
            """
            SELECT DISTINCT t.nonce FROM operator.registration_transactions t JOIN operator.batches b ON b.id = t.batch_id
            WHERE t.sender = @sender AND t.abandoned_at IS NULL AND b.finished_at IS NULL AND t.batch_id <> @batchId AND t.nonce >= @pending
            """, new { sender = sender.ToArray(), batchId, pending = (long)pending }, tx, cancellationToken: ct))).Select(n => (ulong)n).ToHashSet();
        var nonce = pending;
        while (held.Contains(nonce)) nonce++;
        var attempt = new RegistrationAttempt(batchId, await NextAttemptAsync(connection, tx, batchId, ct), sign(nonce));
        await InsertAsync(connection, tx, attempt, sender, ct);
        await tx.CommitAsync(ct);
        return (attempt, true);
    }

    /// <summary>
    /// Records <paramref name="replacement"/> (same nonce, higher fees) after <paramref name="previous"/>, unless
    /// someone replaced or abandoned <paramref name="previous"/> first: then the batch's newest live attempt comes back (Recorded false).
    /// </summary>
    public async Task<(RegistrationAttempt Attempt, bool Recorded)> RecordReplacementAsync(
        RegistrationAttempt previous, SignedEip1559Transaction replacement, Address sender, CancellationToken ct)
    {
        if (replacement.Transaction.Nonce != previous.Nonce) throw new ArgumentException("a replacement keeps the nonce", nameof(replacement));
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LockBatchAsync(connection, tx, previous.BatchId, ct);
        var live = await LiveAsync(connection, tx, previous.BatchId, ct);
        if (live.Count == 0 || live[^1].Attempt != previous.Attempt)
            return (live.Count > 0 ? live[^1] : previous, false);
        // Numbered after every attempt of the batch, refused replacements too: the number is unique per batch.
        var attempt = new RegistrationAttempt(previous.BatchId, await NextAttemptAsync(connection, tx, previous.BatchId, ct), replacement);
        await InsertAsync(connection, tx, attempt, sender, ct);
        await tx.CommitAsync(ct);
        return (attempt, true);
    }

    /// <summary>
    /// The attempt is going to the node: from now on it may be mined whatever becomes of the submission that sends it.
    /// True when it was marked before (an earlier broadcast the node took, or that got no answer).
    /// </summary>
    public async Task<bool> MarkSentAsync(RegistrationAttempt attempt, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            UPDATE operator.registration_transactions t SET sent_at = COALESCE(t.sent_at, now())
            FROM (SELECT sent_at FROM operator.registration_transactions WHERE tx_hash = @hash) before
            WHERE t.tx_hash = @hash
            RETURNING before.sent_at IS NOT NULL
            """, new { hash = attempt.Hash.ToArray() }, cancellationToken: ct));
    }

    /// <summary>
    /// The node refused an attempt that no node had before: it is in no pool and will never be mined, so it is
    /// abandoned and its nonce no longer held (a retry prices and signs anew, and another batch may take the nonce).
    /// </summary>
    public Task RefusedAsync(RegistrationAttempt attempt, CancellationToken ct) => ExecuteAsync(
        "UPDATE operator.registration_transactions SET sent_at = NULL, abandoned_at = COALESCE(abandoned_at, now()) WHERE tx_hash = @hash",
        new { hash = attempt.Hash.ToArray() }, ct);

    /// <summary>The hashes of the batch's live attempts that were sent (<see cref="MarkSentAsync"/>), oldest first: any of them may be mined.</summary>
    public async Task<IReadOnlyList<Bytes32>> SentAsync(Guid batchId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var hashes = await connection.QueryAsync<byte[]>(new CommandDefinition(
            "SELECT tx_hash FROM operator.registration_transactions WHERE batch_id = @batchId AND abandoned_at IS NULL AND sent_at IS NOT NULL ORDER BY attempt",
            new { batchId }, cancellationToken: ct));
        return hashes.Select(h => Bytes32.From(h)).ToList();
    }

    /// <summary>The batch's live attempts lost their nonce to a transaction that is none of them: the next send takes a fresh nonce.</summary>
    public Task AbandonAsync(Guid batchId, ulong nonce, CancellationToken ct) => ExecuteAsync(
        "UPDATE operator.registration_transactions SET abandoned_at = now() WHERE batch_id = @batchId AND nonce = @nonce AND abandoned_at IS NULL",
        new { batchId, nonce = (long)nonce }, ct);

    /// <summary>
    /// The batch's mined <paramref name="hash"/> reverted because its approvals had gone stale: every attempt of its
    /// nonce is done with (abandoned and marked reverted), and the batch starts over with new approvals and a new nonce.
    /// </summary>
    public Task MarkRevertedAsync(Guid batchId, Bytes32 hash, CancellationToken ct) => ExecuteAsync(
        """
        UPDATE operator.registration_transactions SET reverted_at = now(), abandoned_at = COALESCE(abandoned_at, now())
        WHERE batch_id = @batchId AND reverted_at IS NULL
          AND nonce = (SELECT nonce FROM operator.registration_transactions WHERE tx_hash = @hash AND batch_id = @batchId)
        """, new { batchId, hash = hash.ToArray() }, ct);

    /// <summary>The batch's attempts marked by <see cref="MarkRevertedAsync"/>, oldest first.</summary>
    public async Task<IReadOnlyList<Bytes32>> RevertedAsync(Guid batchId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var hashes = await connection.QueryAsync<byte[]>(new CommandDefinition(
            "SELECT tx_hash FROM operator.registration_transactions WHERE batch_id = @batchId AND reverted_at IS NOT NULL ORDER BY attempt",
            new { batchId }, cancellationToken: ct));
        return hashes.Select(h => Bytes32.From(h)).ToList();
    }

    private async Task ExecuteAsync(string sql, object args, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(sql, args, cancellationToken: ct));
    }

    private static async Task<IReadOnlyList<RegistrationAttempt>> LiveAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid batchId, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT attempt, raw FROM operator.registration_transactions WHERE batch_id = @batchId AND abandoned_at IS NULL ORDER BY attempt",
            new { batchId }, tx, cancellationToken: ct));
        return rows.Select(r => new RegistrationAttempt(batchId, r.Attempt, SignedEip1559Transaction.Decode(r.Raw))).ToList();
    }

    private static Task<int> NextAttemptAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid batchId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COALESCE(max(attempt) + 1, 0) FROM operator.registration_transactions WHERE batch_id = @batchId",
            new { batchId }, tx, cancellationToken: ct));

    private static async Task LockBatchAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid batchId, CancellationToken ct)
    {
        var found = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM operator.batches WHERE id = @batchId FOR UPDATE", new { batchId }, tx, cancellationToken: ct));
        if (found is null) throw new InvalidOperationException($"batch {batchId} is not known");
    }

    /// <summary>
    /// Records the attempt. Signing again what the node refused before (same nonce, fees and payload) gives the same
    /// hash: that abandoned row becomes the new attempt again.
    /// </summary>
    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RegistrationAttempt attempt, Address sender, CancellationToken ct)
    {
        var t = attempt.Transaction.Transaction;
        var written = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO operator.registration_transactions
                (tx_hash, batch_id, attempt, sender, nonce, max_fee_per_gas, max_priority_fee_per_gas, gas_limit, raw)
            VALUES (@hash, @batchId, @attempt, @sender, @nonce, @maxFee, @tip, @gas, @raw)
            ON CONFLICT (tx_hash) DO UPDATE SET attempt = EXCLUDED.attempt, abandoned_at = NULL, sent_at = NULL, recorded_at = now()
            WHERE registration_transactions.batch_id = EXCLUDED.batch_id AND registration_transactions.abandoned_at IS NOT NULL
              AND registration_transactions.reverted_at IS NULL
            """,
            new
            {
                hash = attempt.Hash.ToArray(), attempt.BatchId, attempt = attempt.Attempt, sender = sender.ToArray(), nonce = (long)t.Nonce,
                maxFee = (decimal)t.MaxFeePerGas, tip = (decimal)t.MaxPriorityFeePerGas, gas = (long)t.GasLimit, raw = attempt.Transaction.Raw,
            }, tx, cancellationToken: ct));
        if (written != 1) throw new InvalidOperationException($"transaction {attempt.Hash} is already recorded and not one the node refused");
    }

    private static long NonceLockKey(Address sender) =>
        BinaryPrimitives.ReadInt64BigEndian(sender.Span[..8]) ^ 0x6e6f6e6365; // "nonce": apart from other advisory locks on the same bytes

    private sealed record Row(int Attempt, byte[] Raw);
}

/// <summary>What the node said to a broadcast.</summary>
public enum BroadcastResult
{
    /// <summary>Accepted now, or it already held exactly these bytes (a repeat).</summary>
    Accepted,

    /// <summary>The nonce is already used on chain: by this transaction or another of the same nonce, mined, or by a transaction that is not ours.</summary>
    NonceUsed,
}

/// <summary>
/// Signs the validators manager's registerValidators transactions, records each in
/// <see cref="RegistrationTransactionStore"/> and only then broadcasts it. Gas is the node's estimate
/// plus 20 %, the fees what <see cref="TransactionSender.MarketFeesAsync"/> says the market asks; a
/// replacement raises both fees by 15 % (<see cref="TransactionSender.Bump"/>) and never below what the market asks now. No fee
/// ever passes <paramref name="maxFeePerGas"/>: the first max fee is capped to it, and a replacement that
/// would pass it is not made.
/// </summary>
public sealed class RegistrationSender(EthRpcClient rpc, ManagerKey manager, ulong chainId, RegistrationTransactionStore store, BigInteger maxFeePerGas)
{
    private const int GasHeadroomPercent = 20;
    private const int ReplacementBumpPercent = 15;

    public Address Account => manager.Key.Address;

    public Task<IReadOnlyList<RegistrationAttempt>> AttemptsAsync(Guid batchId, CancellationToken ct) => store.LiveAsync(batchId, ct);

    /// <summary>
    /// Estimates (a call that would revert throws <see cref="RpcException"/> here, before anything is
    /// recorded), signs and records the batch's transaction; or returns the attempt the batch already has.
    /// </summary>
    public async Task<(RegistrationAttempt Attempt, bool Recorded)> PrepareAsync(Guid batchId, Address to, byte[] data, CancellationToken ct)
    {
        var estimate = await rpc.EstimateGasAsync(new CallRequest(to, data, Account), ct);
        var gas = estimate + estimate * GasHeadroomPercent / 100;
        var (marketTip, marketMax) = await TransactionSender.MarketFeesAsync(rpc, ct);
        var maxFee = BigInteger.Min(marketMax, maxFeePerGas);
        var tip = BigInteger.Min(marketTip, maxFee);
        return await store.RecordFirstAsync(batchId, Account,
            c => rpc.GetTransactionCountAsync(Account, BlockTag.Pending, c),
            nonce => new Eip1559Transaction(chainId, nonce, tip, maxFee, gas, to, BigInteger.Zero, data).Sign(manager.Key), ct);
    }

    /// <summary>
    /// Signs and records the replacement of a stuck attempt: same nonce and payload, higher fees; null when
    /// the raised fees would pass the cap (nodes refuse a replacement that raises them less).
    /// </summary>
    public async Task<(RegistrationAttempt Attempt, bool Recorded)?> PrepareReplacementAsync(RegistrationAttempt stuck, CancellationToken ct)
    {
        var old = stuck.Transaction.Transaction;
        if (Bump(old.MaxFeePerGas) > maxFeePerGas) return null;
        var (marketTip, marketMax) = await TransactionSender.MarketFeesAsync(rpc, ct);
        var maxFee = BigInteger.Min(BigInteger.Max(Bump(old.MaxFeePerGas), marketMax), maxFeePerGas);
        var tip = BigInteger.Min(BigInteger.Max(Bump(old.MaxPriorityFeePerGas), marketTip), maxFee);
        var replacement = (old with { MaxPriorityFeePerGas = tip, MaxFeePerGas = maxFee }).Sign(manager.Key);
        return await store.RecordReplacementAsync(stuck, replacement, Account, ct);
    }

    /// <summary>
    /// Sends a recorded attempt; sending it again is harmless. The attempt is marked sent before it goes out,
    /// like the record itself, so that no crash or database outage after the node took it can hide that it may
    /// be mined. No answer at all leaves it marked: the bytes may have reached the node before the connection
    /// failed. A refusal of an attempt never sent before abandons it (<see cref="RegistrationTransactionStore.RefusedAsync"/>);
    /// one sent before keeps its mark, since a node may still hold it.
    /// </summary>
    public async Task<BroadcastResult> BroadcastAsync(RegistrationAttempt attempt, CancellationToken ct)
    {
        var sentBefore = await store.MarkSentAsync(attempt, ct);
        try
        {
            var hash = await rpc.SendRawTransactionAsync(attempt.Transaction.Raw, ct);
            if (hash != attempt.Hash) throw new InvalidOperationException($"node reported transaction hash {hash}, expected {attempt.Hash}");
            return BroadcastResult.Accepted;
        }
        catch (RpcException e) when (e.IsAlreadyKnown)
        {
            return BroadcastResult.Accepted;
        }
        catch (RpcException e) when (e.IsNonceTooLow)
        {
            return BroadcastResult.NonceUsed;
        }
        catch (RpcException)
        {
            if (!sentBefore) await store.RefusedAsync(attempt, CancellationToken.None);
            throw;
        }
    }

    /// <summary>How many transactions of the manager account are mined: a nonce below it is used.</summary>
    public Task<ulong> MinedNonceAsync(CancellationToken ct) => rpc.GetTransactionCountAsync(Account, BlockTag.Latest, ct);

    public Task AbandonAsync(RegistrationAttempt attempt, CancellationToken ct) => store.AbandonAsync(attempt.BatchId, attempt.Nonce, ct);

    private static BigInteger Bump(BigInteger fee) => TransactionSender.Bump(fee, ReplacementBumpPercent);
}
