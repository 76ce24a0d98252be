using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using DvtBus.Crypto.Deposits;
using DvtBus.Primitives;
using Npgsql;

namespace DvtBus.Operator.Batches;

/// <summary>The names a batch's state takes in <c>operator.batches</c> and in <c>GET /batches</c>.</summary>
public static class BatchStates
{
    public const string Accepted = "Accepted";
    public const string ExitsRequested = "ExitsRequested";
    public const string ApprovalsRequested = "ApprovalsRequested";
    public const string Registering = "Registering";
    public const string Registered = "Registered";
    public const string Failed = "Failed";
}

/// <summary>One batch as <c>GET /batches</c> shows it.</summary>
public sealed record BatchView(
    Guid BatchId, string File, string State, int Validators, long? StartIndex, string? TransactionHash, long? BlockNumber,
    string? Failure, DateTime CreatedAt, DateTime UpdatedAt, DateTime? FinishedAt);

/// <summary>A batch still under way: enough to start its saga again.</summary>
public sealed record OpenBatch(Guid BatchId, string FileName, string ContentSha256, IReadOnlyList<BlsPublicKey> Validators);

/// <summary>The file a finished batch came from, once every batch of it has finished.</summary>
public sealed record FinishedFile(byte[] Sha256, string StoredName, IReadOnlyList<string> Failures);

