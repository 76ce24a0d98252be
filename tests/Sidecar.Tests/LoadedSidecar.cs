using DvtBus.Sidecar.Worker;
using DvtBus.Sidecar.Worker.Exits;
using DvtBus.Sidecar.Worker.Keys;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DvtBus.Sidecar.Tests;

/// <summary>
/// The daemon's own configuration path (options binding, validation, key loading, exit signer) without
/// a transport: what the sidecar would hold and sign with, given these settings.
/// </summary>
internal sealed class LoadedSidecar : IAsyncDisposable
{
    private readonly IHost _host;

    private LoadedSidecar(IHost host)
    {
        _host = host;
        Keys = host.Services.GetRequiredService<SidecarKeys>();
        Signer = host.Services.GetRequiredService<ExitSigner>();
    }

    public SidecarKeys Keys { get; }
    public KeyRing Ring => Keys.Ring;
    public ExitSigner Signer { get; }

    public T Service<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    public static async Task<LoadedSidecar> LoadAsync(IDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSidecarKeys();
        builder.AddExitSigning();
        var host = builder.Build();
        try
        {
            await host.Services.GetRequiredService<SidecarKeys>().StartingAsync(CancellationToken.None);
            return new LoadedSidecar(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        _host.Dispose();
        return ValueTask.CompletedTask;
    }
}
