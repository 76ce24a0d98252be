using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DvtBus.Sagas;

/// <summary>Publishes due timeouts on the bus, from every process of a daemon at once without doubles.</summary>
internal sealed partial class TimeoutSweeper(
    DurableTimeouts timeouts, IOptions<TimeoutOptions> options, NpgsqlDataSource db, IBus bus, IHostApplicationLifetime lifetime, ILogger<TimeoutSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The bus is connected once the host has started; publishing before that would fail.
        using (var started = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStarted, stoppingToken))
            await Task.Delay(Timeout.Infinite, started.Token).ContinueWith(_ => { }, TaskScheduler.Default);

        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    while (true)
                    {
                        var (claimed, unreadable) = await timeouts.FireDueAsync(db, options.Value.BatchSize, (m, t, ct) => bus.Publish(m, t, ct), stoppingToken);
                        if (unreadable > 0) Unreadable(logger, timeouts.Schema, unreadable);
                        if (claimed < options.Value.BatchSize) break;
                    }
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or MassTransitException)
                {
                    SweepFailed(logger, timeouts.Schema, e.Message);
                }
                await timer.WaitForNextTickAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} due timeouts in {Schema}.timeouts do not read as their type: left in the table as 'unreadable:<type>' for a person to look at")]
    private static partial void Unreadable(ILogger logger, string schema, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timeout sweep of schema {Schema} failed, retrying at the next interval: {Reason}")]
    private static partial void SweepFailed(ILogger logger, string schema, string reason);
}
