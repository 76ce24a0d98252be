using System.Diagnostics;
using Dapper;
using DvtBus.Bls;
using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.Relayer.Clusters;
using DvtBus.Relayer.Exits;
using DvtBus.Relayer.Oracles;
using DvtBus.Sagas;
using MassTransit;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DvtBus.Relayer.Shares;

/// <remarks>
/// Repeated: a verified share at an index that already holds one. A BLS signature is the only one that verifies
/// for its key and message, so it is the stored share sent again (a redelivery, a retry after a lost answer): taken
/// again, not refused.
/// </remarks>
internal enum ShareOutcome { Accepted, Pending, Rejected, Repeated }

/// <param name="Rejection">Set when <see cref="Outcome"/> is Rejected.</param>
/// <param name="Ready">Set when this share completed the exit (<see cref="Completed"/>), or repeated a share of a ready one.</param>
internal sealed record ShareResult(ShareOutcome Outcome, ShareRejected? Rejection = null, SignatureReady? Ready = null, bool Completed = false);

/// <summary>
/// What happens to an exit-signature share, from the bus or HTTP alike. The exit's state machine calls
/// in here inside its transaction, holding the exit's row lock: that lock serialises one exit's shares and
/// its one recovery at threshold across threads and relayer processes. A share is verified against its
/// public share before it is stored. One that comes before its exit or its cluster's announcement waits in
/// <c>pending_shares</c>; the key's lock (<see cref="ExitStore.LockKeyAsync"/>) makes sure that the exit's
/// opening or the announcement always finds it.
/// </summary>
internal sealed partial class ShareIntake(
    NpgsqlDataSource db, Network network, OracleResharing oracles, RelayerMetrics metrics, ILogger<ShareIntake> logger)
{
    /// <summary>A share for an exit whose state machine does not exist: refused if it can be already, else kept waiting.</summary>
    public async Task HoldWithoutExitAsync(ConsumeContext<ShareSubmitted> context)
    {
        var share = context.Message;
        var ct = context.CancellationToken;
        var result = Precheck(share);
        if (result is null)
        {
            if (!context.TryGetPayload<SagaTransaction>(out var tx))
                throw new InvalidOperationException("a share without an exit is held in the saga repository's transaction, which is missing");
            await ExitStore.LockKeyAsync(tx.Connection, tx.Transaction, network.Name, share.ValidatorPublicKey, ct);
            var id = ExitId.For(network.Name, share.ValidatorPublicKey, share.ValidatorIndex);
            if (await ExitStore.SagaExistsAsync(tx, id, ct))
                throw new ConcurrencyException($"exit {id} was opened while its share {share.ShareIndex} arrived: retrying hands the share to it", typeof(ExitSaga), id);
            result = await HoldAsync(tx, share, ct);
        }
        await ReportAsync(share, result, context, respond: true, ct);
    }

    /// <summary>A share for this saga's exit, in the saga's transaction.</summary>
    public async Task<ShareResult> TakeAsync(SagaTransaction tx, ExitSaga saga, ShareSubmitted share, bool superseded, CancellationToken ct) =>
        Precheck(share) ?? await TakeCheckedAsync(tx, saga, share, superseded, ct);

    /// <summary>
    /// Takes this exit's waiting shares off <c>pending_shares</c> and handles each, once the cluster is known
    /// (or in conflict, or the exit superseded: then they are refused); otherwise they keep waiting.
    /// </summary>
    public async Task<IReadOnlyList<(ShareSubmitted Share, ShareResult Result)>> ReleasePendingAsync(
        SagaTransaction tx, ExitSaga saga, bool superseded, CancellationToken ct)
    {
        if (!superseded)
        {
            var (cluster, conflict) = await ClusterStore.GetAsync(tx.Connection, tx.Transaction, saga.Network, saga.Key, ct);
            if (cluster is null && conflict is null) return [];
        }
        var results = new List<(ShareSubmitted, ShareResult)>();
        foreach (var share in await ClaimPendingAsync(tx, saga, ct))
            results.Add((share, await TakeAsync(tx, saga, share, superseded, ct)));
        return results;
    }

    /// <summary>
    /// The exit's lifetime ended: the shares still waiting for the cluster's announcement are taken off
    /// <c>pending_shares</c> and refused as unknown, each counted, logged and published like any refusal.
    /// </summary>
    public async Task RefuseWaitingAsync(SagaTransaction tx, ExitSaga saga, ConsumeContext context, CancellationToken ct)
    {
        foreach (var share in await ClaimPendingAsync(tx, saga, ct))
            await ReportAsync(share, Reject(share, ShareRejectionReason.UnknownValidator,
                "no key-share announcement of this validator arrived within the exit's lifetime"), context, respond: false, ct);
    }

    /// <summary>Takes this exit's waiting shares off <c>pending_shares</c>, for good.</summary>
    private async Task<IReadOnlyList<ShareSubmitted>> ClaimPendingAsync(SagaTransaction tx, ExitSaga saga, CancellationToken ct)
    {
        var rows = await tx.Connection.QueryAsync<PendingRow>(new CommandDefinition(
            """
            DELETE FROM relayer.pending_shares WHERE network = @network AND public_key = @key AND validator_index = @index
            RETURNING share_index AS ShareIndex, signature, sidecar_id AS SidecarId, received_at AS ReceivedAt
            """,
            new { network = saga.Network, key = saga.Key.ToArray(), index = saga.ValidatorIndex }, tx.Transaction, cancellationToken: ct));
        return rows.OrderBy(r => r.ReceivedAt).Select(r => new ShareSubmitted
        {
            Network = saga.Network,
            ValidatorPublicKey = saga.Key,
            ValidatorIndex = (ulong)saga.ValidatorIndex,
            ShareIndex = (ulong)r.ShareIndex,
            ExitSignatureShare = BlsSignature.From(r.Signature),
            SidecarId = r.SidecarId,
        }).ToList();
    }

    /// <summary>
    /// A share sent over HTTP, which names no validator index (the public sidecar's shape): it is for the key's
    /// current exit, and handed to that exit's state machine as a request. A key without an exit is unknown.
    /// </summary>
    /// <returns>The refusal, or null when the share was taken (stored or waiting).</returns>
    public async Task<ShareRejected?> SubmitForCurrentExitAsync(
        BlsPublicKey validator, ulong shareIndex, BlsSignature signature, string sidecarId,
        IRequestClient<ShareSubmitted> client, IPublishEndpoint publish, CancellationToken ct)
    {
        ExitRow? current;
        await using (var connection = await db.OpenConnectionAsync(ct))
            current = await ExitStore.CurrentAsync(connection, network.Name, validator, ct);
        var share = new ShareSubmitted
        {
            Network = network.Name,
            ValidatorPublicKey = validator,
            ValidatorIndex = current is null ? 0 : (ulong)current.ValidatorIndex,
            ShareIndex = shareIndex,
            ExitSignatureShare = signature,
            SidecarId = sidecarId,
        };
        if (current is null)
        {
            var unknown = Reject(share, ShareRejectionReason.UnknownValidator, "no exit was requested for this key");
            await PublishOutcomeAsync(share, unknown, publish, respondTo: null, ct);
            return unknown.Rejection;
        }
        var response = await client.GetResponse<ShareTaken, ShareRejected>(share, ct);
        return response.Is(out Response<ShareRejected>? rejected) ? rejected.Message : null;
    }

    /// <summary>Asks the state machine of every exit with shares waiting for this validator's cluster to take them.</summary>
    public async Task ReleaseWaitingAsync(BlsPublicKey validator, IPublishEndpoint publish, CancellationToken ct)
    {
        List<long> indexes;
        await using (var connection = await db.OpenConnectionAsync(ct))
            indexes = (await connection.QueryAsync<long>(new CommandDefinition(
                "SELECT DISTINCT validator_index FROM relayer.pending_shares WHERE network = @network AND public_key = @key",
                new { network = network.Name, key = validator.ToArray() }, cancellationToken: ct))).ToList();
        foreach (var index in indexes)
            await publish.Publish(new PendingSharesReleased { ExitId = ExitId.For(network.Name, validator, (ulong)index) }, ct);
    }

    /// <summary>Counts, logs and publishes what became of a share; answers it when it came as a request and <paramref name="respond"/>.</summary>
    public Task ReportAsync(ShareSubmitted share, ShareResult result, ConsumeContext context, bool respond, CancellationToken ct) =>
        PublishOutcomeAsync(share, result, context, respond && context.RequestId.HasValue ? context : null, ct);

    /// <summary>The SignatureReady of an exit whose oracle shards exist, rebuilt from what is stored.</summary>
    public static async Task<SignatureReady?> ReadyMessageAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, ExitRow exit, CancellationToken ct)
    {
        if (exit.OracleThreshold is not { } threshold) return null;
        var shards = (await OracleShardsOfAsync(connection, tx, [exit], ct)).GetValueOrDefault(exit.Id) ?? OracleShards.None;
        return new SignatureReady
        {
            ExitId = exit.Id,
            Network = exit.Network,
            ValidatorPublicKey = exit.ValidatorPublicKey,
            ValidatorIndex = (ulong)exit.ValidatorIndex,
            Epoch = (ulong)exit.Epoch,
            OracleThreshold = threshold,
            PublicKeyShards = shards.PublicKeyShards,
            EncryptedExitSignatures = shards.EncryptedExitSignatures,
        };
    }

    /// <summary>The oracle shards of those of <paramref name="exits"/> that are ready (have an oracle threshold), in oracle order, read in one query.</summary>
    public static async Task<IReadOnlyDictionary<Guid, OracleShards>> OracleShardsOfAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, IEnumerable<ExitRow> exits, CancellationToken ct)
    {
        var ready = exits.Where(e => e.OracleThreshold is not null).Select(e => e.Id).Distinct().ToArray();
        if (ready.Length == 0) return new Dictionary<Guid, OracleShards>();
        var rows = await connection.QueryAsync<(Guid ExitId, byte[] Pk, byte[] Enc)>(new CommandDefinition(
            """
            SELECT exit_id, public_key_shard, encrypted_signature FROM relayer.oracle_shards
            WHERE exit_id = ANY(@ids) ORDER BY exit_id, oracle_index
            """, new { ids = ready }, tx, cancellationToken: ct));
        return rows.GroupBy(r => r.ExitId).ToDictionary(g => g.Key, g => new OracleShards(
            g.Select(r => BlsPublicKey.From(r.Pk)).ToList(), g.Select(r => EncryptedExitSignature.From(r.Enc)).ToList()));
    }

    /// <summary>A ready exit's shards for the oracles: public key shard i and the signature shard encrypted to oracle i.</summary>
    public sealed record OracleShards(IReadOnlyList<BlsPublicKey> PublicKeyShards, IReadOnlyList<EncryptedExitSignature> EncryptedExitSignatures)
    {
        public static OracleShards None { get; } = new([], []);
    }

    /// <summary>Checks that need no exit: the network, and index 0.</summary>
    private ShareResult? Precheck(ShareSubmitted share)
    {
        if (!string.Equals(share.Network, network.Name, StringComparison.OrdinalIgnoreCase))
            return Reject(share, ShareRejectionReason.WrongNetwork, $"this relayer serves {network.Name}");
        if (share.ShareIndex == 0)
            return Reject(share, ShareRejectionReason.ZeroShareIndex, "share index 0 is the secret itself, never a share");
        return null;
    }

    private async Task<ShareResult> TakeCheckedAsync(SagaTransaction tx, ExitSaga saga, ShareSubmitted share, bool superseded, CancellationToken ct)
    {
        var (connection, transaction) = (tx.Connection, tx.Transaction);
        // A later request may already be recorded while its supersession is still on its way to this exit.
        if (superseded || await ExitStore.NewerRequestExistsAsync(tx, saga, ct))
            return Reject(share, ShareRejectionReason.Superseded, "a newer validator index was requested for this key");

        var (cluster, conflict) = await ClusterStore.GetAsync(connection, transaction, saga.Network, saga.Key, ct);
        if (cluster is null && conflict is null)
        {
            // An announcement either committed before this lock (and is read now) or reads the waiting share after it.
            await ExitStore.LockKeyAsync(connection, transaction, saga.Network, saga.Key, ct);
            (cluster, conflict) = await ClusterStore.GetAsync(connection, transaction, saga.Network, saga.Key, ct);
            if (cluster is null && conflict is null) return await HoldAsync(tx, share, ct);
        }
        if (conflict is not null)
            return Reject(share, ShareRejectionReason.UnknownValidator, $"the cluster's key-share announcements conflict: {conflict}");
        if (!cluster!.PublicShares.TryGetValue(share.ShareIndex, out var publicShare))
            return Reject(share, ShareRejectionReason.UnknownShareIndex, $"the cluster has no share index {share.ShareIndex}");

        var exit = await ExitStore.FindAsync(connection, saga.CorrelationId, transaction, ct)
            ?? throw new InvalidOperationException($"exit {saga.CorrelationId} has a state machine but no row in relayer.exits");
        if (!BlsScheme.Verify(publicShare, exit.SigningRoot, share.ExitSignatureShare))
            return Reject(share, ShareRejectionReason.DoesNotVerify, $"the share does not verify under public share {share.ShareIndex} for this exit");
        if (!await InsertShareAsync(tx, exit.Id, share, keepSignature: saga.ReadyAt is null, ct))
            return new ShareResult(ShareOutcome.Repeated, Ready: await ReadyMessageAsync(connection, transaction, exit, ct));

        saga.Threshold = cluster.Threshold;
        saga.SharesAccepted = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::integer FROM relayer.shares WHERE exit_id = @id", new { id = exit.Id }, transaction, cancellationToken: ct));
        // The oracle shards are computed once: an exit that has them takes further shares without recovering again.
        if (saga.ReadyAt is not null || saga.SharesAccepted < cluster.Threshold) return new ShareResult(ShareOutcome.Accepted);
        var ready = await CompleteAsync(tx, exit, cluster, ct);
        if (ready is null) return new ShareResult(ShareOutcome.Accepted);
        saga.ReadyAt = DateTime.UtcNow;
        return new ShareResult(ShareOutcome.Accepted, Ready: ready, Completed: true);
    }

    /// <summary>At threshold: recover, verify, re-share for the oracles, encrypt and store; the full signature lives only in this frame.</summary>
    private async Task<SignatureReady?> CompleteAsync(SagaTransaction tx, ExitRow exit, Cluster cluster, CancellationToken ct)
    {
        var (connection, transaction) = (tx.Connection, tx.Transaction);
        var shares = (await connection.QueryAsync<(long Index, byte[] Signature)>(new CommandDefinition(
            "SELECT share_index, signature FROM relayer.shares WHERE exit_id = @id ORDER BY share_index LIMIT @t",
            new { id = exit.Id, t = cluster.Threshold }, transaction, cancellationToken: ct))).ToList();
        if (shares.Count < cluster.Threshold) return null;

        var started = Stopwatch.GetTimestamp();
        var full = BlsThreshold.RecoverSignature(shares.Select(s => new IndexedSignature((ulong)s.Index, BlsSignature.From(s.Signature))).ToList());
        if (!BlsScheme.Verify(exit.ValidatorPublicKey, exit.SigningRoot, full))
        {
            RecoveredSignatureInvalid(logger, LogText.Short(exit.ValidatorPublicKey), exit.ValidatorIndex);
            return null;
        }
        var set = oracles.Reshare(full, exit.ValidatorPublicKey, Bytes32.From(exit.SigningRoot));
        for (var k = 0; k < set.EncryptedSignatures.Count; k++)
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO relayer.oracle_shards (exit_id, oracle_index, public_key_shard, encrypted_signature) VALUES (@id, @k, @pk, @enc)",
                new { id = exit.Id, k, pk = set.PublicKeyShards[k].ToArray(), enc = set.EncryptedSignatures[k].ToArray() }, transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE relayer.exits SET ready_at = now(), oracle_threshold = @t WHERE id = @id",
            new { id = exit.Id, t = set.Threshold }, transaction, cancellationToken: ct));
        // Any t of the stored shares would make the full exit signature again, which only the oracles' shards may hold:
        // the shares keep that they came (for the API and repeats), not their signatures.
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE relayer.shares SET signature = ''::bytea WHERE exit_id = @id", new { id = exit.Id }, transaction, cancellationToken: ct));
        metrics.Recovered(Stopwatch.GetElapsedTime(started));
        ExitReady(logger, LogText.Short(exit.ValidatorPublicKey), exit.ValidatorIndex, set.EncryptedSignatures.Count);
        return new SignatureReady
        {
            ExitId = exit.Id,
            Network = exit.Network,
            ValidatorPublicKey = exit.ValidatorPublicKey,
            ValidatorIndex = (ulong)exit.ValidatorIndex,
            Epoch = (ulong)exit.Epoch,
            OracleThreshold = set.Threshold,
            PublicKeyShards = set.PublicKeyShards,
            EncryptedExitSignatures = set.EncryptedSignatures,
        };
    }

    /// <summary>
    /// Stores a verified share; for an exit already ready only that it came (its signature is not needed, see
    /// <see cref="CompleteAsync"/>). False when the same share index is stored already.
    /// </summary>
    private static async Task<bool> InsertShareAsync(SagaTransaction tx, Guid exitId, ShareSubmitted share, bool keepSignature, CancellationToken ct) =>
        await tx.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO relayer.shares (exit_id, share_index, signature, sidecar_id) VALUES (@exitId, @index, @signature, @sidecar) ON CONFLICT DO NOTHING",
            new { exitId, index = (long)share.ShareIndex, signature = keepSignature ? share.ExitSignatureShare.ToArray() : [], sidecar = share.SidecarId },
            tx.Transaction, cancellationToken: ct)) == 1;

    private async Task<ShareResult> HoldAsync(SagaTransaction tx, ShareSubmitted share, CancellationToken ct)
    {
        await tx.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO relayer.pending_shares (network, public_key, validator_index, share_index, signature, sidecar_id)
            VALUES (@network, @key, @index, @shareIndex, @signature, @sidecar) ON CONFLICT DO NOTHING
            """,
            new
            {
                network = network.Name,
                key = share.ValidatorPublicKey.ToArray(),
                index = (long)share.ValidatorIndex,
                shareIndex = (long)share.ShareIndex,
                signature = share.ExitSignatureShare.ToArray(),
                sidecar = share.SidecarId,
            }, tx.Transaction, cancellationToken: ct));
        SharePending(logger, LogText.Short(share.ValidatorPublicKey), share.ValidatorIndex, share.ShareIndex);
        return new ShareResult(ShareOutcome.Pending);
    }

    private static ShareResult Reject(ShareSubmitted share, ShareRejectionReason reason, string detail) =>
        new(ShareOutcome.Rejected, new ShareRejected
        {
            Network = share.Network,
            ValidatorPublicKey = share.ValidatorPublicKey,
            ValidatorIndex = share.ValidatorIndex,
            ShareIndex = share.ShareIndex,
            SidecarId = share.SidecarId,
            Reason = reason,
            Detail = detail,
        });

    private async Task PublishOutcomeAsync(ShareSubmitted share, ShareResult result, IPublishEndpoint publish, ConsumeContext? respondTo, CancellationToken ct)
    {
        if (result.Rejection is { } rejection)
        {
            metrics.ShareRejected(rejection.Reason);
            ShareRefused(logger, LogText.Short(share.ValidatorPublicKey), share.ValidatorIndex, share.ShareIndex, share.SidecarId, rejection.Reason, rejection.Detail);
            await publish.Publish(rejection, ct);
            if (respondTo is not null) await respondTo.RespondAsync(rejection);
        }
        else
        {
            if (result.Outcome == ShareOutcome.Accepted) metrics.ShareAccepted();
            if (result.Outcome == ShareOutcome.Repeated)
            {
                metrics.ShareRepeated();
                ShareRepeated(logger, LogText.Short(share.ValidatorPublicKey), share.ValidatorIndex, share.ShareIndex, share.SidecarId);
            }
            if (respondTo is not null)
                await respondTo.RespondAsync(new ShareTaken
                {
                    ExitId = ExitId.For(share.Network, share.ValidatorPublicKey, share.ValidatorIndex),
                    ShareIndex = share.ShareIndex,
                    Pending = result.Outcome == ShareOutcome.Pending,
                });
        }
        if (result.Completed) metrics.ExitReady();
        if (result.Ready is { } ready) await publish.Publish(ready, ct);
    }

    private sealed record PendingRow(long ShareIndex, byte[] Signature, string SidecarId, DateTime ReceivedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Share {ShareIndex} from {SidecarId} for validator {Validator} index {ValidatorIndex} rejected ({Reason}): {Detail}")]
    private static partial void ShareRefused(ILogger logger, string validator, ulong validatorIndex, ulong shareIndex, string sidecarId, ShareRejectionReason reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Share {ShareIndex} from {SidecarId} for validator {Validator} index {ValidatorIndex} came again; the same share is stored")]
    private static partial void ShareRepeated(ILogger logger, string validator, ulong validatorIndex, ulong shareIndex, string sidecarId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Share {ShareIndex} for validator {Validator} index {ValidatorIndex} waits for its exit or its cluster's announcement")]
    private static partial void SharePending(ILogger logger, string validator, ulong validatorIndex, ulong shareIndex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Exit signature of validator {Validator} index {ValidatorIndex} recovered, verified and re-shared for {Oracles} oracles")]
    private static partial void ExitReady(ILogger logger, string validator, long validatorIndex, int oracles);

    [LoggerMessage(Level = LogLevel.Error, Message = "Verified shares of validator {Validator} index {ValidatorIndex} recovered a signature that does not verify: check the cluster's announced public shares")]
    private static partial void RecoveredSignatureInvalid(ILogger logger, string validator, long validatorIndex);
}
