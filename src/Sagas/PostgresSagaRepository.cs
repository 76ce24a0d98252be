using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Saga;
using Npgsql;

namespace DvtBus.Sagas;

/// <summary>
/// Where one saga type lives: a table in the daemon's schema, created by the daemon's migrations:
/// <code>
/// CREATE TABLE {table} (correlation_id uuid PRIMARY KEY, current_state text NOT NULL, version integer NOT NULL,
///                       data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
///                       updated_at timestamptz NOT NULL DEFAULT now());
/// </code>
/// The instance is stored whole as JSON in <c>data</c>; <c>current_state</c> repeats its state so that a
/// person (or a status query) can read it without parsing JSON.
/// </summary>
public sealed partial class SagaTable<TSaga>
    where TSaga : class, ISaga
{
    public SagaTable(string schema, string table, Func<TSaga, string> currentState)
    {
        if (!PlainName().IsMatch(schema)) throw new ArgumentException($"'{schema}' is not a plain schema name", nameof(schema));
        if (!PlainName().IsMatch(table)) throw new ArgumentException($"'{table}' is not a plain table name", nameof(table));
        Name = schema + "." + table;
        CurrentState = currentState;
    }

    /// <summary>The qualified table name, <c>schema.table</c>.</summary>
    public string Name { get; }

    public Func<TSaga, string> CurrentState { get; }

    internal static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.General);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex PlainName();
}

/// <summary>
/// The database transaction a saga event is applied in. Activities find it as a payload of their context
/// (<c>context.GetPayload&lt;SagaTransaction&gt;()</c>) to write rows that must commit or roll back with the
/// saga's state, such as a <see cref="DurableTimeouts"/> entry.
/// </summary>
public sealed class SagaTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
{
    public NpgsqlConnection Connection { get; } = connection;

    public NpgsqlTransaction Transaction { get; } = transaction;
}

/// <summary>
/// A MassTransit saga repository on PostgreSQL with Npgsql and Dapper (MassTransit's own PostgreSQL
/// repositories need EF Core or Marten, which we do not use). Each event is applied in one transaction
/// that holds the instance's row lock (<c>SELECT … FOR UPDATE</c>) from load to commit, so events for one
/// saga take turns across threads and processes and none is lost. Two first events racing to create the
/// same instance meet the primary key: the loser's insert fails with <see cref="ConcurrencyException"/>,
/// the endpoint's retry applies it again, and it finds the instance. When the saga implements
/// <see cref="ISagaVersion"/>, every update also checks and bumps the version.
/// Only correlation by id is supported; an event correlated by a query is refused with a clear error.
/// </summary>
public sealed class PostgresSagaRepositoryContextFactory<TSaga>(
    NpgsqlDataSource db, SagaTable<TSaga> table, ISagaConsumeContextFactory<SagaTransaction, TSaga> factory)
    : ISagaRepositoryContextFactory<TSaga>, ILoadSagaRepositoryContextFactory<TSaga>, IQuerySagaRepositoryContextFactory<TSaga>
    where TSaga : class, ISaga
{
    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class
    {
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(context.CancellationToken);
        var sagaTransaction = new SagaTransaction(connection, transaction);
        await next.Send(new PostgresSagaRepositoryContext<TSaga, T>(table, sagaTransaction, context, factory));
        await transaction.CommitAsync(context.CancellationToken);
    }

    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class =>
        throw new NotSupportedException(
            $"{table.Name} correlates {typeof(T).Name} by id only; correlate the event with CorrelateById, not with a query");

    public async Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await asyncMethod(new LoadContext(table, connection, cancellationToken));
    }

    public Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        throw new NotSupportedException($"{table.Name} does not answer saga queries; load instances by id");

    public void Probe(ProbeContext context)
    {
        context.Add("persistence", "postgresql");
        context.Add("table", table.Name);
    }

    /// <summary>Reads without locking, for the test harness and for status views.</summary>
    private sealed class LoadContext(SagaTable<TSaga> table, NpgsqlConnection connection, CancellationToken cancellationToken)
        : BasePipeContext(cancellationToken), LoadSagaRepositoryContext<TSaga>
    {
        public Task<TSaga> Load(Guid correlationId) => SagaRows.LoadAsync(table, connection, null, correlationId, forUpdate: false, CancellationToken)!;
    }
}

