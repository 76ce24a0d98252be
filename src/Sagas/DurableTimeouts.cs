using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;

namespace DvtBus.Sagas;

/// <summary>
/// Timeouts that survive restarts: each is a row in <c>{schema}.timeouts</c>, written in the caller's
/// transaction with the state it guards, and published by <see cref="TimeoutSweeper"/> once due.
/// RabbitMQ on Debian has no delayed-exchange plugin and Quartz is not on our mirror; this needs neither.
/// The daemon's migrations create the table:
/// <code>
/// CREATE TABLE timeouts (id uuid PRIMARY KEY, due_at timestamptz NOT NULL, message_type text NOT NULL,
///                        body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
/// CREATE INDEX timeouts_by_due_at ON timeouts (due_at);
/// </code>
/// </summary>
public sealed partial class DurableTimeouts
{
    private readonly string _table;
    private readonly IReadOnlyDictionary<string, Type> _types;

    /// <param name="schema">The daemon's schema, holding the <c>timeouts</c> table.</param>
    /// <param name="messageTypes">Only these types are ever written to or read from the table.</param>
    public DurableTimeouts(string schema, IEnumerable<Type> messageTypes)
    {
        if (!SchemaName().IsMatch(schema)) throw new ArgumentException($"'{schema}' is not a plain schema name", nameof(schema));
        _table = schema + ".timeouts";
        _types = messageTypes.ToDictionary(Name);
    }

    public string Schema => _table[..^".timeouts".Length];

    /// <summary>
    /// Schedules <paramref name="message"/> for <paramref name="dueAt"/> under <paramref name="id"/>; a timeout
    /// already scheduled under that id is replaced, so scheduling again pushes the deadline.
    /// </summary>
    public async Task ScheduleAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, DateTimeOffset dueAt, T message, CancellationToken ct)
        where T : class
    {
        var name = Name(typeof(T));
        if (!_types.ContainsKey(name))
            throw new InvalidOperationException($"{name} is not a registered timeout message type");
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO {_table} (id, due_at, message_type, body) VALUES (@id, @dueAt, @name, @body::jsonb)
            ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at, message_type = EXCLUDED.message_type, body = EXCLUDED.body
            """,
            new { id, dueAt = dueAt.UtcDateTime, name, body = JsonSerializer.Serialize(message) }, transaction, cancellationToken: ct));
    }

    /// <returns>False when nothing was scheduled under the id (or it already fired).</returns>
    public async Task<bool> CancelAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken ct) =>
        await connection.ExecuteAsync(new CommandDefinition($"DELETE FROM {_table} WHERE id = @id", new { id }, transaction, cancellationToken: ct)) == 1;

    /// <summary>
    /// Claims up to <paramref name="limit"/> due timeouts of the registered types (SKIP LOCKED: several processes
    /// never claim the same one), hands each to <paramref name="publish"/>, and deletes them only when all were
    /// handed over, so a crash repeats a timeout rather than losing it. A row of another type (renamed, or a
    /// newer version's during a rolling deploy) is never claimed: it stays where a person can see it, and takes no
    /// slot from the timeouts behind it. A row whose body no longer reads as its type is renamed
    /// <c>unreadable:&lt;type&gt;</c> and left in the table, instead of stopping the sweep.
    /// </summary>
    /// <returns>How many rows were claimed, and how many of them were unreadable.</returns>
    internal async Task<(int Claimed, int Unreadable)> FireDueAsync(NpgsqlDataSource db, int limit, Func<object, Type, CancellationToken, Task> publish, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var due = (await connection.QueryAsync<(Guid Id, string MessageType, string Body)>(new CommandDefinition(
            $"SELECT id, message_type, body::text FROM {_table} WHERE due_at <= now() AND message_type = ANY(@known) ORDER BY due_at LIMIT @limit FOR UPDATE SKIP LOCKED",
            new { limit, known = _types.Keys.ToArray() }, tx, cancellationToken: ct))).ToList();
        var published = new List<Guid>(due.Count);
        var unreadable = new List<Guid>();
        foreach (var (id, messageType, body) in due)
        {
            var type = _types[messageType];
            object? message;
            try
            {
                message = JsonSerializer.Deserialize(body, type);
            }
            catch (JsonException)
            {
                message = null;
            }
            if (message is null)
            {
                unreadable.Add(id);
                continue;
            }
            await publish(message, type, ct);
            published.Add(id);
        }
        await connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM {_table} WHERE id = ANY(@published)", new { published = published.ToArray() }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE {_table} SET message_type = 'unreadable:' || message_type WHERE id = ANY(@unreadable)",
            new { unreadable = unreadable.ToArray() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return (due.Count, unreadable.Count);
    }

    private static string Name(Type type) => type.FullName ?? type.Name;

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
