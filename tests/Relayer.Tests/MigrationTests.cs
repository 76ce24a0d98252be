using Dapper;
using DvtBus.Contracts;
using DvtBus.Hosting;
using DvtBus.Relayer.Tests.Support;
using Npgsql;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>A database the relayer wrote before exits had a state machine: no relayer has started on it yet.</summary>
public sealed class DatabaseBeforeExitSagas : RelayerEnvironment
{
    protected override int RelayersAtStart => 0;
}

public sealed class MigrationTests(DatabaseBeforeExitSagas env) : IClassFixture<DatabaseBeforeExitSagas>
{
    [Fact]
    public async Task Exits_recorded_before_the_state_machine_get_their_saga_and_carry_on()
    {
        var cluster = new TestCluster();
        var lapsedCluster = new TestCluster();
        const ulong old = 16_000, current = 16_001, lapsed = 16_002;
        var oldId = ExitId.For("mainnet", cluster.PublicKey, old);
        var currentId = ExitId.For("mainnet", cluster.PublicKey, current);
        var lapsedId = ExitId.For("mainnet", lapsedCluster.PublicKey, lapsed);
        await using (var db = NpgsqlDataSource.Create(env.Postgres))
        {
            var before = PostgresMigrator.FromAssembly(typeof(RelayerHost).Assembly).Where(m => m.Version <= 2).ToList();
            await new PostgresMigrator(db, "relayer", before).MigrateAsync();
            await using var connection = await db.OpenConnectionAsync();
            await connection.ExecuteAsync(
                "INSERT INTO relayer.validators (network, public_key, threshold, share_indexes, public_shares) VALUES ('mainnet', @key, 3, @indexes, @shares)",
                new { key = cluster.PublicKey.ToArray(), indexes = cluster.Shares.Select(s => (long)s.Id).ToArray(), shares = cluster.Shares.Select(s => s.Key.PublicKey.ToArray()).ToArray() });
            foreach (var (id, index, state) in new[] { (oldId, old, "superseded"), (currentId, current, "collecting") })
                await connection.ExecuteAsync(
                    """
                    INSERT INTO relayer.exits (id, network, public_key, validator_index, epoch, signing_root, state, expires_at)
                    VALUES (@id, 'mainnet', @key, @index, @epoch, @root, @state, now() + interval '1 day')
                    """,
                    new { id, key = cluster.PublicKey.ToArray(), index = (long)index, epoch = (long)TestCluster.Network.CapellaEpoch, root = TestCluster.SigningRoot(index).ToArray(), state });
            // Collecting, and its lifetime ran out while the relayer was being upgraded.
            await connection.ExecuteAsync(
                """
                INSERT INTO relayer.exits (id, network, public_key, validator_index, epoch, signing_root, state, expires_at)
                VALUES (@lapsedId, 'mainnet', @key, @index, @epoch, @root, 'collecting', now() - interval '1 minute')
                """,
                new { lapsedId, key = lapsedCluster.PublicKey.ToArray(), index = (long)lapsed, epoch = (long)TestCluster.Network.CapellaEpoch, root = TestCluster.SigningRoot(lapsed).ToArray() });
            await connection.ExecuteAsync(
                "INSERT INTO relayer.shares (exit_id, share_index, signature, sidecar_id) VALUES (@currentId, 1, @signature, 'node-1')",
                new { currentId, signature = cluster.Sign(1, current).ToArray() });
        }

        await env.StartRelayerAsync();

        var migrated = await env.WaitForSagaAsync(currentId, _ => true, "the current exit's saga");
        Assert.Equal("Collecting", migrated.CurrentState);
        Assert.Equal("Collecting", migrated.State.CurrentState);
        Assert.Equal(cluster.PublicKey.ToString(), migrated.State.ValidatorPublicKey);
        Assert.Equal((long)current, migrated.State.ValidatorIndex);
        Assert.Equal(1, migrated.State.SharesAccepted);
        Assert.Equal(3, migrated.State.Threshold);
        Assert.Equal(DateTimeKind.Utc, migrated.State.RequestedAt.Kind);
        // Its lifetime carries over as the durable timeout the saga would have written.
        Assert.Equal(migrated.State.ExpiresAt, await env.QueryScalarAsync<DateTime>("SELECT due_at FROM relayer.timeouts WHERE id = @currentId", new { currentId }));
        Assert.Equal(0, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.timeouts WHERE id = @oldId", new { oldId }));
        var superseded = await env.WaitForSagaAsync(oldId, _ => true, "the superseded exit's saga");
        Assert.Equal("Superseded", superseded.CurrentState);
        Assert.Equal(currentId, superseded.State.SupersededBy);

        // A migrated exit whose lifetime already ran out expires at the first sweep, as it did before the state machine.
        var expired = await env.Recorder.WaitForAsync<ExitExpired>(e => e.ExitId == lapsedId, "the lapsed migrated exit's ExitExpired");
        Assert.Equal(lapsed, expired.ValidatorIndex);
        Assert.Equal("Expired", (await env.WaitForSagaAsync(lapsedId, r => r.CurrentState == "Expired", "the lapsed exit's saga expired")).CurrentState);
        Assert.Equal("expired", await env.QueryScalarAsync<string>("SELECT state FROM relayer.exits WHERE id = @lapsedId", new { lapsedId }));

        await env.Bus.Publish(cluster.Share(2, current));
        await env.Bus.Publish(cluster.Share(3, current));
        await env.WaitReadyAsync(cluster, current);
        Assert.Equal("Ready", (await env.WaitForSagaAsync(currentId, r => r.CurrentState == "Ready", "the migrated exit ready")).CurrentState);
        Assert.Equal("ready", await env.QueryScalarAsync<string>("SELECT state FROM relayer.exits WHERE id = @currentId", new { currentId }));
    }
}
