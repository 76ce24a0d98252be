using System.Buffers.Binary;
using System.Globalization;
using Dapper;
using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Abi;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Hosting;
using DvtBus.Primitives;
using Npgsql;

namespace DvtBus.Deposits;

/// <summary>
/// The network's deposits as the deposit contract logged them, cached in the daemon's schema (<c>deposit_events</c>;
/// <c>deposit_validators</c>, one row per validator they make, kept with them; <c>deposit_scan</c>, where the scan
/// resumes; each daemon's migrations create them).
/// The next validator index is the number of distinct public keys with a valid deposit signature: a
/// deposit whose signature does not verify never becomes a validator, and a top-up adds none. On a network whose
/// genesis state holds validators the contract never logged, their number comes first
/// (<see cref="Network.UnloggedGenesisValidators"/>).
/// <para>
/// Every pass reads the last <see cref="ReorgDepth"/> blocks again and replaces what it stored for them, so a
/// reorg (a deposit dropped, or another one in its place) is undone within that depth. Each pass then checks the
/// stored deposits against the contract's own count: their indexes must run without a gap up to
/// <c>get_deposit_count()</c> at the block read. A gap (logs a node left out, a reorg deeper than that) rewinds the
/// scan to it and fails the pass with the reason, keeping nothing else it read; the next pass reads from there.
/// </para>
/// </summary>
public sealed class DepositIndex(NpgsqlDataSource db, EthRpcClient rpc, Network network, string schema, ulong startBlock, ulong chunkSize)
{
    private readonly string _schema = PostgresMigrator.PlainSchema(schema);

    /// <summary>Blocks read again on every pass: two epochs, past which mainnet finalizes.</summary>
    public const ulong ReorgDepth = 64;

    private static readonly AbiFunction GetDepositCount = AbiFunction.Parse("get_deposit_count()", "(bytes)");

    private readonly SemaphoreSlim _sync = new(1, 1);
    private long _lastSyncTicks;

