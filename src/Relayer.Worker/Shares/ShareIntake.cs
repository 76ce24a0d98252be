using System.Diagnostics;
using Dapper;
using DvtBus.Bls;
using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.Relayer.Clusters;
using DvtBus.Relayer.Exits;
using DvtBus.Relayer.Oracles;
using MassTransit;
using Microsoft.Extensions.Logging;
using DvtBus.Sagas;
using Npgsql;

namespace DvtBus.Relayer.Shares;

internal enum ShareOutcome { Accepted, Pending, Rejected, Claimed }

/// <param name="Rejection">Set when <see cref="Outcome"/> is Rejected.</param>
/// <param name="Ready">Set when this share completed the exit (or repeated a share of a ready one).</param>
internal sealed record ShareResult(ShareOutcome Outcome, ShareRejected? Rejection = null, SignatureReady? Ready = null);

/// <summary>
/// Every exit-signature share goes through here, from the bus or HTTP. A share is verified against its
/// public share before it is stored; the exit's row lock then serialises storing and the one recovery
/// at threshold, across threads and relayer processes. A share that comes before its exit or its
/// cluster's announcement waits in <c>pending_shares</c> and is replayed when they arrive.
/// </summary>
internal sealed partial class ShareIntake(
    NpgsqlDataSource db, ExitStore exits, DurableTimeouts timeouts, Network network, OracleResharing oracles, RelayerMetrics metrics, ILogger<ShareIntake> logger)
{
    public async Task<ShareResult> SubmitAsync(ShareSubmitted share, IPublishEndpoint publish, CancellationToken ct)
    {
        var result = await ProcessAsync(share, fromPending: false, ct);
        await PublishAsync(share, result, publish, ct);
        // The exit or announcement may have landed between our read and our pending insert: replaying
        // now means one of the two sides always sees the other.
        if (result.Outcome == ShareOutcome.Pending)
            await ReplayPendingAsync(share.ValidatorPublicKey, publish, ct);
        return result;
    }

    /// <summary>
    /// A share sent over HTTP, which names no validator index (the public sidecar's shape): it is for
    /// the key's current exit, and a key without one is unknown.
    /// </summary>
    public async Task<ShareResult> SubmitForCurrentExitAsync(
        BlsPublicKey validator, ulong shareIndex, BlsSignature signature, string sidecarId, IPublishEndpoint publish, CancellationToken ct)
    {
        var current = await exits.CurrentAsync(validator, ct);
        var share = new ShareSubmitted
        {
            Network = network.Name,
            ValidatorPublicKey = validator,
            ValidatorIndex = current is null ? 0 : (ulong)current.ValidatorIndex,
            ShareIndex = shareIndex,
            ExitSignatureShare = signature,
            SidecarId = sidecarId,
        };
        if (current is not null) return await SubmitAsync(share, publish, ct);
        var rejected = Reject(share, ShareRejectionReason.UnknownValidator, "no exit was requested for this key");
        await PublishAsync(share, rejected, publish, ct);
        return rejected;
    }

    /// <summary>Processes the waiting shares of a validator whose exit or cluster just became known.</summary>
    public async Task ReplayPendingAsync(BlsPublicKey validator, IPublishEndpoint publish, CancellationToken ct)
    {
        List<PendingRow> pending;
        await using (var connection = await db.OpenConnectionAsync(ct))
            pending = (await connection.QueryAsync<PendingRow>(new CommandDefinition(
                "SELECT validator_index AS ValidatorIndex, share_index AS ShareIndex, signature, sidecar_id AS SidecarId FROM relayer.pending_shares WHERE network = @network AND public_key = @key",
                new { network = network.Name, key = validator.ToArray() }, cancellationToken: ct))).ToList();
        foreach (var row in pending)
        {
            var share = new ShareSubmitted
            {
                Network = network.Name,
                ValidatorPublicKey = validator,
                ValidatorIndex = (ulong)row.ValidatorIndex,
                ShareIndex = (ulong)row.ShareIndex,
                ExitSignatureShare = BlsSignature.From(row.Signature),
                SidecarId = row.SidecarId,
            };
            var result = await ProcessAsync(share, fromPending: true, ct);
            await PublishAsync(share, result, publish, ct);
        }
    }

    /// <summary>The SignatureReady of a ready exit, rebuilt from what is stored.</summary>
    public static async Task<SignatureReady?> ReadyMessageAsync(NpgsqlConnection connection, ExitRow exit, CancellationToken ct)
    {
        if (exit.State != ExitState.Ready || exit.OracleThreshold is not { } threshold) return null;
        var shards = (await connection.QueryAsync<(byte[] Pk, byte[] Enc)>(new CommandDefinition(
            "SELECT public_key_shard, encrypted_signature FROM relayer.oracle_shards WHERE exit_id = @id ORDER BY oracle_index",
            new { id = exit.Id }, cancellationToken: ct))).ToList();
        return new SignatureReady
        {
            ExitId = exit.Id,
            Network = exit.Network,
            ValidatorPublicKey = exit.ValidatorPublicKey,
            ValidatorIndex = (ulong)exit.ValidatorIndex,
            Epoch = (ulong)exit.Epoch,
            OracleThreshold = threshold,
            PublicKeyShards = shards.Select(s => BlsPublicKey.From(s.Pk)).ToList(),
            EncryptedExitSignatures = shards.Select(s => EncryptedExitSignature.From(s.Enc)).ToList(),
        };
    }

    private async Task<ShareResult> ProcessAsync(ShareSubmitted share, bool fromPending, CancellationToken ct)
    {
        if (!string.Equals(share.Network, network.Name, StringComparison.OrdinalIgnoreCase))
            return Reject(share, ShareRejectionReason.WrongNetwork, $"this relayer serves {network.Name}");
        if (share.ShareIndex == 0)
            return Reject(share, ShareRejectionReason.ZeroShareIndex, "share index 0 is the secret itself, never a share");

        var id = ExitId.For(network.Name, share.ValidatorPublicKey, share.ValidatorIndex);
        await using var connection = await db.OpenConnectionAsync(ct);
        var exit = await ExitStore.FindAsync(connection, id, null, forUpdate: false, ct);
        var (cluster, conflict) = await ClusterStore.GetAsync(connection, network.Name, share.ValidatorPublicKey, ct);

        ShareResult? early = null;
        if (exit?.State == ExitState.Superseded)
            early = Reject(share, ShareRejectionReason.Superseded, "a newer validator index was requested for this key");
        else if (conflict is not null)
            early = Reject(share, ShareRejectionReason.UnknownValidator, $"the cluster's key-share announcements conflict: {conflict}");
        else if (exit is null || cluster is null)
            return fromPending ? new ShareResult(ShareOutcome.Pending) : await HoldAsync(connection, share, ct);
        else if (!cluster.PublicShares.ContainsKey(share.ShareIndex))
            early = Reject(share, ShareRejectionReason.UnknownShareIndex, $"the cluster has no share index {share.ShareIndex}");
        if (early is not null)
            return fromPending && !await ClaimPendingAsync(connection, null, share, ct) ? new ShareResult(ShareOutcome.Claimed) : early;

        var publicShare = cluster!.PublicShares[share.ShareIndex];
        var valid = BlsScheme.Verify(publicShare, exit!.SigningRoot, share.ExitSignatureShare);

        await using var tx = await connection.BeginTransactionAsync(ct);
        exit = await ExitStore.FindAsync(connection, id, tx, forUpdate: true, ct);
        if (fromPending && !await ClaimPendingAsync(connection, tx, share, ct))
            return new ShareResult(ShareOutcome.Claimed);
        ShareResult result;
        if (exit!.State == ExitState.Superseded)
            result = Reject(share, ShareRejectionReason.Superseded, "a newer validator index was requested for this key");
        else if (!valid)
            result = Reject(share, ShareRejectionReason.DoesNotVerify, $"the share does not verify under public share {share.ShareIndex} for this exit");
        else if (!await InsertShareAsync(connection, tx, exit.Id, share, ct))
            result = Reject(share, ShareRejectionReason.Duplicate, $"share index {share.ShareIndex} was already accepted for this exit")
                with { Ready = await ReadyMessageAsync(connection, exit, ct) };
        else
        {
            metrics.ShareAccepted();
            var ready = exit.State is ExitState.Collecting or ExitState.Expired
                ? await CompleteAsync(connection, tx, exit, cluster, ct)
                : null;
            result = new ShareResult(ShareOutcome.Accepted, Ready: ready);
        }
        await tx.CommitAsync(ct);
        if (result.Ready is not null && result.Outcome == ShareOutcome.Accepted) metrics.ExitReady();
        return result;
    }

    /// <summary>At threshold: recover, verify, re-share for the oracles, encrypt and store; the full signature lives only in this frame.</summary>
    private async Task<SignatureReady?> CompleteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ExitRow exit, Cluster cluster, CancellationToken ct)
    {
        var shares = (await connection.QueryAsync<(long Index, byte[] Signature)>(new CommandDefinition(
            "SELECT share_index, signature FROM relayer.shares WHERE exit_id = @id ORDER BY share_index LIMIT @t",
            new { id = exit.Id, t = cluster.Threshold }, tx, cancellationToken: ct))).ToList();
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
                new { id = exit.Id, k, pk = set.PublicKeyShards[k].ToArray(), enc = set.EncryptedSignatures[k].ToArray() }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE relayer.exits SET state = 'ready', ready_at = now(), oracle_threshold = @t WHERE id = @id",
            new { id = exit.Id, t = set.Threshold }, tx, cancellationToken: ct));
        await timeouts.CancelAsync(connection, tx, exit.Id, ct);
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

    private static async Task<bool> InsertShareAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid exitId, ShareSubmitted share, CancellationToken ct) =>
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO relayer.shares (exit_id, share_index, signature, sidecar_id) VALUES (@exitId, @index, @signature, @sidecar) ON CONFLICT DO NOTHING",
            new { exitId, index = (long)share.ShareIndex, signature = share.ExitSignatureShare.ToArray(), sidecar = share.SidecarId },
            tx, cancellationToken: ct)) == 1;

    private async Task<ShareResult> HoldAsync(NpgsqlConnection connection, ShareSubmitted share, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO relayer.pending_shares (network, public_key, validator_index, share_index, signature, sidecar_id)
            VALUES (@network, @key, @index, @shareIndex, @signature, @sidecar) ON CONFLICT DO NOTHING
            """, PendingKey(share), cancellationToken: ct));
        SharePending(logger, LogText.Short(share.ValidatorPublicKey), share.ValidatorIndex, share.ShareIndex);
        return new ShareResult(ShareOutcome.Pending);
    }

    /// <summary>Takes a pending share off the table; false when another thread or process already took it.</summary>
    private async Task<bool> ClaimPendingAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, ShareSubmitted share, CancellationToken ct) =>
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM relayer.pending_shares WHERE network = @network AND public_key = @key AND validator_index = @index
                AND share_index = @shareIndex AND signature = @signature
            """, PendingKey(share), tx, cancellationToken: ct)) == 1;

    private object PendingKey(ShareSubmitted share) => new
    {
        network = network.Name,
        key = share.ValidatorPublicKey.ToArray(),
        index = (long)share.ValidatorIndex,
        shareIndex = (long)share.ShareIndex,
        signature = share.ExitSignatureShare.ToArray(),
        sidecar = share.SidecarId,
    };

    private ShareResult Reject(ShareSubmitted share, ShareRejectionReason reason, string detail) =>
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

    private async Task PublishAsync(ShareSubmitted share, ShareResult result, IPublishEndpoint publish, CancellationToken ct)
    {
        if (result.Rejection is { } rejection)
        {
            metrics.ShareRejected(rejection.Reason);
            ShareRefused(logger, LogText.Short(share.ValidatorPublicKey), share.ValidatorIndex, share.ShareIndex, share.SidecarId, rejection.Reason, rejection.Detail);
            await publish.Publish(rejection, ct);
        }
        if (result.Ready is { } ready) await publish.Publish(ready, ct);
    }

    private sealed record PendingRow(long ValidatorIndex, long ShareIndex, byte[] Signature, string SidecarId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Share {ShareIndex} from {SidecarId} for validator {Validator} index {ValidatorIndex} rejected ({Reason}): {Detail}")]
    private static partial void ShareRefused(ILogger logger, string validator, ulong validatorIndex, ulong shareIndex, string sidecarId, ShareRejectionReason reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Share {ShareIndex} for validator {Validator} index {ValidatorIndex} waits for its exit or its cluster's announcement")]
    private static partial void SharePending(ILogger logger, string validator, ulong validatorIndex, ulong shareIndex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Exit signature of validator {Validator} index {ValidatorIndex} recovered, verified and re-shared for {Oracles} oracles")]
    private static partial void ExitReady(ILogger logger, string validator, long validatorIndex, int oracles);

    [LoggerMessage(Level = LogLevel.Error, Message = "Verified shares of validator {Validator} index {ValidatorIndex} recovered a signature that does not verify: check the cluster's announced public shares")]
    private static partial void RecoveredSignatureInvalid(ILogger logger, string validator, long validatorIndex);
}
