using DvtBus.Hosting;
using DvtBus.Sidecar.Worker;
using DvtBus.Sidecar.Worker.Keys;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace DvtBus.Sidecar.Tests;

/// <summary>A sidecar daemon in-process, built with the same calls as Program.cs.</summary>
internal static class SidecarHost
{
    public const string Daemon = "sidecar";

    public static WebApplication Build(IDictionary<string, string?> settings)
    {
        var builder = DaemonHost.CreateBuilder(Daemon, []);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSidecarKeys();
        builder.AddExitSigning();
        builder.AddSidecarTransport(Daemon);
        var app = builder.Build();
        app.MapOperationalEndpoints();
        return app;
    }
}
