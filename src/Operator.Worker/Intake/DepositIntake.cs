using System.Security.Cryptography;
using Dapper;
using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Operator.Batches;
using DvtBus.Deposits;
using DvtBus.Primitives;
using MassTransit;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DvtBus.Operator.Intake;

/// <summary>
/// Turns one stable file of the inbox into batches (file to processing/) or a refusal (file to rejected/
/// with its report). The content's SHA-256 is the key in <c>operator.deposit_files</c>: a file is taken
/// once, whatever its name and however often the process restarts.
/// </summary>
public sealed partial class DepositIntake(
    DepositFolder folder, NpgsqlDataSource db, Network network, Address vault, int maxBatchSize,
    DepositIndex deposits, IPublishEndpoint publisher, OperatorMetrics metrics, ILogger<DepositIntake> logger)
{
    private static readonly long MaxFileBytes = new DepositDataOptions().MaxBytes;
    private const string Received = "received";
    private const string Processing = "processing";
    private const string Done = "done";
    private const string Rejected = "rejected";

    public async Task ProcessAsync(string path, CancellationToken ct)
    {
        // An oversized drop is hashed as a stream, never loaded whole, and rejected without parsing.
        byte[]? content;
        byte[] sha;
        try
        {
            if (new FileInfo(path).Length > MaxFileBytes)
            {
                content = null;
                await using var stream = File.OpenRead(path);
                sha = await SHA256.HashDataAsync(stream, ct);
            }
            else
            {
                content = await File.ReadAllBytesAsync(path, ct);
                sha = SHA256.HashData(content);
            }
        }
        catch (FileNotFoundException)
        {
            return;
        }
        var shaHex = Convert.ToHexStringLower(sha);
        var name = Path.GetFileName(path);

        await using var connection = await db.OpenConnectionAsync(ct);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO operator.deposit_files (sha256, file_name, stored_name, state) VALUES (@sha, @name, @name, @state) ON CONFLICT (sha256) DO NOTHING",
            new { sha, name, state = Received }, cancellationToken: ct));
        if (inserted == 0)
        {
            var known = await connection.QuerySingleAsync<KnownFile>(new CommandDefinition(
                "SELECT file_name AS FileName, stored_name AS StoredName, state FROM operator.deposit_files WHERE sha256 = @sha",
                new { sha }, cancellationToken: ct));
            // The same file still in the inbox under the name it was recorded with means an earlier run stopped half-way
            // (a rejection is recorded and announced before the file moves, so a failure there leaves it in the inbox).
            // A file whose batches ran and failed is not one: its batches are finished, and taking it again would only
            // announce them to sagas that have ended.
            var interrupted = known.FileName == name
                && (known.State == Received
                    || (known.State == Processing && !File.Exists(Path.Combine(folder.Processing, known.StoredName)))
                    || (known.State == Rejected && !File.Exists(Path.Combine(folder.Rejected, known.StoredName))
                        && !await BatchStore.AnyForFileAsync(connection, sha, ct)));
            if (!interrupted)
            {
                await RejectAsync(path, sha, [$"duplicate of {known.FileName}"], [], recordInDatabase: false, ct);
                return;
            }
        }

        if (content is null)
        {
            await RejectAsync(path, sha, [$"the file is larger than {MaxFileBytes} bytes, the most a deposit-data file may have"], [], recordInDatabase: true, ct);
            return;
        }

        var report = DepositDataFile.Validate(content, network, vault);
        var onChain = report.Accepted.Count == 0 ? new HashSet<BlsPublicKey>()
            : await deposits.AlreadyDepositedAsync(report.Accepted.Select(v => v.PublicKey), ct);
        // The same keys in another file still being registered (re-exported or reformatted, so not a byte copy):
        // two batches would ask for the same exits and approvals, and the later one fail or revert on chain.
        var inOpenBatch = report.Accepted.Count == 0 ? new Dictionary<string, string>()
            : await OpenBatchFilesAsync(connection, sha, report.Accepted.Select(v => v.PublicKey.ToString()).ToArray(), ct);
        if (!report.IsValid || onChain.Count > 0 || inOpenBatch.Count > 0)
        {
            var entries = report.Issues.Where(i => i.Position is not null)
                .Select(i => new RejectedValidator(i.Position!.Value, i.PublicKey?.ToString(), i.Problem.ToString(), i.Reason))
                .Concat(report.Accepted.Where(v => onChain.Contains(v.PublicKey))
                    .Select(v => new RejectedValidator(PositionOf(content, v.PublicKey), v.PublicKey.ToString(), "AlreadyDeposited",
                        $"{network.Name} already has a validator with this key")))
                .Concat(report.Accepted.Where(v => !onChain.Contains(v.PublicKey) && inOpenBatch.ContainsKey(v.PublicKey.ToString()))
                    .Select(v => new RejectedValidator(PositionOf(content, v.PublicKey), v.PublicKey.ToString(), "InOpenBatch",
                        $"already being registered from {inOpenBatch[v.PublicKey.ToString()]}; drop this file again once that one is done")))
                .OrderBy(e => e.Position).ToList();
            var fileReasons = report.Issues.Where(i => i.Position is null).Select(i => i.Reason).ToList();
            if (entries.Count > 0) fileReasons.Add($"{entries.Count} of the file's validators cannot be registered; fix or remove them and drop the file again");
            await RejectAsync(path, sha, fileReasons, entries, recordInDatabase: true, ct);
            return;
        }

        // One credential type per file (a mixed file is refused above); sizes the vault would refuse are avoided.
        var batches = new List<IReadOnlyList<DepositValidator>>();
        var taken = 0;
        foreach (var size in VaultValidators.BatchSizes(report.Accepted[0].CredentialType, report.Accepted.Count, maxBatchSize))
        {
            batches.Add(report.Accepted.Skip(taken).Take(size).ToList());
            taken += size;
        }
        var storedName = FreeName(folder.Processing, name, shaHex);
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            await BatchStore.InsertAsync(connection, tx, sha, batches, ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE operator.deposit_files SET state = @state, stored_name = @storedName, reasons = '{}', finished_at = NULL WHERE sha256 = @sha",
                new { sha, storedName, state = Processing }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }
        File.Move(path, Path.Combine(folder.Processing, storedName), overwrite: false);
        metrics.FilesAccepted.Add(1);
        Accepted(logger, name, report.Accepted.Count, batches.Count);
        var position = 0;
        try
        {
            for (; position < batches.Count; position++)
                await publisher.Publish(new DepositFileAccepted
                {
                    BatchId = BatchStore.IdFor(sha, position),
                    FileName = name,
                    ContentSha256 = shaHex,
                    Network = network.Name,
                    Vault = vault,
                    Validators = batches[position].Select(v => v.PublicKey).ToList(),
                }, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The batches are committed and the file has left the inbox, so no scan takes it again: the
            // registration resumer announces every batch still without a saga once it is Operator:ResumeAfter old.
            NotAnnounced(logger, name, batches.Count - position, batches.Count, e);
        }
    }

    /// <summary>Of <paramref name="keys"/>, those in an unfinished batch of another file, with that file's name.</summary>
    private static async Task<Dictionary<string, string>> OpenBatchFilesAsync(NpgsqlConnection connection, byte[] sha, string[] keys, CancellationToken ct) =>
        (await connection.QueryAsync<(string Key, string File)>(new CommandDefinition(
            """
            SELECT DISTINCT ON (v->>'PublicKey') v->>'PublicKey', f.file_name
            FROM operator.batches b
            JOIN operator.deposit_files f ON f.sha256 = b.file_sha256
            CROSS JOIN LATERAL jsonb_array_elements(b.validators) v
            WHERE b.finished_at IS NULL AND b.file_sha256 <> @sha AND v->>'PublicKey' = ANY(@keys)
            """, new { sha, keys }, cancellationToken: ct)))
        .ToDictionary(r => r.Key, r => r.File, StringComparer.Ordinal);

    /// <summary>Moves a finished file out of processing/: to done/ when every batch registered, else to rejected/ with the failures.</summary>
    public async Task CompleteAsync(FinishedFile file, CancellationToken ct)
    {
        var source = Path.Combine(folder.Processing, file.StoredName);
        var shaHex = Convert.ToHexStringLower(file.Sha256);
        string state;
        string storedName;
        if (file.Failures.Count == 0)
        {
            state = Done;
            storedName = File.Exists(source) ? DepositFolder.MoveInto(source, folder.Done, shaHex[..8]) : file.StoredName;
        }
        else
        {
            state = Rejected;
            storedName = File.Exists(source)
                ? folder.Reject(source, shaHex[..8], new RejectionReport(file.StoredName, shaHex, file.Failures, []))
                : file.StoredName;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE operator.deposit_files SET state = @state, stored_name = @storedName, reasons = @reasons, finished_at = now() WHERE sha256 = @sha",
            new { sha = file.Sha256, state, storedName, reasons = file.Failures.ToArray() }, cancellationToken: ct));
    }

    private async Task RejectAsync(string path, byte[] sha, IReadOnlyList<string> fileReasons, IReadOnlyList<RejectedValidator> entries,
        bool recordInDatabase, CancellationToken ct)
    {
        var shaHex = Convert.ToHexStringLower(sha);
        var name = Path.GetFileName(path);
        var reasons = fileReasons.Concat(entries.Select(e => $"entry {e.Position}{(e.PublicKey is null ? "" : $" ({e.PublicKey})")}: {e.Reason}")).ToList();
        // Recorded and announced first, moved last: if the database or the broker fails, the file is still in the
        // inbox and the next scan rejects it again, so neither the record nor the event is lost.
        var storedName = DepositFolder.FreeName(folder.Rejected, name, shaHex[..8]);
        if (recordInDatabase)
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE operator.deposit_files SET state = @state, stored_name = @storedName, reasons = @reasons, finished_at = now() WHERE sha256 = @sha",
                new { sha, state = Rejected, storedName, reasons = reasons.ToArray() }, cancellationToken: ct));
        }
        await publisher.Publish(new DepositFileRejected { FileName = name, ContentSha256 = shaHex, Reasons = reasons }, ct);
        folder.RejectAs(path, storedName, new RejectionReport(name, shaHex, fileReasons, entries));
        metrics.FilesRejected.Add(1);
        FileRejected(logger, name, storedName, reasons.Count);
    }

    /// <summary>The name the file will have in <paramref name="target"/>: its own, or tagged with its hash when taken.</summary>
    private static string FreeName(string target, string name, string shaHex) =>
        File.Exists(Path.Combine(target, name))
            ? $"{Path.GetFileNameWithoutExtension(name)}.{shaHex[..8]}{Path.GetExtension(name)}"
            : name;

    /// <summary>An accepted entry's place in the file: its key's first occurrence among the file's keys.</summary>
    private static int PositionOf(byte[] content, BlsPublicKey key)
    {
        using var document = System.Text.Json.JsonDocument.Parse(content);
        var position = 0;
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            if (entry.TryGetProperty("pubkey", out var pubkey) && BlsPublicKey.TryParse(pubkey.GetString(), out var parsed) && parsed == key)
                return position;
            position++;
        }
        return -1;
    }

    private sealed record KnownFile(string FileName, string StoredName, string State);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deposit file {File} accepted: {Validators} validators in {Batches} batches")]
    private static partial void Accepted(ILogger logger, string file, int validators, int batches);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Deposit file {File}: {Unannounced} of its {Batches} batches could not be announced; the resumer announces them once Operator:ResumeAfter old")]
    private static partial void NotAnnounced(ILogger logger, string file, int unannounced, int batches, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deposit file {File} rejected as {StoredName} with {Reasons} reasons (see its .error.json)")]
    private static partial void FileRejected(ILogger logger, string file, string storedName, int reasons);
}
