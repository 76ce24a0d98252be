using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Operator.Batches;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DvtBus.Operator.Registration;

/// <summary>
/// After a restart, announces every unfinished batch again. A saga that still exists ignores it; one
/// that was lost starts over from the exits, and shards already stored count at once.
/// </summary>
internal sealed partial class RegistrationResumer(BatchStore batches, IBus bus, Network network, RegistrationTarget target, ILogger<RegistrationResumer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var open = await batches.OpenAsync(stoppingToken);
        foreach (var batch in open)
            await bus.Publish(new DepositFileAccepted
            {
                BatchId = batch.BatchId, FileName = batch.FileName, ContentSha256 = batch.ContentSha256,
                Network = network.Name, Vault = target.Vault, Validators = batch.Validators,
            }, stoppingToken);
        if (open.Count > 0) Resumed(logger, open.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed {Count} unfinished batches")]
    private static partial void Resumed(ILogger logger, int count);
}
