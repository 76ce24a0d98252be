using Dapper;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.Sagas;
using Npgsql;

namespace DvtBus.Relayer.Exits;

/// <summary>The states as <c>relayer.exits</c> spells them: the saga's state names in lower case.</summary>
internal static class ExitState
{
    public const string Collecting = "collecting";
    public const string Ready = "ready";
    public const string Expired = "expired";
    public const string Superseded = "superseded";

    /// <returns>The row's spelling of a saga state, or null for MassTransit's own Initial and Final.</returns>
    public static string? Of(string sagaState) => sagaState.ToLowerInvariant() switch
    {
        Collecting => Collecting,
        Ready => Ready,
        Expired => Expired,
        Superseded => Superseded,
        _ => null,
    };
}

internal sealed record ExitRow(
    Guid Id, string Network, byte[] PublicKey, long ValidatorIndex, long Epoch, byte[] SigningRoot,
    string State, DateTime CreatedAt, int? OracleThreshold)
{
    public BlsPublicKey ValidatorPublicKey => BlsPublicKey.From(PublicKey);
}

/// <summary>
/// <c>relayer.exits</c>: what the HTTP API and the share checks read about each exit. Only the exit's state
/// machine writes it, in the saga's transaction (<see cref="SagaTransaction"/>), so the row never disagrees
/// with the saga.
/// </summary>
internal static class ExitStore
{
    private const string Columns =
        "id, network, public_key AS PublicKey, validator_index AS ValidatorIndex, epoch, signing_root AS SigningRoot, state, created_at AS CreatedAt, oracle_threshold AS OracleThreshold";

    public static Task<ExitRow?> FindAsync(NpgsqlConnection connection, Guid id, NpgsqlTransaction? tx, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<ExitRow>(new CommandDefinition(
            $"SELECT {Columns} FROM relayer.exits WHERE id = @id", new { id }, tx, cancellationToken: ct));

    /// <summary>
    /// The current exit of a key: the latest request among those not superseded. Supersession reaches an older
    /// exit as an event, so for a moment it may still look current; the latest request is the one that counts.
    /// </summary>
    public static async Task<ExitRow?> CurrentAsync(NpgsqlConnection connection, string network, BlsPublicKey validator, CancellationToken ct) =>
        (await CurrentOfAsync(connection, network, [validator], ct)).GetValueOrDefault(validator);

    /// <summary>The current exit (<see cref="CurrentAsync"/>) of each of the keys that has one, in one query.</summary>
    public static async Task<IReadOnlyDictionary<BlsPublicKey, ExitRow>> CurrentOfAsync(
        NpgsqlConnection connection, string network, IReadOnlyCollection<BlsPublicKey> validators, CancellationToken ct) =>
        (await connection.QueryAsync<ExitRow>(new CommandDefinition(
            $"""
            SELECT DISTINCT ON (public_key) {Columns} FROM relayer.exits
            WHERE network = @network AND public_key = ANY(@keys) AND state <> 'superseded'
            ORDER BY public_key, requested_at DESC, id
            """,
            new { network, keys = validators.Select(v => v.ToArray()).ToArray() }, cancellationToken: ct)))
        .ToDictionary(r => r.ValidatorPublicKey);

    /// <summary>The exits of the ids that exist, in one query.</summary>
    public static async Task<IReadOnlyDictionary<Guid, ExitRow>> FindAllAsync(NpgsqlConnection connection, IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        (await connection.QueryAsync<ExitRow>(new CommandDefinition(
            $"SELECT {Columns} FROM relayer.exits WHERE id = ANY(@ids)", new { ids = ids.ToArray() }, cancellationToken: ct)))
        .ToDictionary(r => r.Id);

    /// <summary>
    /// Serialises, per validator key, whatever decides between a share waiting and a share being taken, and
    /// which request of a key is the latest. Held until the transaction ends.
    /// </summary>
    public static Task LockKeyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string network, BlsPublicKey validator, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtextextended(@network || encode(@key, 'hex'), 0))",
            new { network, key = validator.ToArray() }, tx, cancellationToken: ct));

    public static async Task<bool> SagaExistsAsync(SagaTransaction tx, Guid id, CancellationToken ct) =>
        await tx.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM relayer.exit_sagas WHERE correlation_id = @id)", new { id }, tx.Transaction, cancellationToken: ct));

    /// <summary>The other exits of the saga's key, with the time of their latest request.</summary>
    public static async Task<IReadOnlyList<OtherExit>> OthersOfKeyAsync(SagaTransaction tx, ExitSaga saga, CancellationToken ct) =>
        (await tx.Connection.QueryAsync<OtherExit>(new CommandDefinition(
            "SELECT id, requested_at AS RequestedAt, state FROM relayer.exits WHERE network = @network AND public_key = @key AND id <> @id",
            new { network = saga.Network, key = saga.Key.ToArray(), id = saga.CorrelationId }, tx.Transaction, cancellationToken: ct))).ToList();

    /// <summary>True when a later request named another index for the saga's key.</summary>
    public static Task<bool> NewerRequestExistsAsync(SagaTransaction tx, ExitSaga saga, CancellationToken ct) =>
        tx.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            SELECT EXISTS (SELECT 1 FROM relayer.exits
                           WHERE network = @network AND public_key = @key AND id <> @id AND requested_at > @requestedAt)
            """,
            new { network = saga.Network, key = saga.Key.ToArray(), id = saga.CorrelationId, requestedAt = saga.RequestedAt },
            tx.Transaction, cancellationToken: ct));

    /// <summary>
    /// Writes the exit's row for a (new or repeated) request. A new row starts as collecting; the state of an
    /// existing one is left to <see cref="SetStateAsync"/>, which follows every transition of the saga.
    /// </summary>
    public static Task UpsertAsync(SagaTransaction tx, ExitSaga saga, Network network, CancellationToken ct)
    {
        var exit = ExitSigning.Exit(network, (ulong)saga.ValidatorIndex);
        return tx.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO relayer.exits (id, network, public_key, validator_index, epoch, signing_root, state, expires_at, requested_at)
            VALUES (@id, @network, @key, @index, @epoch, @root, 'collecting', @expiresAt, @requestedAt)
            ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at, requested_at = EXCLUDED.requested_at
            """,
            new
            {
                id = saga.CorrelationId,
                network = saga.Network,
                key = saga.Key.ToArray(),
                index = saga.ValidatorIndex,
                epoch = saga.Epoch,
                root = ExitSigning.SigningRoot(network, exit).ToArray(),
                expiresAt = saga.ExpiresAt ?? saga.RequestedAt,
                requestedAt = saga.RequestedAt,
            }, tx.Transaction, cancellationToken: ct));
    }

    public static Task SetStateAsync(SagaTransaction tx, Guid id, string state, CancellationToken ct) =>
        tx.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE relayer.exits SET state = @state WHERE id = @id", new { id, state }, tx.Transaction, cancellationToken: ct));
}

internal sealed record OtherExit(Guid Id, DateTime RequestedAt, string State);
