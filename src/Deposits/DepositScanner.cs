using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DvtBus.Deposits;

/// <summary>
/// Keeps the deposit cache current, so that what is asked of it is checked against recent deposits. The host builds
/// its hosted services before it checks the settings; the index (with the network and node it needs) is therefore
/// taken when the scan starts, so that a bad setting is reported with the others instead of alone.
/// </summary>
public sealed partial class DepositScanner(Func<DepositIndex> deposits, TimeSpan interval, ILogger<DepositScanner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var index = deposits();
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await index.SyncAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The RPC client already retried; an unreachable node is waited out, not fatal.
                ScanFailed(logger, e.GetType().Name, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deposit log scan failed ({Error}: {Reason}); retrying on the next tick")]
    private static partial void ScanFailed(ILogger logger, string error, string reason);
}
