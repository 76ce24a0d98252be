using Dapper;
using DvtBus.Contracts;
using DvtBus.Primitives;
using Npgsql;

namespace DvtBus.Operator.Registration;

/// <summary>A validator's oracle shards for one index: shard k belongs to oracle k.</summary>
public sealed record StoredShards(BlsPublicKey PublicKey, ulong ValidatorIndex, IReadOnlyList<BlsPublicKey> PublicKeyShards, IReadOnlyList<EncryptedExitSignature> EncryptedShards);

/// <summary>The shards in <c>operator.exit_signatures</c>, and which open batch waits for them.</summary>
public sealed class ExitSignatureStore(NpgsqlDataSource db) : IExitSignatureStore
{
    /// <summary>Stores the shards (the relayer computes them once: a repeat changes nothing) and returns the open batches holding the key.</summary>
    public async Task<IReadOnlyList<Guid>> StoreAsync(SignatureReady ready, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO operator.exit_signatures (public_key, validator_index, oracle_threshold, public_key_shards, encrypted_shards)
            VALUES (@key, @index, @threshold, @publicShards, @encrypted) ON CONFLICT (public_key, validator_index) DO NOTHING
            """,
            new
            {
                key = ready.ValidatorPublicKey.ToArray(), index = (long)ready.ValidatorIndex, threshold = ready.OracleThreshold,
                publicShards = ready.PublicKeyShards.Select(s => s.ToArray()).ToArray(),
                encrypted = ready.EncryptedExitSignatures.Select(s => s.ToArray()).ToArray(),
            }, cancellationToken: ct));
        var member = $$"""[{"PublicKey": "{{ready.ValidatorPublicKey}}"}]""";
        return (await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM operator.batches WHERE finished_at IS NULL AND validators @> @member::jsonb",
            new { member }, cancellationToken: ct))).ToList();
    }

    public async Task<IReadOnlyList<RequestedShards>> StoredAsync(IReadOnlyList<RequestedShards> wanted, CancellationToken ct)
    {
        var found = await LoadAsync(wanted, ct);
        return found.Select(f => new RequestedShards(f.PublicKey, f.ValidatorIndex)).ToList();
    }

    public async Task<IReadOnlyList<StoredShards>> LoadAsync(IReadOnlyList<RequestedShards> wanted, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT s.public_key AS PublicKey, s.validator_index AS ValidatorIndex, s.public_key_shards AS PublicKeyShards, s.encrypted_shards AS EncryptedShards
            FROM operator.exit_signatures s
            JOIN unnest(@keys, @indexes) AS w(public_key, validator_index) USING (public_key, validator_index)
            """,
            new { keys = wanted.Select(w => w.PublicKey.ToArray()).ToArray(), indexes = wanted.Select(w => (long)w.ValidatorIndex).ToArray() },
            cancellationToken: ct));
        return rows.Select(r => new StoredShards(BlsPublicKey.From(r.PublicKey), (ulong)r.ValidatorIndex,
            r.PublicKeyShards.Cast<byte[]>().Select(s => BlsPublicKey.From(s)).ToList(), r.EncryptedShards.Cast<byte[]>().Select(s => EncryptedExitSignature.From(s)).ToList())).ToList();
    }

    // Npgsql hands a bytea[] column to Dapper as a plain Array.
    private sealed record Row(byte[] PublicKey, long ValidatorIndex, Array PublicKeyShards, Array EncryptedShards);
}
