using Microsoft.Extensions.Hosting;

namespace DvtBus.Hosting;

/// <summary>
/// A hosted service built when the host starts it, not when the host lists its services (which comes before the
/// settings are checked): what it needs from settings is resolved after the check, so a bad setting is reported
/// together with every other one instead of failing alone while the service is built. Generic so that each
/// service is its own registration: <c>AddHostedService</c> keeps one registration per implementation type.
/// Not for a <see cref="BackgroundService"/>: the host watches those for failure by their type, and would not see
/// one inside this wrapper fail (let such a service resolve what it needs when it runs instead).
/// </summary>
public sealed class StartTimeHostedService<TService>(Func<TService> create) : IHostedService, IDisposable
    where TService : IHostedService
{
    private TService? _inner;

    public Task StartAsync(CancellationToken cancellationToken) => (_inner = create()).StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _inner is { } inner ? inner.StopAsync(cancellationToken) : Task.CompletedTask;

    public void Dispose() => (_inner as IDisposable)?.Dispose();
}
