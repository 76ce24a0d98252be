using Dapper;
using DvtBus.Contracts;
using DvtBus.Primitives;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DvtBus.Relayer.Exits;

/// <summary>
/// Expires exits past their lifetime. The deadline is a column, so it survives restarts; each sweep
/// claims rows with SKIP LOCKED (several relayers never expire the same exit twice) and publishes
/// <see cref="ExitExpired"/> before it commits, so a crash repeats the event rather than losing it.
/// </summary>
internal sealed partial class ExitExpirySweeper(
    NpgsqlDataSource db, IBus bus, IHostApplicationLifetime lifetime, IOptions<ExitOptions> options,
    RelayerMetrics metrics, ILogger<ExitExpirySweeper> logger) : BackgroundService
{
    private const int Batch = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The bus is connected once the host has started; publishing before that would fail.
        using (var started = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStarted, stoppingToken))
            await Task.Delay(Timeout.Infinite, started.Token).ContinueWith(_ => { }, TaskScheduler.Default);

        using var timer = new PeriodicTimer(options.Value.ExpirySweepInterval);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    while (await SweepAsync(stoppingToken) == Batch) { }
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or RequestTimeoutException)
                {
                    SweepFailed(logger, e.Message);
                }
                await timer.WaitForNextTickAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task<int> SweepAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var expired = (await connection.QueryAsync<ExpiredRow>(new CommandDefinition(
            """
            UPDATE relayer.exits e SET state = 'expired'
            WHERE e.id IN (SELECT id FROM relayer.exits WHERE state = 'collecting' AND expires_at < now()
                           ORDER BY expires_at LIMIT @batch FOR UPDATE SKIP LOCKED)
            RETURNING e.id, e.network, e.public_key AS PublicKey, e.validator_index AS ValidatorIndex,
                (SELECT count(*) FROM relayer.shares s WHERE s.exit_id = e.id) AS SharesAccepted,
                COALESCE((SELECT threshold FROM relayer.validators v WHERE v.network = e.network AND v.public_key = e.public_key), 0) AS Threshold
            """, new { batch = Batch }, tx, cancellationToken: ct))).ToList();
        foreach (var row in expired)
            await bus.Publish(new ExitExpired
            {
                ExitId = row.Id,
                Network = row.Network,
                ValidatorPublicKey = BlsPublicKey.From(row.PublicKey),
                ValidatorIndex = (ulong)row.ValidatorIndex,
                SharesAccepted = (int)row.SharesAccepted,
                Threshold = row.Threshold,
            }, ct);
        await tx.CommitAsync(ct);
        if (expired.Count > 0)
        {
            metrics.ExitsExpired(expired.Count);
            Expired(logger, expired.Count);
        }
        return expired.Count;
    }

    private sealed record ExpiredRow(Guid Id, string Network, byte[] PublicKey, long ValidatorIndex, long SharesAccepted, int Threshold);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} exits expired with too few valid shares")]
    private static partial void Expired(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Exit expiry sweep failed, retrying at the next interval: {Reason}")]
    private static partial void SweepFailed(ILogger logger, string reason);
}
