using Dapper;
using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Abi;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;
using Npgsql;

namespace DvtBus.Operator.Deposits;

/// <summary>
/// The network's deposits as the deposit contract logged them, cached in <c>operator.deposit_events</c>.
/// The next validator index is the number of distinct public keys with a valid deposit signature: a
/// deposit whose signature does not verify never becomes a validator, and a top-up adds none.
/// </summary>
public sealed class DepositIndex(NpgsqlDataSource db, EthRpcClient rpc, Network network, ulong startBlock, ulong chunkSize)
{
    private readonly SemaphoreSlim _sync = new(1, 1);

    /// <summary>Reads the logs from where the last scan stopped up to the latest block; returns that block.</summary>
    public async Task<ulong> SyncAsync(CancellationToken ct)
    {
        await _sync.WaitAsync(ct);
        try
        {
            var latest = await rpc.BlockNumberAsync(ct);
            await using var connection = await db.OpenConnectionAsync(ct);
            var next = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT next_block FROM operator.deposit_scan WHERE id = 1", cancellationToken: ct)) is { } stored
                ? Math.Max((ulong)stored, startBlock) : startBlock;
            if (next > latest) return latest;

            var logs = await rpc.GetLogsInChunksAsync(
                LogFilter.ForEvent(network.DepositContract, StakeWiseCalls.DepositEvent), next, latest, chunkSize, ct);
            var rows = Decode(logs).ToList();
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO operator.deposit_events (deposit_index, public_key, valid, block_number)
                VALUES (@DepositIndex, @PublicKey, @Valid, @BlockNumber) ON CONFLICT (deposit_index) DO NOTHING
                """, rows, tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO operator.deposit_scan (id, next_block) VALUES (1, @next)
                ON CONFLICT (id) DO UPDATE SET next_block = GREATEST(operator.deposit_scan.next_block, EXCLUDED.next_block)
                """, new { next = (long)latest + 1 }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return latest;
        }
        finally
        {
            _sync.Release();
        }
    }

    /// <summary>The index the next new validator gets, as of the last sync.</summary>
    public async Task<ulong> NextIndexAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (ulong)await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(DISTINCT public_key) FROM operator.deposit_events WHERE valid", cancellationToken: ct));
    }

    /// <summary>The keys among <paramref name="keys"/> that already have a validator on the network.</summary>
    public async Task<IReadOnlySet<BlsPublicKey>> AlreadyDepositedAsync(IEnumerable<BlsPublicKey> keys, CancellationToken ct)
    {
        var wanted = keys.Select(k => k.ToArray()).ToArray();
        await using var connection = await db.OpenConnectionAsync(ct);
        var found = await connection.QueryAsync<byte[]>(new CommandDefinition(
            "SELECT DISTINCT public_key FROM operator.deposit_events WHERE valid AND public_key = ANY(@wanted)",
            new { wanted }, cancellationToken: ct));
        return found.Select(k => BlsPublicKey.From(k)).ToHashSet();
    }

    // Each signature costs a pairing: the first scan of a long-lived network verifies on every core.
    private IEnumerable<DepositRow> Decode(IEnumerable<LogEntry> logs) =>
        logs.AsParallel().AsOrdered()
            .Select(log => !log.Removed && StakeWiseCalls.TryDecodeDepositEvent(log, out var deposit)
                ? new DepositRow((long)deposit.Index, deposit.PublicKey.ToArray(),
                    DepositSigning.Verify(network, new DepositMessage(deposit.PublicKey, deposit.WithdrawalCredentials, deposit.AmountGwei), deposit.Signature),
                    (long)log.BlockNumber)
                : null)
            .OfType<DepositRow>();

    private sealed record DepositRow(long DepositIndex, byte[] PublicKey, bool Valid, long BlockNumber);
}
