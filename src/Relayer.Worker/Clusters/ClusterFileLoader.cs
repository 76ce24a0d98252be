using DvtBus.Crypto.Consensus;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DvtBus.Relayer.Clusters;

/// <summary>
/// Announces the clusters of the configured files (<see cref="ClusterFileOptions"/>) once the bus is up, each
/// file as sidecar <c>file:&lt;file name&gt;</c>: the same interpolation check, conflict rule and release of
/// waiting shares as a sidecar's announcement. The files were read once already, by the start-up check; a
/// file that no longer reads is logged and skipped. A database or broker failure is retried until it passes,
/// since announcing again what is known changes nothing.
/// </summary>
internal sealed partial class ClusterFileLoader(
    Network network, ClusterAnnouncements announcements, IOptions<ClusterFileOptions> options, IBus bus, IHostApplicationLifetime lifetime,
    ILogger<ClusterFileLoader> logger)
    : BackgroundService
{
    internal static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.ObolLockFiles.Count == 0 && options.Value.SsvKeySharesFiles.Count == 0) return;

        // The bus is connected once the host has started; releasing waiting shares publishes on it.
        using (var started = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStarted, stoppingToken))
            await Task.Delay(Timeout.Infinite, started.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        if (stoppingToken.IsCancellationRequested) return;

        var (files, failures) = ClusterFiles.Read(options.Value, network);
        foreach (var failure in failures) Unreadable(logger, failure);
        foreach (var file in files)
        {
            while (true)
            {
                try
                {
                    var refused = await announcements.AnnounceAsync(network.Name, file.SidecarId, file.Validators, bus, stoppingToken);
                    if (refused.Count == 0) Announced(logger, file.Setting, file.File, file.Validators.Count);
                    else Refused(logger, file.Setting, file.File, refused.Count, file.Validators.Count);
                    break;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or MassTransitException)
                {
                    Failed(logger, file.Setting, file.File, e.Message, RetryDelay);
                    await Task.Delay(RetryDelay, stoppingToken);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Setting} {File}: the clusters of {Count} validators are known")]
    private static partial void Announced(ILogger logger, string setting, string file, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Setting} {File}: {Refused} of {Count} validators refused (each is logged with its reason); their shares wait until a person looks")]
    private static partial void Refused(ILogger logger, string setting, string file, int refused, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cluster file no longer readable, skipped: {Failure}")]
    private static partial void Unreadable(ILogger logger, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Setting} {File}: announcing its clusters failed ({Reason}), retrying in {Delay}")]
    private static partial void Failed(ILogger logger, string setting, string file, string reason, TimeSpan delay);
}
