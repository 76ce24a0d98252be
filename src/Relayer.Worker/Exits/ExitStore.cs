using Dapper;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.Sagas;
using Npgsql;

namespace DvtBus.Relayer.Exits;

internal static class ExitState
{
    public const string Collecting = "collecting";
    public const string Ready = "ready";
    public const string Expired = "expired";
    public const string Superseded = "superseded";
}

internal sealed record ExitRow(
    Guid Id, string Network, byte[] PublicKey, long ValidatorIndex, long Epoch, byte[] SigningRoot,
    string State, DateTime CreatedAt, int? OracleThreshold)
{
    public BlsPublicKey ValidatorPublicKey => BlsPublicKey.From(PublicKey);
}

/// <summary>The exits, in <c>relayer.exits</c>.</summary>
internal sealed class ExitStore(NpgsqlDataSource db, Network network, DurableTimeouts timeouts)
{
    public const string Columns =
        "id, network, public_key AS PublicKey, validator_index AS ValidatorIndex, epoch, signing_root AS SigningRoot, state, created_at AS CreatedAt, oracle_threshold AS OracleThreshold";

    /// <summary>
    /// Records the exit for this key and index, superseding the exit of any other index for the key; a
    /// repeated request is a no-op, and a superseded or expired exit asked for again becomes current again
    /// with a new lifetime: a durable timeout written in the same transaction.
    /// </summary>
    /// <returns>The exit's id.</returns>
    public async Task<Guid> RequestAsync(BlsPublicKey validator, ulong validatorIndex, TimeSpan lifetime, CancellationToken ct)
    {
        var id = Contracts.ExitId.For(network.Name, validator, validatorIndex);
        var exit = ExitSigning.Exit(network, validatorIndex);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var args = new
        {
            id,
            network = network.Name,
            key = validator.ToArray(),
            index = (long)validatorIndex,
            epoch = (long)exit.Epoch,
            root = ExitSigning.SigningRoot(network, exit).ToArray(),
            expires = DateTime.UtcNow + lifetime,
        };
        // Requests for one key take turns, so two new indexes cannot both become current.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtextextended(@network || encode(@key, 'hex'), 0))", args, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE relayer.exits SET state = 'superseded' WHERE network = @network AND public_key = @key AND id <> @id AND state <> 'superseded'",
            args, tx, cancellationToken: ct));
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO relayer.exits (id, network, public_key, validator_index, epoch, signing_root, state, expires_at)
            VALUES (@id, @network, @key, @index, @epoch, @root, 'collecting', @expires)
            ON CONFLICT (id) DO UPDATE SET
                state = CASE WHEN EXISTS (SELECT 1 FROM relayer.oracle_shards s WHERE s.exit_id = @id) THEN 'ready' ELSE 'collecting' END,
                expires_at = @expires
            WHERE relayer.exits.state IN ('superseded', 'expired')
            """, args, tx, cancellationToken: ct));
        if (changed == 1)
            await timeouts.ScheduleAsync(connection, tx, id, args.expires, new Contracts.ExitLifetimeElapsed { ExitId = id }, ct);
        await tx.CommitAsync(ct);
        return id;
    }

    public static Task<ExitRow?> FindAsync(NpgsqlConnection connection, Guid id, NpgsqlTransaction? tx, bool forUpdate, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<ExitRow>(new CommandDefinition(
            $"SELECT {Columns} FROM relayer.exits WHERE id = @id" + (forUpdate ? " FOR UPDATE" : ""),
            new { id }, tx, cancellationToken: ct));

    /// <summary>The current (not superseded) exit of a key, if any.</summary>
    public async Task<ExitRow?> CurrentAsync(BlsPublicKey validator, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ExitRow>(new CommandDefinition(
            $"SELECT {Columns} FROM relayer.exits WHERE network = @network AND public_key = @key AND state <> 'superseded'",
            new { network = network.Name, key = validator.ToArray() }, cancellationToken: ct));
    }
}
