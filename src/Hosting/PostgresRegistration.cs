using System.Reflection;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DvtBus.Hosting;

public static class PostgresRegistration
{
    /// <summary>
    /// The daemon's <see cref="NpgsqlDataSource"/>, its schema migrated from the SQL files embedded in
    /// <paramref name="migrations"/> before anything else starts, and a readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddDvtPostgres(this IHostApplicationBuilder builder, string schema, Assembly migrations)
    {
        builder.Services.AddSingleton<IValidateOptions<PostgresOptions>, PostgresOptionsValidator>();
        builder.Services.AddOptions<PostgresOptions>()
            .Bind(builder.Configuration.GetSection(PostgresOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton(sp =>
            NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString));
        builder.Services.AddSingleton(sp =>
            new PostgresMigrator(sp.GetRequiredService<NpgsqlDataSource>(), schema, PostgresMigrator.FromAssembly(migrations)));
        builder.Services.AddHostedService<MigrationService>();
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: [HealthTags.Ready]);
        return builder;
    }
}

/// <summary>Migrates while the host is starting, so no consumer sees an old schema.</summary>
internal sealed partial class MigrationService(PostgresMigrator migrator, ILogger<MigrationService> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var applied = await migrator.MigrateAsync(cancellationToken);
        if (applied.Count > 0) Migrated(logger, migrator.Schema, string.Join(", ", applied));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema {Schema} migrated: applied {Versions}")]
    private static partial void Migrated(ILogger logger, string schema, string versions);
}

internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL unreachable: check Postgres:ConnectionString and that the server runs", e);
        }
    }
}
