using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DvtBus.Hosting;

/// <summary>
/// The first hosted service of every daemon, and it does its work when it is built. The host builds all its hosted
/// services (and the bus, and whatever they read from settings) before it validates the settings, so the first of
/// them to read a bad section would fail alone and hide the bad settings of every other. Built first, this checks
/// every section registered with <c>ValidateOnStart</c> before any other service is built, and the host stops with
/// all the failures together.
/// </summary>
internal sealed class SettingsCheck : IHostedService
{
    public SettingsCheck(IServiceProvider services) => services.GetService<IStartupValidator>()?.Validate();

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
