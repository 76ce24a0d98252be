using DvtBus.Hosting;
using DvtBus.Sidecar.Worker.Exits;
using DvtBus.Sidecar.Worker.Http;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DvtBus.Sidecar.Worker;

public static class SidecarRegistration
{
    /// <summary>The exit signer both transports share, and the sidecar's metrics.</summary>
    public static IHostApplicationBuilder AddExitSigning(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SidecarMetrics>();
        builder.Services.AddSingleton<ExitSigner>();
        return builder;
    }

    /// <summary>
    /// How exits reach the sidecar. Bus mode: its own queue <c>{daemon}-{Sidecar:Id}-exit-requested</c>
    /// (every sidecar gets every request) and the key-share announcements. HTTP mode
    /// (<c>Sidecar:Mode=Http</c>): polling a relayer's StakeWise API, no broker at all.
    /// </summary>
    public static IHostApplicationBuilder AddSidecarTransport(this IHostApplicationBuilder builder, string daemon)
    {
        var section = builder.Configuration.GetSection(SidecarOptions.Section);
        if (SidecarModes.IsHttp(section["Mode"]))
        {
            builder.Services.AddHttpClient<RelayerClient>((sp, http) =>
            {
                var url = sp.GetRequiredService<IOptions<SidecarOptions>>().Value.Relayer.Url ?? "";
                http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
                http.Timeout = TimeSpan.FromSeconds(30);
            });
            builder.Services.TryAddSingleton(TimeProvider.System);
            builder.Services.AddHostedService<RelayerPoller>();
            return builder;
        }
        builder.AddDvtBus($"{daemon}-{section["Id"]}", bus => bus.AddConsumer<ExitRequestedConsumer>(typeof(ExitRequestedConsumerDefinition)));
        builder.Services.AddHostedService<KeySharesAnnouncer>();
        return builder;
    }
}
