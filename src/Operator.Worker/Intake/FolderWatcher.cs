using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DvtBus.Operator.Intake;

/// <summary>
/// Watches inbox/ and lists it at start, on every watcher event and on a timer (a watcher whose buffer
/// overflows loses events). A file is taken only once two looks, <c>StabilityDelay</c> apart, see the
/// same size and modification time, so a file still being copied is left alone.
/// </summary>
public sealed partial class FolderWatcher(
    DepositFolder folder, DepositIntake intake, TimeSpan scanInterval, TimeSpan stabilityDelay, ILogger<FolderWatcher> logger) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<string, (long Size, DateTime Modified)> _lastLook = new(StringComparer.Ordinal);

    /// <summary>The folders exist once the host has started: ExecuteAsync runs on its own, after start returns.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        folder.Create();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var watcher = new FileSystemWatcher(folder.Inbox) { IncludeSubdirectories = false, InternalBufferSize = 64 * 1024 };
        watcher.Created += (_, _) => _wake.Writer.TryWrite(true);
        watcher.Changed += (_, _) => _wake.Writer.TryWrite(true);
        watcher.Renamed += (_, _) => _wake.Writer.TryWrite(true);
        watcher.Error += (_, e) =>
        {
            WatcherError(logger, e.GetException().GetType().Name);
            _wake.Writer.TryWrite(true);
        };
        watcher.EnableRaisingEvents = true;

        while (!stoppingToken.IsCancellationRequested)
        {
            bool pending;
            try
            {
                pending = await ScanAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A database or disk hiccup must not stop the watcher; the next scan retries every file still in the inbox.
                ScanFailed(logger, e);
                pending = true;
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(pending ? stabilityDelay : scanInterval);
            try
            {
                await _wake.Reader.ReadAsync(wait.Token);
                if (!pending) await Task.Delay(stabilityDelay, stoppingToken);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Takes every stable candidate in the inbox; true when some file is not stable yet and needs another look.</summary>
    public async Task<bool> ScanAsync(CancellationToken ct)
    {
        var pending = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(folder.Inbox).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (!DepositFolder.IsCandidate(name)) continue;
            seen.Add(name);
            var info = new FileInfo(path);
            if (!info.Exists) continue;
            var look = (info.Length, info.LastWriteTimeUtc);
            if (!_lastLook.TryGetValue(name, out var previous) || previous != look)
            {
                _lastLook[name] = look;
                pending = true;
                continue;
            }
            _lastLook.Remove(name);
            try
            {
                await intake.ProcessAsync(path, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One file that cannot be taken (unreadable, or the database gone for a moment) does not stop the
                // files after it. Only a file still in the inbox is tried again on the next scan.
                if (File.Exists(path)) FileFailed(logger, name, e);
                else FileFailedAfterLeaving(logger, name, e);
            }
        }
        foreach (var gone in _lastLook.Keys.Where(k => !seen.Contains(k)).ToList()) _lastLook.Remove(gone);
        return pending;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox watcher failed ({Error}); the periodic scan still finds new files")]
    private static partial void WatcherError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Taking {File} from the inbox failed; it is tried again on the next scan, the other files go on")]
    private static partial void FileFailed(ILogger logger, string file, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Taking {File} from the inbox failed after it had left the inbox (see processing/ and rejected/); it is not tried again")]
    private static partial void FileFailedAfterLeaving(ILogger logger, string file, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scanning the inbox failed; retrying on the next scan")]
    private static partial void ScanFailed(ILogger logger, Exception exception);
}
