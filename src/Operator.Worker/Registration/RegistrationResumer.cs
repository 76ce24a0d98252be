using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Operator.Batches;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DvtBus.Operator.Registration;

/// <summary>
/// Announces again every unfinished batch that has no saga: at start-up, then on every
/// <see cref="OperatorOptions.ScanInterval"/>. The sagas are stored in PostgreSQL, so a restart loses
/// none of them; what this still protects is the gap in the intake between committing a batch and publishing
/// its <see cref="DepositFileAccepted"/> (a crash there, or a broker that refused the publish: the file has
/// left the inbox by then, so the intake never comes back to it), after which the batch would wait for ever.
/// A batch whose saga exists is left alone. Announcing one twice would do no harm (the saga ignores a second
/// acceptance), but is kept rare: while the daemon runs, a batch is taken for an orphan only once it is
/// <see cref="OperatorOptions.ResumeAfter"/> old (a younger one's acceptance may still be on its way), and
/// an orphan is announced at most once per ResumeAfter (one whose acceptance is lost again is not announced on every pass).
/// An orphan that stays one after being announced (its acceptance fails in the saga every time, and lands in the
/// saga's error queue) waits twice as long before each further announcement, up to <see cref="MaximumInterval"/>,
/// and is named in a warning from its third announcement on: it is never given up, but never floods the queues.
/// </summary>
internal sealed partial class RegistrationResumer(
    BatchStore batches, IBus bus, Network network, RegistrationTarget target, IOptions<OperatorOptions> options,
    ILogger<RegistrationResumer> logger)
    : BackgroundService
{
    /// <summary>The longest wait between two announcements of one orphan.</summary>
    internal static readonly TimeSpan MaximumInterval = TimeSpan.FromHours(1);

    /// <summary>When this process last announced each batch still orphaned, and how many times it has.</summary>
    private readonly Dictionary<Guid, (DateTime Last, int Count)> _announced = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.ScanInterval);
        // At start-up the orphans of the last run are announced whatever their age.
        var minimumAge = TimeSpan.Zero;
        do
        {
            try
            {
                await ResumeAsync(minimumAge, settings.ResumeAfter, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database or the broker gone for a moment: the orphans are still orphans on the next pass.
                PassFailed(logger, e.GetType().Name, e.Message);
            }
            minimumAge = settings.ResumeAfter;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ResumeAsync(TimeSpan minimumAge, TimeSpan resumeAfter, CancellationToken ct)
    {
        // Only the orphans are read: batches with a saga (almost all, almost always) cost the database one anti-join.
        var orphans = await batches.OpenAsync(ct, minimumAge, withoutSagaOnly: true);
        foreach (var gone in _announced.Keys.Except(orphans.Select(b => b.BatchId)).ToList()) _announced.Remove(gone);
        var now = DateTime.UtcNow;
        var due = orphans.Where(b => !_announced.TryGetValue(b.BatchId, out var last) || now - last.Last >= Interval(resumeAfter, last.Count))
            .ToList();
        foreach (var batch in due)
        {
            await bus.Publish(new DepositFileAccepted
            {
                BatchId = batch.BatchId, FileName = batch.FileName, ContentSha256 = batch.ContentSha256,
                Network = network.Name, Vault = target.Vault, Validators = batch.Validators,
            }, ct);
            int count = _announced.TryGetValue(batch.BatchId, out var last) ? last.Count + 1 : 1;
            _announced[batch.BatchId] = (now, count);
            if (count >= 3) StillOrphaned(logger, batch.BatchId, batch.FileName, count, Interval(resumeAfter, count));
        }
        if (due.Count > 0) Resumed(logger, due.Count);
    }

    /// <summary>The wait after an orphan's n-th announcement: ResumeAfter, doubled after each one, at most MaximumInterval.</summary>
    internal static TimeSpan Interval(TimeSpan resumeAfter, int announcements)
    {
        var cap = resumeAfter > MaximumInterval ? resumeAfter : MaximumInterval;
        var interval = resumeAfter;
        for (int i = 1; i < announcements && interval < cap; i++) interval *= 2;
        return interval < cap ? interval : cap;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId} of {FileName} has been announced {Count} times and still has no saga: "
        + "see the saga's error queue for why its acceptance fails; next announcement in {Wait}")]
    private static partial void StillOrphaned(ILogger logger, Guid batchId, string fileName, int count, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Information, Message = "Announced {Count} unfinished batches again: their acceptance never reached a saga")]
    private static partial void Resumed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for batches without a saga failed ({Error}: {Reason}); retrying on the next pass")]
    private static partial void PassFailed(ILogger logger, string error, string reason);
}
