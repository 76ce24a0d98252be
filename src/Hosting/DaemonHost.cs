using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DvtBus.Hosting;

/// <summary>How every DvtBus daemon starts, reports its health and metrics, and stops.</summary>
public static class DaemonHost
{
    /// <summary>Exit code for a bad setting (sysexits EX_CONFIG): systemd shows it, and it is not retried blindly.</summary>
    public const int ConfigurationError = 78;

    public static WebApplicationBuilder CreateBuilder(string daemon, string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("INVOCATION_ID") is not null)
            builder.Logging.AddSystemdConsole(o => o.IncludeScopes = false);
        else
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            });
        builder.Services.AddHealthChecks().AddCheck("process", () => HealthCheckResult.Healthy(), tags: [HealthTags.Live]);
        builder.Services.AddSingleton(new PrometheusMetrics(MeterName(daemon)));
        builder.Services.AddHostedService<SystemdNotifier>();
        // systemd's TimeoutStopSec (units: 45 s) > host shutdown (30 s) > bus stop (20 s): in-flight work drains.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    /// <summary>The name of the daemon's one <c>Meter</c>; create it with <c>IMeterFactory.Create(MeterName(...))</c>.</summary>
    public static string MeterName(string daemon) => "DvtBus." + daemon;

    public static WebApplication MapOperationalEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(HealthTags.Live),
            ResponseWriter = WriteHealth,
        });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(HealthTags.Ready) || c.Tags.Contains(HealthTags.Live),
            ResponseWriter = WriteHealth,
        });
        app.MapGet("/metrics", (PrometheusMetrics metrics) =>
            Results.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        return app;
    }

    /// <summary>
    /// Runs until stopped. A bad setting or an unreachable dependency at start-up ends the process with
    /// one line on stderr naming what to fix, before the daemon ever reports ready.
    /// </summary>
    public static async Task<int> RunDaemonAsync(this WebApplication app, string daemon)
    {
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"{daemon}: configuration error: {string.Join("; ", e.Failures)}");
            return ConfigurationError;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"{daemon}: failed to start: {FirstLine(e)}");
            return 1;
        }
    }

    private static string FirstLine(Exception e)
    {
        var message = e.InnerException is { } inner && e is not InvalidOperationException ? inner.Message : e.Message;
        var newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    }
}
