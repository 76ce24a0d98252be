using Dapper;
using DvtBus.Contracts;
using DvtBus.Primitives;
using DvtBus.Relayer.Exits;
using Npgsql;

namespace DvtBus.Relayer.Clusters;

internal enum AnnouncementOutcome { New, Same, Conflict }

/// <summary>The announced clusters, in <c>relayer.validators</c>.</summary>
internal sealed class ClusterStore(NpgsqlDataSource db)
{
    /// <summary>The cluster, or its conflict (then the cluster is null), or neither when nothing was announced.</summary>
    public static async Task<(Cluster? Cluster, string? Conflict)> GetAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, string network, BlsPublicKey validator, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            "SELECT threshold, share_indexes AS ShareIndexes, public_shares AS PublicShares, conflict FROM relayer.validators WHERE network = @network AND public_key = @key",
            new { network, key = validator.ToArray() }, tx, cancellationToken: ct));
        if (row is null) return (null, null);
        if (row.Conflict is not null) return (null, row.Conflict);
        return (row.ToCluster(validator), null);
    }

    /// <summary>True when exactly this cluster is already stored (and not in conflict).</summary>
    public async Task<bool> IsKnownAsync(string network, Cluster cluster, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var (known, _) = await GetAsync(connection, null, network, cluster.ValidatorPublicKey, ct);
        return known is not null && known.SameAs(cluster);
    }

    /// <summary>
    /// Stores a checked announcement; a different one for a known validator marks it conflicting for good.
    /// Under the key's lock (<see cref="ExitStore.LockKeyAsync"/>): a share that finds no cluster and waits
    /// either sees this announcement or is seen by the release that follows it.
    /// </summary>
    public async Task<AnnouncementOutcome> AnnounceAsync(string network, Cluster cluster, string sidecarId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await ExitStore.LockKeyAsync(connection, tx, network, cluster.ValidatorPublicKey, ct);
        var outcome = await AnnounceLockedAsync(connection, tx, network, cluster, sidecarId, ct);
        await tx.CommitAsync(ct);
        return outcome;
    }

    private static async Task<AnnouncementOutcome> AnnounceLockedAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string network, Cluster cluster, string sidecarId, CancellationToken ct)
    {
        var ordered = cluster.PublicShares.OrderBy(s => s.Key).ToList();
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO relayer.validators (network, public_key, threshold, share_indexes, public_shares)
            VALUES (@network, @key, @threshold, @indexes, @shares) ON CONFLICT DO NOTHING
            """,
            new
            {
                network,
                key = cluster.ValidatorPublicKey.ToArray(),
                threshold = cluster.Threshold,
                indexes = ordered.Select(s => (long)s.Key).ToArray(),
                shares = ordered.Select(s => s.Value.ToArray()).ToArray(),
            }, tx, cancellationToken: ct));
        if (inserted == 1) return AnnouncementOutcome.New;

        var (known, conflict) = await GetAsync(connection, tx, network, cluster.ValidatorPublicKey, ct);
        if (conflict is not null) return AnnouncementOutcome.Conflict;
        if (known is not null && known.SameAs(cluster)) return AnnouncementOutcome.Same;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE relayer.validators SET conflict = @reason WHERE network = @network AND public_key = @key AND conflict IS NULL",
            new { network, key = cluster.ValidatorPublicKey.ToArray(), reason = $"sidecar {sidecarId} announced different public shares or threshold" },
            tx, cancellationToken: ct));
        return AnnouncementOutcome.Conflict;
    }

    // A class with setters, not a positional record: Npgsql reports array columns as System.Array,
    // which Dapper cannot match to a constructor parameter.
    private sealed class Row
    {
        public int Threshold { get; init; }
        public long[] ShareIndexes { get; init; } = [];
        public byte[][] PublicShares { get; init; } = [];
        public string? Conflict { get; init; }

        public Cluster ToCluster(BlsPublicKey validator) => new(
            validator, Threshold,
            ShareIndexes.Select((x, i) => (x, i)).ToDictionary(p => (ulong)p.x, p => BlsPublicKey.From(PublicShares[p.i])));
    }
}