/// <summary>
/// One event's view of the repository: every read and write goes through the event's transaction, and the
/// saga's context is built on this scope so that activities find the <see cref="SagaTransaction"/> payload.
/// </summary>
internal sealed class PostgresSagaRepositoryContext<TSaga, TMessage>(
    SagaTable<TSaga> table, SagaTransaction transaction, ConsumeContext<TMessage> context, ISagaConsumeContextFactory<SagaTransaction, TSaga> factory)
    : ConsumeContextScope<TMessage>(context, transaction), SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, ISaga
    where TMessage : class
{
    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        factory.CreateSagaConsumeContext(transaction, consumeContext, instance, mode);

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        factory.CreateSagaConsumeContext(transaction, this, instance, SagaConsumeContextMode.Add);

    /// <returns>Null when the instance already exists: the caller then loads it.</returns>
    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        if (!await SagaRows.InsertAsync(table, transaction, instance, onConflictNothing: true, CancellationToken)) return null!;
        return await factory.CreateSagaConsumeContext(transaction, this, instance, SagaConsumeContextMode.Insert);
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        var instance = await SagaRows.LoadAsync(table, transaction.Connection, transaction.Transaction, correlationId, forUpdate: true, CancellationToken);
        return instance is null ? null! : await factory.CreateSagaConsumeContext(transaction, this, instance, SagaConsumeContextMode.Load);
    }

    public Task Save(SagaConsumeContext<TSaga> context) =>
        SagaRows.InsertAsync(table, transaction, context.Saga, onConflictNothing: false, CancellationToken);

    public Task Update(SagaConsumeContext<TSaga> context) => SagaRows.UpdateAsync(table, transaction, context.Saga, CancellationToken);

    public Task Delete(SagaConsumeContext<TSaga> context) => SagaRows.DeleteAsync(table, transaction, context.Saga, CancellationToken);

    // Nothing was written for a discarded instance; an undone one is rolled back with the transaction.
    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<TSaga> context) => Task.CompletedTask;
}

/// <summary>The SQL of the repository, in one place.</summary>
internal static class SagaRows
{
    public static async Task<TSaga?> LoadAsync<TSaga>(
        SagaTable<TSaga> table, NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, bool forUpdate, CancellationToken ct)
        where TSaga : class, ISaga
    {
        var json = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            $"SELECT data::text FROM {table.Name} WHERE correlation_id = @id" + (forUpdate ? " FOR UPDATE" : ""),
            new { id }, transaction, cancellationToken: ct));
        if (json is null) return null;
        var saga = JsonSerializer.Deserialize<TSaga>(json, SagaTable<TSaga>.Json)
            ?? throw new SagaException($"{table.Name} holds a null instance", typeof(TSaga), id);
        saga.CorrelationId = id;
        return saga;
    }

    /// <returns>False when <paramref name="onConflictNothing"/> and the instance already exists.</returns>
    public static async Task<bool> InsertAsync<TSaga>(
        SagaTable<TSaga> table, SagaTransaction tx, TSaga saga, bool onConflictNothing, CancellationToken ct)
        where TSaga : class, ISaga
    {
        if (saga is ISagaVersion versioned) versioned.Version = 1;
        try
        {
            var inserted = await tx.Connection.ExecuteAsync(new CommandDefinition(
                $"""
                INSERT INTO {table.Name} (correlation_id, current_state, version, data)
                VALUES (@id, @state, 1, @data::jsonb){(onConflictNothing ? " ON CONFLICT (correlation_id) DO NOTHING" : "")}
                """,
                new { id = saga.CorrelationId, state = table.CurrentState(saga), data = Serialize(saga) }, tx.Transaction, cancellationToken: ct));
            return inserted == 1;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new ConcurrencyException(
                $"{table.Name}: instance {saga.CorrelationId} was created by a concurrent event; retrying applies this one to it",
                typeof(TSaga), saga.CorrelationId, e);
        }
    }

    public static async Task UpdateAsync<TSaga>(SagaTable<TSaga> table, SagaTransaction tx, TSaga saga, CancellationToken ct)
        where TSaga : class, ISaga
    {
        var expected = saga is ISagaVersion v ? v.Version : (int?)null;
        if (saga is ISagaVersion versioned) versioned.Version++;
        var updated = await tx.Connection.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE {table.Name} SET current_state = @state, version = version + 1, data = @data::jsonb, updated_at = now()
            WHERE correlation_id = @id AND (@expected::integer IS NULL OR version = @expected)
            """,
            new { id = saga.CorrelationId, state = table.CurrentState(saga), data = Serialize(saga), expected }, tx.Transaction, cancellationToken: ct));
        if (updated != 1)
            throw new ConcurrencyException(
                $"{table.Name}: instance {saga.CorrelationId} changed or vanished since it was loaded (expected version {expected})",
                typeof(TSaga), saga.CorrelationId);
    }

    public static Task DeleteAsync<TSaga>(SagaTable<TSaga> table, SagaTransaction tx, TSaga saga, CancellationToken ct)
        where TSaga : class, ISaga =>
        tx.Connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM {table.Name} WHERE correlation_id = @id", new { id = saga.CorrelationId }, tx.Transaction, cancellationToken: ct));

    private static string Serialize<TSaga>(TSaga saga) where TSaga : class, ISaga => JsonSerializer.Serialize(saga, SagaTable<TSaga>.Json);
}