    /// <summary>When this process last finished a pass without error (null before the first): how current the index is.</summary>
    public DateTimeOffset? LastSyncedAt => Interlocked.Read(ref _lastSyncTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>Why the last pass failed, when it did (null once one succeeds).</summary>
    public string? LastFailure { get; private set; }

    /// <summary>Reads the logs from <see cref="ReorgDepth"/> blocks before where the last scan stopped up to the latest block; returns that block.</summary>
    public async Task<ulong> SyncAsync(CancellationToken ct)
    {
        await _sync.WaitAsync(ct);
        try
        {
            var (latest, behind) = await PassAsync(ct);
            if (behind is not null)
            {
                // Not an error to raise (a node behind a load balancer lags a block now and then), but not a read either:
                // the index stays as current as the last pass made it, and says why if that lasts.
                LastFailure = behind;
                return latest;
            }
            Interlocked.Exchange(ref _lastSyncTicks, DateTimeOffset.UtcNow.UtcTicks);
            LastFailure = null;
            return latest;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LastFailure = e.Message;
            throw;
        }
        finally
        {
            _sync.Release();
        }
    }

    // No connection is held while the node is asked or signatures are checked (a first scan of a long-lived network
    // reads and checks every deposit), and the transaction holds only the writes and the checks against the count.
    // A node behind the blocks already read (one behind a load balancer, or a pass of another process that read a
    // later head and committed first) changes nothing: its shorter view would delete deposits already stored above
    // its head and move the next index back. Then the pass returns the block the index is read to, and why it kept it.
    private async Task<(ulong Latest, string? Behind)> PassAsync(CancellationToken ct)
    {
        var latest = await rpc.BlockNumberAsync(ct);
        ulong from;
        Dictionary<(long, Bytes32), bool> known;
        await using (var reading = await db.OpenConnectionAsync(ct))
        {
            var next = await reading.ExecuteScalarAsync<long?>(new CommandDefinition(
                $"SELECT next_block FROM {_schema}.deposit_scan WHERE id = 1", cancellationToken: ct)) is { } stored
                ? Math.Max((ulong)stored, startBlock) : startBlock;
            if (next > latest + 1) return (next - 1, Behind(latest, next));
            from = Math.Max(startBlock, next > ReorgDepth ? next - ReorgDepth : 0);
            if (from > latest) return (latest, null);
            known = (await reading.QueryAsync<KnownRow>(new CommandDefinition(
                    $"SELECT deposit_index, block_hash, valid FROM {_schema}.deposit_events WHERE block_number >= @from AND block_hash IS NOT NULL",
                    new { from = (long)from }, cancellationToken: ct)))
                .ToDictionary(r => (r.Deposit_Index, Bytes32.From(r.Block_Hash)), r => r.Valid);
        }
        var logs = await rpc.GetLogsInChunksAsync(
            LogFilter.ForEvent(network.DepositContract, StakeWiseCalls.DepositEvent), from, latest, chunkSize, ct);
        var count = await DepositCountAsync(latest, ct);
        var rows = Decode(logs, known).ToList();

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // One pass at a time over the schema's tables, also across processes (several relayers share them).
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtextextended(@scope, 0))", new { scope = _schema + ".deposit_scan" }, tx, cancellationToken: ct));
        if (await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                $"SELECT next_block FROM {_schema}.deposit_scan WHERE id = 1", transaction: tx, cancellationToken: ct)) is { } committed
            && (ulong)committed > latest + 1)
        {
            await tx.RollbackAsync(ct);
            return ((ulong)committed - 1, Behind(latest, (ulong)committed));
        }
        await connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM {_schema}.deposit_events WHERE block_number >= @from", new { from = (long)from }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO {_schema}.deposit_events (deposit_index, public_key, valid, block_number, block_hash)
            VALUES (@DepositIndex, @PublicKey, @Valid, @BlockNumber, @BlockHash)
            ON CONFLICT (deposit_index) DO UPDATE SET public_key = EXCLUDED.public_key, valid = EXCLUDED.valid,
                block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash
            """, rows, tx, cancellationToken: ct));
        // The validators whose first valid deposit was read again are made again from what is stored now; a key with a
        // valid deposit before the window keeps its row, and its deposits in the window are top-ups.
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            DELETE FROM {_schema}.deposit_validators WHERE block_number >= @from;
            INSERT INTO {_schema}.deposit_validators (public_key, first_deposit, block_number)
            SELECT DISTINCT ON (e.public_key) e.public_key, e.deposit_index, e.block_number
            FROM {_schema}.deposit_events e
            WHERE e.valid AND e.block_number >= @from
              AND NOT EXISTS (SELECT 1 FROM {_schema}.deposit_validators v WHERE v.public_key = e.public_key)
            ORDER BY e.public_key, e.deposit_index
            """, new { from = (long)from }, tx, cancellationToken: ct));
        var gap = await GapAsync(connection, tx, from, latest, count, ct);
        if (gap is { } g)
        {
            // What this pass read disagrees with the contract: none of it is kept (what the last good pass stored stays,
            // so no index is predicted from a short count), only where the next pass reads from.
            await tx.RollbackAsync(ct);
            await SetNextBlockAsync(connection, null, g.RewindTo, ct);
            throw new InvalidOperationException(g.Reason);
        }
        await SetNextBlockAsync(connection, tx, (long)latest + 1, ct);
        await tx.CommitAsync(ct);
        return (latest, null);
    }

    private static string Behind(ulong latest, ulong next) =>
        $"the execution node answered block {latest}, behind block {next - 1} the deposit logs were already read to; kept what was read";

    private Task SetNextBlockAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, long next, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO {_schema}.deposit_scan (id, next_block) VALUES (1, @next)
            ON CONFLICT (id) DO UPDATE SET next_block = EXCLUDED.next_block
            """, new { next }, tx, cancellationToken: ct));

    private async Task<ulong> DepositCountAsync(ulong block, CancellationToken ct)
    {
        var bytes = (byte[])(await rpc.CallAsync(network.DepositContract, GetDepositCount, [], BlockTag.Number(block), ct))[0];
        if (bytes.Length != 8) throw new InvalidOperationException($"get_deposit_count() returned {bytes.Length} bytes, not 8");
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>
    /// Where the stored deposits stop agreeing with the contract: a missing index from the last deposit before
    /// <paramref name="from"/> on (earlier ones were checked by earlier passes), a first one other than deposit 0 (the
    /// start block is too late: that is read again from the start block, and fails until the setting is mended), or
    /// fewer than <c>get_deposit_count()</c> at <paramref name="latest"/>; with the block to read again from. Null
    /// when they agree.
    /// </summary>
    private async Task<(long RewindTo, string Reason)?> GapAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ulong from, ulong latest, ulong count, CancellationToken ct)
    {
        var missing = await connection.QueryFirstOrDefaultAsync<MissingRow?>(new CommandDefinition(
            $"""
            WITH checked AS (
                SELECT deposit_index, block_number FROM {_schema}.deposit_events
                WHERE deposit_index >= COALESCE(
                    (SELECT max(deposit_index) FROM {_schema}.deposit_events WHERE block_number < @from),
                    (SELECT min(deposit_index) FROM {_schema}.deposit_events)))
            SELECT e.deposit_index + 1 AS deposit_index, e.block_number FROM checked e
            WHERE e.deposit_index < (SELECT max(deposit_index) FROM checked)
              AND NOT EXISTS (SELECT 1 FROM checked n WHERE n.deposit_index = e.deposit_index + 1)
            ORDER BY e.deposit_index LIMIT 1
            """, new { from = (long)from }, tx, cancellationToken: ct));
        if (missing is { } m)
            return (m.Block_Number, $"deposit {m.Deposit_Index} is missing from the deposit logs read (after block {m.Block_Number}); reading again from there");
        var (first, last) = await connection.QuerySingleAsync<(long?, long?)>(new CommandDefinition(
            $"SELECT min(deposit_index), max(deposit_index) FROM {_schema}.deposit_events", transaction: tx, cancellationToken: ct));
        // Indexes count every validator since the contract's first deposit: a scan that starts later would count short.
        if (first is > 0 || (first is null && count > 0))
            return ((long)startBlock, $"the deposit logs read from block {startBlock} begin at deposit {first?.ToString(CultureInfo.InvariantCulture) ?? "none"}, " +
                $"but the deposit contract counts {count} deposits: the deposit start block is after its first deposit, and every validator index " +
                "would come out short; set it to the deposit contract's creation block");
        if (last is null || (ulong)last.Value + 1 == count) return null;
        var rewind = Math.Max((long)startBlock, (long)latest - (long)ReorgDepth * 4);
        return (rewind, $"the deposit logs read up to block {latest} end at deposit {last.Value}, but the deposit contract counts {count} deposits there; " +
            $"reading again from block {rewind}");
    }

    /// <summary>The validators before the first logged deposit's (see <see cref="Network.UnloggedGenesisValidators"/>).</summary>
    private ulong Unlogged => network.UnloggedGenesisValidators;

    /// <summary>The index the next new validator gets, as of the last sync.</summary>
    public async Task<ulong> NextIndexAsync(CancellationToken ct)
    {
        var unlogged = Unlogged;
        await using var connection = await db.OpenConnectionAsync(ct);
        return unlogged + (ulong)await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT count(*) FROM {_schema}.deposit_validators", cancellationToken: ct));
    }

    /// <summary>The keys among <paramref name="keys"/> that already have a validator on the network.</summary>
    public async Task<IReadOnlySet<BlsPublicKey>> AlreadyDepositedAsync(IEnumerable<BlsPublicKey> keys, CancellationToken ct)
    {
        var wanted = keys.Select(k => k.ToArray()).ToArray();
        await using var connection = await db.OpenConnectionAsync(ct);
        var found = await connection.QueryAsync<byte[]>(new CommandDefinition(
            $"SELECT public_key FROM {_schema}.deposit_validators WHERE public_key = ANY(@wanted)",
            new { wanted }, cancellationToken: ct));
        return found.Select(k => BlsPublicKey.From(k)).ToHashSet();
    }

    /// <summary>
    /// The validator index of each of <paramref name="keys"/> as of the last sync: a key with a valid deposit has the
    /// index of its validator (the rank of its first valid deposit among all keys'); the others get the next free
    /// indexes in the order given, which is where they land when they are deposited next, in that order. One
    /// statement, so one snapshot: a sync committing meanwhile cannot mix two states of the index.
    /// </summary>
    public async Task<IReadOnlyList<ulong>> PredictAsync(IReadOnlyList<BlsPublicKey> keys, CancellationToken ct)
    {
        var unlogged = Unlogged;
        var wanted = keys.Select(k => k.ToArray()).ToArray();
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<PredictionRow>(new CommandDefinition(
            $"""
            -- Ranked in one ordered pass, and only when a key asked for is deposited (a one-time filter): the cost does not
            -- grow with the number of keys.
            WITH ranked AS (
                SELECT public_key, row_number() OVER (ORDER BY first_deposit) - 1 AS validator_index FROM {_schema}.deposit_validators
                WHERE EXISTS (SELECT 1 FROM {_schema}.deposit_validators w WHERE w.public_key = ANY(@wanted)))
            SELECT public_key AS PublicKey, validator_index AS ValidatorIndex FROM ranked WHERE public_key = ANY(@wanted)
            UNION ALL SELECT NULL, count(*) FROM {_schema}.deposit_validators
            """, new { wanted }, cancellationToken: ct))).ToList();
        var next = unlogged + (ulong)rows.Single(r => r.PublicKey is null).ValidatorIndex;
        var deposited = rows.Where(r => r.PublicKey is not null).ToDictionary(r => BlsPublicKey.From(r.PublicKey!), r => unlogged + (ulong)r.ValidatorIndex);
        return keys.Select(k => deposited.TryGetValue(k, out var index) ? index : next++).ToList();
    }

    // Each signature costs a pairing: the first scan of a long-lived network verifies on every core. A deposit read
    // again in the same block (same hash) keeps the check it had.
    private IEnumerable<DepositRow> Decode(IEnumerable<LogEntry> logs, IReadOnlyDictionary<(long, Bytes32), bool> known) =>
        logs.AsParallel().AsOrdered()
            .Select(log => !log.Removed && StakeWiseCalls.TryDecodeDepositEvent(log, out var deposit)
                ? new DepositRow((long)deposit.Index, deposit.PublicKey.ToArray(),
                    known.TryGetValue(((long)deposit.Index, log.BlockHash), out var valid)
                        ? valid
                        : DepositSigning.Verify(network, new DepositMessage(deposit.PublicKey, deposit.WithdrawalCredentials, deposit.AmountGwei), deposit.Signature),
                    (long)log.BlockNumber, log.BlockHash.ToArray())
                : null)
            .OfType<DepositRow>();

    private sealed record DepositRow(long DepositIndex, byte[] PublicKey, bool Valid, long BlockNumber, byte[] BlockHash);

    private sealed record KnownRow(long Deposit_Index, byte[] Block_Hash, bool Valid);

    private sealed record MissingRow(long Deposit_Index, long Block_Number);

    private sealed record PredictionRow(byte[]? PublicKey, long ValidatorIndex);
}
