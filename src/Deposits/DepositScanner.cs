using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DvtBus.Deposits;

/// <summary>Keeps the deposit cache current, so that what is asked of it is checked against recent deposits.</summary>
public sealed partial class DepositScanner(DepositIndex index, TimeSpan interval, ILogger<DepositScanner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
