using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;

namespace DvtBus.Hosting;

/// <summary>One numbered SQL file: <c>0001_create_exits.sql</c>.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Applies numbered SQL migrations to one schema, each in its own transaction, recorded in
/// <c>schema.schema_migrations</c>. A session advisory lock keyed by the schema serialises daemons
/// that start at the same time; the second one finds nothing left to do.
/// </summary>
public sealed partial class PostgresMigrator(NpgsqlDataSource dataSource, string schema, IReadOnlyList<Migration> migrations)
{
    public string Schema { get; } = PlainSchema(schema);

    /// <summary>Reads embedded resources named <c>*.Migrations.NNNN_name.sql</c> from an assembly.</summary>
    public static IReadOnlyList<Migration> FromAssembly(Assembly assembly)
    {
        var found = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ResourceName().Match(resource);
            if (!match.Success) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            found.Add(new Migration(int.Parse(match.Groups["version"].Value), match.Groups["name"].Value, reader.ReadToEnd()));
        }
        return Ordered(found);
    }

    public static IReadOnlyList<Migration> Ordered(IEnumerable<Migration> migrations)
    {
        var list = migrations.OrderBy(m => m.Version).ToList();
        for (var i = 1; i < list.Count; i++)
            if (list[i].Version == list[i - 1].Version)
                throw new InvalidOperationException($"two migrations share version {list[i].Version}: {list[i - 1].Name}, {list[i].Name}");
        return list;
    }

    /// <returns>The versions applied by this call (empty when the schema was up to date).</returns>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var ordered = Ordered(migrations);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var lockKey = LockKey(Schema);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@lockKey)", new { lockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"CREATE SCHEMA IF NOT EXISTS {Schema}; " +
                $"CREATE TABLE IF NOT EXISTS {Schema}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                cancellationToken: cancellationToken));
            var done = (await connection.QueryAsync<int>(new CommandDefinition(
                $"SELECT version FROM {Schema}.schema_migrations", cancellationToken: cancellationToken))).ToHashSet();
            var applied = new List<int>();
            foreach (var migration in ordered.Where(m => !done.Contains(m.Version)))
            {
                await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition($"SET LOCAL search_path TO {Schema}", transaction: tx, cancellationToken: cancellationToken));
                try
                {
                    await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: tx, cancellationToken: cancellationToken));
                }
                catch (PostgresException e)
                {
                    throw new InvalidOperationException($"migration {migration.Version:D4}_{migration.Name} of schema {Schema} failed: {e.MessageText}", e);
                }
                await connection.ExecuteAsync(new CommandDefinition(
                    $"INSERT INTO {Schema}.schema_migrations (version, name) VALUES (@Version, @Name)",
                    migration, tx, cancellationToken: cancellationToken));
                await tx.CommitAsync(cancellationToken);
                applied.Add(migration.Version);
            }
            return applied;
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@lockKey)", new { lockKey });
        }
    }

    private static long LockKey(string schema) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("dvtbus-migrations:" + schema)), 0);

    /// <summary>The schema name itself when it may be written into SQL as it is (lower case letters, digits, underscores); throws otherwise.</summary>
    public static string PlainSchema(string schema) =>
        SchemaName().IsMatch(schema) ? schema : throw new ArgumentException($"'{schema}' is not a plain schema name", nameof(schema));

    [GeneratedRegex(@"\.Migrations\.(?<version>\d{4})_(?<name>[A-Za-z0-9_]+)\.sql$")]
    private static partial Regex ResourceName();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
