using System.Text.Json;
using Dapper;
using DvtBus.Hosting;
using DvtBus.TestSupport;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Xunit;

namespace DvtBus.Sagas.Tests;

/// <summary>The saga repository on the real broker and database: no lost update, no lost instance, one transaction per event.</summary>
public sealed class PostgresSagaRepositoryTests : IAsyncLifetime
{
    private readonly List<IHost> _hosts = [];
    private readonly ReceiveCounter _received = new();
    private string _vhost = "";
    private string _db = "";

    public async Task InitializeAsync()
    {
        _vhost = await TestServices.CreateVirtualHostAsync("saga");
        _db = await TestServices.CreateDatabaseAsync("saga");
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts) await StopAsync(host);
        await TestServices.DeleteVirtualHostAsync(_vhost);
    }

    [Fact]
    public async Task Events_racing_to_create_and_update_one_saga_from_two_processes_all_count_once()
    {
        var first = await StartAsync();
        await StartAsync();
        var id = Guid.NewGuid();

        var bus = first.Services.GetRequiredService<IBus>();
        await Task.WhenAll(Enumerable.Range(1, 120).Select(v => bus.Publish(new TallyAdded(id, v))));

        var row = await WaitForAsync(id, r => r.State.Values.Count >= 120);
        Assert.Equal(Enumerable.Range(1, 120), row.State.Values.Order());
        Assert.Equal("Open", row.CurrentState);
        // One insert and 119 updates, each a version.
        Assert.Equal(120, row.Version);
        Assert.Equal(120, row.State.Version);
    }

    [Fact]
    public async Task Many_sagas_each_see_exactly_their_own_events()
    {
        var host = await StartAsync();
        var bus = host.Services.GetRequiredService<IBus>();
        var ids = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToList();

        await Task.WhenAll(ids.SelectMany(id => Enumerable.Range(1, 5).Select(v => bus.Publish(new TallyAdded(id, v)))));

        foreach (var id in ids)
        {
            var row = await WaitForAsync(id, r => r.State.Values.Count >= 5);
            Assert.Equal([1, 2, 3, 4, 5], row.State.Values.Order());
            Assert.Equal(id, row.State.CorrelationId);
        }
        Assert.Equal(40, await ScalarAsync<long>("SELECT count(*) FROM tally.tallies"));
    }

    [Fact]
    public async Task Saga_state_survives_a_restart_of_the_process()
    {
        var id = Guid.NewGuid();
        var before = await StartAsync();
        var bus = before.Services.GetRequiredService<IBus>();
        foreach (var v in new[] { 1, 2, 3 }) await bus.Publish(new TallyAdded(id, v));
        await WaitForAsync(id, r => r.State.Values.Count == 3);
        // Stopped, not disposed: MassTransit keeps the first host's logger factory in a static context, and
        // a second host in the same test process would trip over it once disposed. A daemon has one host.
        await before.StopAsync();

        var after = await StartAsync();
        await after.Services.GetRequiredService<IBus>().Publish(new TallyAdded(id, 4));

        var row = await WaitForAsync(id, r => r.State.Values.Count == 4);
        Assert.Equal([1, 2, 3, 4], row.State.Values.Order());
    }

    [Fact]
    public async Task Finalized_saga_is_deleted_and_later_events_for_it_are_discarded()
    {
        var host = await StartAsync();
        var bus = host.Services.GetRequiredService<IBus>();
        var id = Guid.NewGuid();
        await bus.Publish(new TallyAdded(id, 1));
        await WaitForAsync(id, r => r.State.Values.Count == 1);

        await bus.Publish(new TallyClosed(id));
        await WaitUntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM tally.tallies WHERE correlation_id = @id", new { id }) == 0);

        // Closing again finds no instance and is discarded, not faulted: the delivery completes without a fault.
        var received = _received.Completed;
        await bus.Publish(new TallyClosed(id));
        await WaitUntilAsync(() => Task.FromResult(_received.Completed > received));
        Assert.Equal(0, _received.Faulted);
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM tally.tallies"));
        Assert.Equal(0, await ErrorQueueDepthAsync());
    }

    [Fact]
    public async Task Rows_an_activity_writes_in_the_saga_transaction_commit_with_the_state()
    {
        var host = await StartAsync();
        var bus = host.Services.GetRequiredService<IBus>();
        var id = Guid.NewGuid();
        var reminder = Guid.NewGuid();
        await bus.Publish(new TallyAdded(id, 1));
        await WaitForAsync(id, r => r.CurrentState == "Open");

        await bus.Publish(new TallyReminderRequested(id, reminder));

        await WaitForAsync(id, r => r.CurrentState == "Reminded");
        var body = await ScalarAsync<string>("SELECT body::text FROM tally.timeouts WHERE id = @reminder", new { reminder });
        Assert.Equal(id, JsonSerializer.Deserialize<TallyReminder>(body)!.TallyId);
    }

    [Fact]
    public async Task A_failing_activity_rolls_back_its_rows_and_the_state_and_the_event_reaches_the_error_queue()
    {
        var host = await StartAsync();
        var bus = host.Services.GetRequiredService<IBus>();
        var id = Guid.NewGuid();
        var reminder = Guid.NewGuid();
        await bus.Publish(new TallyAdded(id, 1));
        await WaitForAsync(id, r => r.CurrentState == "Open");

        await bus.Publish(new TallyBroken(id, reminder));

        await WaitUntilAsync(async () => await ErrorQueueDepthAsync() == 1, TimeSpan.FromSeconds(60));
        var row = await WaitForAsync(id, _ => true);
        Assert.Equal([1], row.State.Values);
        Assert.Equal(1, row.Version);
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM tally.timeouts WHERE id = @reminder", new { reminder }));

        // The saga is not wedged: the next event applies.
        await bus.Publish(new TallyAdded(id, 2));
        Assert.Equal([1, 2], (await WaitForAsync(id, r => r.State.Values.Count == 2)).State.Values);
    }

    /// <summary>
    /// 150 due rows of a type this process does not know (more than a sweep's batch of 100, all due before the
    /// good one) and one of a known type whose body no longer reads as it: the good timeout is still published,
    /// the unknown rows stay untouched, the unreadable one is renamed and left, and the daemon keeps running.
    /// </summary>
    [Fact]
    public async Task Unknown_and_unreadable_timeouts_neither_block_the_others_nor_stop_the_daemon()
    {
        var host = await StartAsync();
        var good = Guid.NewGuid();
        var broken = Guid.NewGuid();
        await using (var connection = new NpgsqlConnection(_db))
        {
            await connection.OpenAsync();
            // One transaction: the sweep sees all of them at once.
            await using var tx = await connection.BeginTransactionAsync();
            await connection.ExecuteAsync(
                "INSERT INTO tally.timeouts (id, due_at, message_type, body) SELECT gen_random_uuid(), now() - interval '1 hour', 'Gone.Renamed', '{}'::jsonb FROM generate_series(1, 150)", transaction: tx);
            await connection.ExecuteAsync(
                "INSERT INTO tally.timeouts (id, due_at, message_type, body) VALUES (@broken, now() - interval '10 minutes', @type, '\"not an object\"'::jsonb), (@good, now() - interval '1 minute', @type, @body::jsonb)",
                new { broken, good, type = typeof(TallyReminder).FullName, body = JsonSerializer.Serialize(new TallyReminder(Guid.NewGuid())) }, tx);
            await tx.CommitAsync();
        }

        await WaitUntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM tally.timeouts WHERE id = @good", new { good }) == 0);
        Assert.Equal(150, await ScalarAsync<long>("SELECT count(*) FROM tally.timeouts WHERE message_type = 'Gone.Renamed'"));
        Assert.Equal("unreadable:" + typeof(TallyReminder).FullName, await ScalarAsync<string>("SELECT message_type FROM tally.timeouts WHERE id = @broken", new { broken }));
        Assert.False(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }

    [Fact]
    public async Task Table_and_schema_names_must_be_plain_identifiers()
    {
        Assert.Throws<ArgumentException>(() => new SagaTable<TallyState>("tally; DROP", "tallies", s => s.CurrentState));
        Assert.Throws<ArgumentException>(() => new SagaTable<TallyState>("tally", "Tallies", s => s.CurrentState));
        Assert.Equal("tally.tallies", new SagaTable<TallyState>("tally", "tallies", s => s.CurrentState).Name);
        await Task.CompletedTask;
    }

    private sealed record Row(string CurrentState, int Version, TallyState State);

    private async Task<IHost> StartAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(TestServices.DaemonSettings(_vhost, _db));
        builder.AddDvtPostgres("tally", typeof(TallyState).Assembly);
        builder.AddDurableTimeouts("tally", typeof(TallyReminder));
        builder.Services.AddScoped<ScheduleReminderActivity>();
        builder.Services.AddScoped<ScheduleThenFailActivity>();
        builder.AddDvtBus("tally", bus =>
            bus.AddSagaStateMachine<TallyStateMachine, TallyState, TallyDefinition>().PostgresRepository("tally", "tallies", s => s.CurrentState));
        var host = builder.Build();
        await host.StartAsync();
        host.Services.GetRequiredService<IBus>().ConnectReceiveObserver(_received);
        _hosts.Add(host);
        return host;
    }

    private static async Task StopAsync(IHost host)
    {
        await host.StopAsync();
        host.Dispose();
    }

    private async Task<Row> WaitForAsync(Guid id, Func<Row, bool> condition)
    {
        Row? last = null;
        await WaitUntilAsync(async () =>
        {
            await using var connection = new NpgsqlConnection(_db);
            var raw = await connection.QuerySingleOrDefaultAsync<(string CurrentState, int Version, string Data)>(
                "SELECT current_state, version, data::text FROM tally.tallies WHERE correlation_id = @id", new { id });
            if (raw.Data is null) return false;
            last = new Row(raw.CurrentState, raw.Version, JsonSerializer.Deserialize<TallyState>(raw.Data)!);
            return condition(last);
        });
        return last!;
    }

    private async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(_db);
        return await connection.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException($"no value from {sql}");
    }

    private Task<long> ErrorQueueDepthAsync() => TestServices.ErrorQueueDepthAsync(_vhost);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached in time");
            await Task.Delay(100);
        }
    }

    /// <summary>How many deliveries the host's endpoints finished (consumed or discarded), and how many faulted.</summary>
    private sealed class ReceiveCounter : IReceiveObserver
    {
        private int _completed;
        private int _faulted;

        public int Completed => Volatile.Read(ref _completed);

        public int Faulted => Volatile.Read(ref _faulted);

        public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

        public Task PostReceive(ReceiveContext context)
        {
            Interlocked.Increment(ref _completed);
            return Task.CompletedTask;
        }

        public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) where T : class => Task.CompletedTask;

        public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) where T : class
        {
            Interlocked.Increment(ref _faulted);
            return Task.CompletedTask;
        }

        public Task ReceiveFault(ReceiveContext context, Exception exception)
        {
            Interlocked.Increment(ref _faulted);
            return Task.CompletedTask;
        }
    }
}
