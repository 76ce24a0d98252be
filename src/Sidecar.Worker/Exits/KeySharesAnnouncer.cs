using DvtBus.Contracts;
using DvtBus.Sidecar.Worker.Keys;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DvtBus.Sidecar.Worker.Exits;

/// <summary>
/// Tells the relayer which validators this sidecar holds, with every public share and the threshold,
/// so that it can verify each share it receives. Sent once the bus is up and again every
/// <see cref="SidecarOptions.AnnounceInterval"/>, so that a relayer whose queue did not exist yet
/// still learns the keys; the relayer treats a repeated announcement as the same facts.
/// </summary>
internal sealed partial class KeySharesAnnouncer(
    IBus bus, SidecarKeys keys, ExitSigner signer, IHostApplicationLifetime lifetime,
    IOptions<SidecarOptions> options, ILogger<KeySharesAnnouncer> logger) : BackgroundService
{
    // Keeps each message well below the broker's frame limits even for 13-operator clusters.
    internal const int ValidatorsPerMessage = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        using var timer = new PeriodicTimer(options.Value.AnnounceInterval);
        do
        {
            try
            {
                await AnnounceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                AnnounceFailed(logger, e.GetType().Name, e.Message);
            }
        }
        while (await timer.TickAsync(stoppingToken));
    }

    /// <summary>What this sidecar holds, in messages of at most <see cref="ValidatorsPerMessage"/> validators.</summary>
    internal static IEnumerable<KeySharesAnnounced> Build(KeyRing ring, string sidecarId, string network) =>
        ring.Validators
            .OrderBy(v => v.PublicKey.ToString(), StringComparer.Ordinal)
            .Chunk(ValidatorsPerMessage)
            .Select(chunk => new KeySharesAnnounced
            {
                SidecarId = sidecarId,
                Network = network,
                Validators = chunk.Select(v => new AnnouncedValidator(
                    v.PublicKey, v.Threshold,
                    v.PublicShares.Select(s => new IndexedPublicShare(s.Id, s.PublicKey)).ToArray(),
                    v.HeldShareIndexes.ToArray())).ToArray(),
            });

    private async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        var messages = Build(keys.Ring, options.Value.Id, signer.Network.Name).ToList();
        await bus.PublishBatch(messages, cancellationToken);
        Announced(logger, keys.Ring.Validators.Count, messages.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Key shares of {Validators} validators announced in {Messages} messages")]
    private static partial void Announced(ILogger logger, int validators, int messages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key share announcement failed ({Type}: {Reason}); retrying at the next interval")]
    private static partial void AnnounceFailed(ILogger logger, string type, string reason);
}
