using Microsoft.Extensions.Options;
using Npgsql;

namespace DvtBus.Hosting;

/// <summary>The daemon's database, section <c>Postgres</c>. Each daemon keeps its tables in its own schema.</summary>
public sealed class PostgresOptions
{
    public const string Section = "Postgres";

    public string ConnectionString { get; set; } = "";
}

internal sealed class PostgresOptionsValidator : IValidateOptions<PostgresOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.ConnectionString))
            return ValidateOptionsResult.Fail("Postgres:ConnectionString is required (Host=...;Port=...;Username=...;Database=...)");
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(o.ConnectionString);
            if (string.IsNullOrEmpty(builder.Host))
                return ValidateOptionsResult.Fail("Postgres:ConnectionString has no Host");
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The connection string may hold a password: name the setting, not its value.
            return ValidateOptionsResult.Fail($"Postgres:ConnectionString is malformed ({e.GetType().Name})");
        }
        return ValidateOptionsResult.Success;
    }
}
