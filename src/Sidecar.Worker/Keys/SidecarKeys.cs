using DvtBus.Crypto.Consensus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DvtBus.Sidecar.Worker.Keys;

/// <summary>
/// Loads the key shares while the host is starting, before the bus connects or the relayer is polled,
/// so that a bad keystore stops the daemon before it ever reports ready.
/// </summary>
internal sealed partial class SidecarKeys(IOptions<SidecarOptions> options, Network network, ILogger<SidecarKeys> logger) : IHostedLifecycleService, IDisposable
{
    private KeyRing? _ring;

    public KeyRing Ring => _ring ?? throw new InvalidOperationException("key shares are read while the host starts; nothing may sign before that");

    public bool Loaded => _ring is not null;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _ring ??= KeyLoader.Load(options.Value, network);
        SharesLoaded(logger, _ring.Validators.Count, _ring.ShareCount);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _ring?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Key shares loaded: {Validators} validators, {Shares} shares")]
    private static partial void SharesLoaded(ILogger logger, int validators, int shares);
}
