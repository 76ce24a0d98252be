using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DvtBus.Sagas;

public static class TimeoutRegistration
{
    /// <summary>
    /// <see cref="DurableTimeouts"/> on the daemon's schema (the daemon's migrations create its <c>timeouts</c>
    /// table) for the given message types, and the sweep that publishes them (section <c>Timeouts</c>).
    /// </summary>
    public static IHostApplicationBuilder AddDurableTimeouts(this IHostApplicationBuilder builder, string schema, params Type[] messageTypes)
    {
        builder.Services.AddSingleton<IValidateOptions<TimeoutOptions>, TimeoutOptionsValidator>();
        builder.Services.AddOptions<TimeoutOptions>().Bind(builder.Configuration.GetSection(TimeoutOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton(new DurableTimeouts(schema, messageTypes));
        builder.Services.AddHostedService<TimeoutSweeper>();
        return builder;
    }
}