/// <summary>The batches in <c>operator.batches</c>: what the status endpoint shows and what the registration steps read.</summary>
public sealed class BatchStore(NpgsqlDataSource db, OperatorMetrics metrics)
{
    /// <summary>The same file content and place give the same batch id, so a file processed twice after a crash makes no second batch.</summary>
    public static Guid IdFor(ReadOnlySpan<byte> fileSha256, int position)
    {
        Span<byte> input = stackalloc byte[36];
        fileSha256.CopyTo(input);
        BitConverter.TryWriteBytes(input[32..], position);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>Whether the file's batches were ever made (they stay, finished or not).</summary>
    internal static Task<bool> AnyForFileAsync(NpgsqlConnection connection, byte[] fileSha256, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM operator.batches WHERE file_sha256 = @sha)", new { sha = fileSha256 }, cancellationToken: ct));

    internal static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction tx, byte[] fileSha256, IReadOnlyList<IReadOnlyList<DepositValidator>> batches, CancellationToken ct)
    {
        for (var position = 0; position < batches.Count; position++)
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO operator.batches (id, file_sha256, position, validators, validator_count, state)
                VALUES (@id, @fileSha256, @position, @validators::jsonb, @count, @state) ON CONFLICT (id) DO NOTHING
                """,
                new
                {
                    id = IdFor(fileSha256, position), fileSha256, position, count = batches[position].Count,
                    validators = JsonSerializer.Serialize(batches[position].Select(StoredValidator.From)), state = BatchStates.Accepted,
                }, tx, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<DepositValidator>> ValidatorsAsync(Guid batchId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var json = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT validators::text FROM operator.batches WHERE id = @batchId", new { batchId }, cancellationToken: ct))
            ?? throw new InvalidOperationException($"batch {batchId} is not known");
        return JsonSerializer.Deserialize<StoredValidator[]>(json)!.Select(v => v.ToValidator()).ToList();
    }

    /// <summary>Whether the batch has ended (Registered or Failed).</summary>
    public async Task<bool> FinishedAsync(Guid batchId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(
            "SELECT finished_at IS NOT NULL FROM operator.batches WHERE id = @batchId", new { batchId }, cancellationToken: ct))
            ?? throw new InvalidOperationException($"batch {batchId} is not known");
    }

    public async Task SetStateAsync(Guid batchId, string state, CancellationToken ct, ulong? startIndex = null, Bytes32? transactionHash = null)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE operator.batches SET state = @state, updated_at = now(),
                start_index = COALESCE(@startIndex, start_index), tx_hash = COALESCE(@txHash, tx_hash)
            WHERE id = @batchId AND finished_at IS NULL
            """,
            new { batchId, state, startIndex = (long?)startIndex, txHash = transactionHash?.ToArray() }, cancellationToken: ct));
    }

    /// <summary>
    /// Ends a batch (once: a repeated call changes nothing, and only the first records the batch's
    /// metrics) and, when it was the file's last open batch, returns the file so that it can leave processing/.
    /// </summary>
    public async Task<FinishedFile?> FinishAsync(Guid batchId, string state, CancellationToken ct,
        Bytes32? transactionHash = null, ulong? blockNumber = null, string? failure = null)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var ended = await connection.QuerySingleOrDefaultAsync<EndedRow>(new CommandDefinition(
            """
            UPDATE operator.batches SET state = @state, updated_at = now(), finished_at = now(),
                tx_hash = COALESCE(@txHash, tx_hash), block_number = COALESCE(@blockNumber, block_number), failure = @failure
            WHERE id = @batchId AND finished_at IS NULL
            RETURNING file_sha256 AS Sha, validator_count AS Validators, extract(epoch FROM now() - created_at)::float8 AS Seconds
            """,
            new { batchId, state, txHash = transactionHash?.ToArray(), blockNumber = (long?)blockNumber, failure }, tx, cancellationToken: ct));
        if (ended is null)
        {
            // Finished before: its file may still be in processing/ (the process stopped, or the move failed, after
            // that commit). The redelivered finish moves it then; once the file has left, there is nothing to do.
            var unmoved = await UnmovedFileAsync(connection, tx, batchId, ct);
            await tx.CommitAsync(ct);
            return unmoved;
        }
        var sha = ended.Sha;
        // Row lock on the file: two batches of one file finishing together see each other's result.
        var storedName = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT stored_name FROM operator.deposit_files WHERE sha256 = @sha FOR UPDATE", new { sha }, tx, cancellationToken: ct));
        var open = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM operator.batches WHERE file_sha256 = @sha AND finished_at IS NULL", new { sha }, tx, cancellationToken: ct));
        var failures = await FailuresAsync(connection, tx, sha, ct);
        await tx.CommitAsync(ct);
        metrics.BatchFinished(state == BatchStates.Registered, ended.Validators, ended.Seconds, failure);
        return open == 0 ? new FinishedFile(sha, storedName!, failures) : null;
    }

    /// <summary>The finished batch's file when it is still recorded in processing/ and none of its batches is open.</summary>
    private static async Task<FinishedFile?> UnmovedFileAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid batchId, CancellationToken ct)
    {
        var file = await connection.QuerySingleOrDefaultAsync<(byte[] Sha, string StoredName)?>(new CommandDefinition(
            """
            SELECT f.sha256, f.stored_name FROM operator.batches b JOIN operator.deposit_files f ON f.sha256 = b.file_sha256
            WHERE b.id = @batchId AND f.state = 'processing'
              AND NOT EXISTS (SELECT 1 FROM operator.batches o WHERE o.file_sha256 = f.sha256 AND o.finished_at IS NULL)
            FOR UPDATE OF f
            """, new { batchId }, tx, cancellationToken: ct));
        if (file is not { } found) return null;
        return new FinishedFile(found.Sha, found.StoredName, await FailuresAsync(connection, tx, found.Sha, ct));
    }

    /// <summary>Each failed batch of the file, as "batch N: reason", in batch order.</summary>
    private static async Task<List<string>> FailuresAsync(NpgsqlConnection connection, NpgsqlTransaction tx, byte[] sha, CancellationToken ct) =>
        (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT format('batch %s: %s', position, failure) FROM operator.batches WHERE file_sha256 = @sha AND failure IS NOT NULL ORDER BY position",
            new { sha }, tx, cancellationToken: ct))).ToList();

    /// <summary>
    /// A failed batch whose transaction was mined after all (found while it was still being waited for):
    /// the batch becomes Registered, the earlier failure stays in its text, and the validators count as
    /// registered. Only a failed batch changes; a repeat changes nothing. The file stays where it went.
    /// </summary>
    /// <returns>False when the batch was not failed (never failed, or already corrected).</returns>
    public async Task<bool> RegisteredAfterFailureAsync(Guid batchId, Bytes32 transactionHash, ulong blockNumber, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var validators = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
            $"""
            UPDATE operator.batches SET state = @registered, updated_at = now(), tx_hash = @txHash, block_number = @blockNumber,
                failure = 'registered by ' || @hash || ' after it had failed (' || COALESCE(failure, '') || ')'
            WHERE id = @batchId AND state = @failed
            RETURNING validator_count
            """,
            new
            {
                batchId, registered = BatchStates.Registered, failed = BatchStates.Failed, txHash = transactionHash.ToArray(),
                hash = transactionHash.ToString(), blockNumber = (long)blockNumber,
            }, cancellationToken: ct));
        if (validators is not { } count) return false;
        metrics.ValidatorsRegistered.Add(count);
        return true;
    }

    public async Task<IReadOnlyList<BatchView>> ListAsync(int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<BatchRow>(new CommandDefinition(
            """
            SELECT b.id, f.file_name AS FileName, b.state, b.validator_count AS ValidatorCount, b.start_index AS StartIndex,
                   b.tx_hash AS TxHash, b.block_number AS BlockNumber, b.failure, b.created_at AS CreatedAt,
                   b.updated_at AS UpdatedAt, b.finished_at AS FinishedAt
            FROM operator.batches b JOIN operator.deposit_files f ON f.sha256 = b.file_sha256
            ORDER BY b.created_at DESC, b.position LIMIT @limit
            """, new { limit }, cancellationToken: ct));
        return rows.Select(r => new BatchView(r.Id, r.FileName, r.State, r.ValidatorCount, r.StartIndex,
            r.TxHash is null ? null : Hex.Encode(r.TxHash), r.BlockNumber, r.Failure, r.CreatedAt, r.UpdatedAt, r.FinishedAt)).ToList();
    }

    /// <summary>
    /// Batches not finished, oldest first, committed at least <paramref name="minimumAge"/> ago by the database's
    /// clock: those without a saga are announced again.
    /// </summary>
    public async Task<IReadOnlyList<OpenBatch>> OpenAsync(CancellationToken ct, TimeSpan minimumAge = default, bool withoutSagaOnly = false)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<OpenRow>(new CommandDefinition(
            """
            SELECT b.id, f.file_name AS FileName, b.file_sha256 AS FileSha256, b.validators::text AS Validators
            FROM operator.batches b JOIN operator.deposit_files f ON f.sha256 = b.file_sha256
            WHERE b.finished_at IS NULL AND b.created_at <= now() - @minimumAge
              AND (NOT @withoutSagaOnly OR NOT EXISTS (SELECT 1 FROM operator.registration_sagas s WHERE s.correlation_id = b.id))
            ORDER BY b.created_at, b.position
            """, new { minimumAge, withoutSagaOnly }, cancellationToken: ct));
        return rows.Select(r => new OpenBatch(r.Id, r.FileName, Convert.ToHexStringLower(r.FileSha256),
            JsonSerializer.Deserialize<StoredValidator[]>(r.Validators)!.Select(v => BlsPublicKey.Parse(v.PublicKey)).ToList())).ToList();
    }

    private sealed record EndedRow(byte[] Sha, int Validators, double Seconds);

    private sealed record OpenRow(Guid Id, string FileName, byte[] FileSha256, string Validators);

    private sealed record BatchRow(
        Guid Id, string FileName, string State, int ValidatorCount, long? StartIndex, byte[]? TxHash, long? BlockNumber,
        string? Failure, DateTime CreatedAt, DateTime UpdatedAt, DateTime? FinishedAt);

    private sealed record StoredValidator(string PublicKey, string WithdrawalCredentials, ulong Amount, string Signature, string DepositDataRoot)
    {
        public static StoredValidator From(DepositValidator v) =>
            new(v.PublicKey.ToString(), v.WithdrawalCredentials.ToString(), v.Amount, v.Signature.ToString(), v.DepositDataRoot.ToString());

        public DepositValidator ToValidator() =>
            new(BlsPublicKey.Parse(PublicKey), Bytes32.Parse(WithdrawalCredentials), Amount, BlsSignature.Parse(Signature), Bytes32.Parse(DepositDataRoot));
    }
}
