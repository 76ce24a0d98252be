using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Npgsql;

namespace DvtBus.TestSupport;

/// <summary>
/// The real RabbitMQ and PostgreSQL that <c>./dvt test</c> starts (DVT_* environment variables).
/// Each test gets its own virtual host and its own database, so tests never see each other's queues
/// or rows and may run in parallel against one broker and one server.
/// </summary>
public static class TestServices
{
    public static string RabbitHost => Required("DVT_RABBITMQ_HOST");
    public static int RabbitPort => int.Parse(Required("DVT_RABBITMQ_PORT"));
    public static int RabbitManagementPort => int.Parse(Required("DVT_RABBITMQ_MANAGEMENT_PORT"));
    public static string RabbitUser => Environment.GetEnvironmentVariable("DVT_RABBITMQ_USER") ?? "guest";
    public static string RabbitPassword => Environment.GetEnvironmentVariable("DVT_RABBITMQ_PASSWORD") ?? "guest";
    public static string PostgresAdmin => Required("DVT_POSTGRES");

    public static HttpClient Management()
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://{RabbitHost}:{RabbitManagementPort}/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RabbitUser}:{RabbitPassword}")));
        return client;
    }

    /// <summary>How many messages wait in the virtual host's <c>_error</c> queues (the management API's last count).</summary>
    public static async Task<long> ErrorQueueDepthAsync(string virtualHost)
    {
        using var management = Management();
        using var queues = System.Text.Json.JsonDocument.Parse(await management.GetStringAsync($"api/queues/{Uri.EscapeDataString(virtualHost)}"));
        return queues.RootElement.EnumerateArray()
            .Where(q => q.GetProperty("name").GetString()!.EndsWith("_error", StringComparison.Ordinal))
            .Sum(q => q.TryGetProperty("messages", out var messages) ? messages.GetInt64() : 0);
    }

    /// <summary>Creates a fresh virtual host with full permissions for the test user.</summary>
    public static async Task<string> CreateVirtualHostAsync(string label)
    {
        var name = $"t-{label}-{Guid.NewGuid():N}";
        using var client = Management();
        (await client.PutAsync($"api/vhosts/{Uri.EscapeDataString(name)}", JsonContent.Create(new { }))).EnsureSuccessStatusCode();
        (await client.PutAsync($"api/permissions/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(RabbitUser)}",
            JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" }))).EnsureSuccessStatusCode();
        return name;
    }

    public static async Task DeleteVirtualHostAsync(string name)
    {
        using var client = Management();
        await client.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(name)}");
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    /// <param name="adminConnection">The server's admin connection; the shared server's when not given.</param>
    public static async Task<string> CreateDatabaseAsync(string label, string? adminConnection = null)
    {
        adminConnection ??= PostgresAdmin;
        var name = $"t_{label.ToLowerInvariant().Replace('-', '_')}_{Guid.NewGuid():N}";
        if (name.Length > 63) throw new ArgumentException("label too long for a database name", nameof(label));
        await using (var admin = new NpgsqlConnection(adminConnection))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(adminConnection) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>Configuration entries for a daemon host pointed at these services.</summary>
    public static Dictionary<string, string?> DaemonSettings(string virtualHost, string? postgres = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = RabbitHost,
            ["RabbitMq:Port"] = RabbitPort.ToString(),
            ["RabbitMq:VirtualHost"] = virtualHost,
            ["RabbitMq:Username"] = RabbitUser,
            ["RabbitMq:Password"] = RabbitPassword,
        };
        if (postgres is not null) settings["Postgres:ConnectionString"] = postgres;
        return settings;
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: integration tests run under ./dvt test (or ./dvt services up, then export the printed variables)");
}
