using DvtBus.Crypto.Consensus;
using DvtBus.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DvtBus.Sidecar.Worker.Keys;

public static class KeysRegistration
{
    /// <summary>
    /// The <c>Sidecar</c> options (validated at start), the network they name, and the key shares,
    /// loaded and checked while the host starts.
    /// </summary>
    public static IHostApplicationBuilder AddSidecarKeys(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<SidecarOptions>, SidecarOptionsValidator>();
        builder.Services.AddOptions<SidecarOptions>()
            .Bind(builder.Configuration.GetSection(SidecarOptions.Section))
            .Configure<IConfiguration>((o, configuration) =>
            {
                // "Sidecar:Network": "hoodi" names a built-in network without a sub-section.
                if (configuration.GetSection(SidecarOptions.Section).GetSection("Network").Value is { Length: > 0 } name)
                    o.Network.Name = name;
            })
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => Networks.Resolve(sp.GetRequiredService<IOptions<SidecarOptions>>().Value.Network));
        builder.Services.AddSingleton<SidecarKeys>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SidecarKeys>());
        builder.Services.AddHealthChecks().AddCheck<KeysHealthCheck>("keys", tags: [HealthTags.Ready]);
        return builder;
    }
}

internal sealed class KeysHealthCheck(SidecarKeys keys) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(keys.Loaded
            ? HealthCheckResult.Healthy($"{keys.Ring.Validators.Count} validators, {keys.Ring.ShareCount} shares")
            : HealthCheckResult.Unhealthy("key shares not loaded yet: the daemon is still starting"));
}
