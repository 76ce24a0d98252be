using Dapper;
using DvtBus.Hosting;
using DvtBus.TestSupport;
using Npgsql;
using Xunit;

namespace DvtBus.Integration.Tests;

public sealed class MigrationTests
{
    private static readonly Migration[] Migrations =
    [
        new(1, "create_exits", "CREATE TABLE exits (id uuid PRIMARY KEY, validator_index bigint NOT NULL)"),
        new(2, "add_state", "ALTER TABLE exits ADD COLUMN state text NOT NULL DEFAULT 'requested'"),
    ];

    [Fact]
    public async Task Fresh_database_gets_every_migration_in_order()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("migrate"));

        var applied = await new PostgresMigrator(dataSource, "relayer", Migrations).MigrateAsync();

        Assert.Equal([1, 2], applied);
        await using var connection = await dataSource.OpenConnectionAsync();
        var columns = await connection.QueryAsync<string>(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'relayer' AND table_name = 'exits' ORDER BY ordinal_position");
        Assert.Equal(["id", "validator_index", "state"], columns);
        Assert.Equal([1, 2], await connection.QueryAsync<int>("SELECT version FROM relayer.schema_migrations ORDER BY version"));
    }

    [Fact]
    public async Task Second_run_applies_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("migrate"));
        var migrator = new PostgresMigrator(dataSource, "relayer", Migrations);
        await migrator.MigrateAsync();

        Assert.Empty(await migrator.MigrateAsync());
    }

    [Fact]
    public async Task Two_daemons_migrating_at_once_apply_each_version_once()
    {
        var connectionString = await TestServices.CreateDatabaseAsync("migrate");
        await using var first = NpgsqlDataSource.Create(connectionString);
        await using var second = NpgsqlDataSource.Create(connectionString);

        var results = await Task.WhenAll(
            new PostgresMigrator(first, "operator", Migrations).MigrateAsync(),
            new PostgresMigrator(second, "operator", Migrations).MigrateAsync());

        Assert.Equal([1, 2], results.SelectMany(r => r).Order());
        await using var connection = await first.OpenConnectionAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM operator.schema_migrations"));
    }

    [Fact]
    public async Task Failed_migration_is_rolled_back_and_named()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("migrate"));
        Migration[] broken = [Migrations[0], new(2, "broken", "ALTER TABLE exits ADD COLUMN x int; SELECT * FROM no_such_table")];

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new PostgresMigrator(dataSource, "relayer", broken).MigrateAsync());

        Assert.Contains("0002_broken", error.Message);
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal([1], await connection.QueryAsync<int>("SELECT version FROM relayer.schema_migrations"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'relayer' AND column_name = 'x'"));
    }

    [Fact]
    public void Duplicate_versions_are_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            PostgresMigrator.Ordered([Migrations[0], Migrations[0] with { Name = "again" }]));
        Assert.Contains("version 1", error.Message);
    }
}
