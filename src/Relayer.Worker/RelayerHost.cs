using DvtBus.Contracts;
using DvtBus.Hosting;
using DvtBus.Relayer.Api;
using DvtBus.Sagas;
using Microsoft.AspNetCore.Builder;

namespace DvtBus.Relayer;

/// <summary>The relayer daemon, built the same way by Program and by tests that run it in-process.</summary>
public static class RelayerHost
{
    public const string Daemon = "relayer";

    public static WebApplication Build(string[] args)
    {
        var builder = DaemonHost.CreateBuilder(Daemon, args);
        builder.AddDvtPostgres(schema: Daemon, typeof(RelayerHost).Assembly);
        builder.AddDurableTimeouts(schema: Daemon, typeof(ExitLifetimeElapsed));
        builder.AddRelayer();
        builder.AddDvtBus(Daemon, bus => bus.AddRelayerConsumers());

        var app = builder.Build();
        app.MapOperationalEndpoints();
        app.MapRelayerApi();
        return app;
    }
}
