using Microsoft.AspNetCore.Builder;
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

    /// <summary>
    /// Exit code when one of the daemon's background services failed and so stopped it (sysexits EX_SOFTWARE): the
    /// host itself stops cleanly then, and without it the process would exit 0, which a supervisor restarting only on
    /// failure (docker compose's <c>on-failure</c>) takes for a deliberate stop.
    /// </summary>
    public const int BackgroundServiceFailed = 70;

    public static WebApplicationBuilder CreateBuilder(string daemon, string[] args)
    {
        // appsettings.json sits beside the daemon's assembly; systemd and scripts start it from anywhere.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
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
        // Before every other hosted service, the web host's own included (the builder registered that already), so
        // that it is built first: see SettingsCheck.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, SettingsCheck>());
        builder.Services.AddHostedService<SystemdNotifier>();
        // systemd's TimeoutStopSec (units: 45 s) > host shutdown (30 s) > bus stop (20 s): in-flight work drains.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    /// <summary>The name of the daemon's one <c>Meter</c>; create it with <c>IMeterFactory.Create(MeterName(...))</c>.</summary>
    public static string MeterName(string daemon) => "DvtBus." + daemon;

    /// <summary>
    /// /health/live, /health/ready and /metrics. The checks are resolved per request, not while mapping,
    /// so that a bad setting surfaces inside <see cref="RunDaemonAsync"/> as one clear line.
    /// </summary>
    public static WebApplication MapOperationalEndpoints(this WebApplication app)
    {
        app.MapGet("/health/live", (HealthCheckService health, HttpContext context) =>
            WriteHealthAsync(health, context, c => c.Tags.Contains(HealthTags.Live), HealthStatus.Degraded));
        // Ready means healthy: with the broker gone MassTransit reports its endpoints Degraded, and such a
        // daemon takes no work.
        app.MapGet("/health/ready", (HealthCheckService health, HttpContext context) =>
            WriteHealthAsync(health, context, c => c.Tags.Contains(HealthTags.Ready) || c.Tags.Contains(HealthTags.Live), HealthStatus.Healthy));
        app.MapGet("/metrics", (PrometheusMetrics metrics) =>
            Results.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        return app;
    }

    /// <summary>
    /// Runs until stopped. A bad setting or an unreachable dependency at start-up ends the process with
    /// one line on stderr naming what to fix, before the daemon ever reports ready. A background service
    /// that fails stops the daemon with <see cref="BackgroundServiceFailed"/> and a line naming it.
    /// </summary>
    public static async Task<int> RunDaemonAsync(this WebApplication app, string daemon)
    {
        // Taken once every service has started (resolving them earlier would run their constructors before the
        // settings are validated); after the run the container is disposed, but their tasks still tell.
        IReadOnlyList<BackgroundService> background = [];
        app.Lifetime.ApplicationStarted.Register(() => background = app.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList());
        try
        {
            // What SettingsCheck does as the host starts, done before it: a daemon with bad settings says so in its one
            // line without the host logging its failure to start, stack trace and all, first.
            app.Services.GetService<IStartupValidator>()?.Validate();
            await app.RunAsync();
            if (background.FirstOrDefault(s => s.ExecuteTask is { IsFaulted: true }) is not { } failed) return 0;
            await Console.Error.WriteLineAsync(
                $"{daemon}: stopped because {failed.GetType().Name} failed: {FirstLine(failed.ExecuteTask!.Exception!.InnerException ?? failed.ExecuteTask.Exception)}");
            return BackgroundServiceFailed;
        }
        catch (Exception e) when (ValidationFailures(e) is { Count: > 0 } failures)
        {
            await Console.Error.WriteLineAsync($"{daemon}: configuration error: {string.Join("; ", failures)}");
            return ConfigurationError;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException or MassTransit.ConnectionException)
        {
            await Console.Error.WriteLineAsync($"{daemon}: failed to start: {FirstLine(e)}");
            return 1;
        }
    }

    /// <summary>
    /// What a person must fix, by the start's failure: start-up validation throws one exception per options class,
    /// or an aggregate of several; an <see cref="IConfigurationProblem"/> (a key file that does not load) says its one line.
    /// </summary>
    private static List<string> ValidationFailures(Exception e) => e switch
    {
        OptionsValidationException v => [.. v.Failures],
        IConfigurationProblem => [FirstLine(e)],
        AggregateException a when a.InnerExceptions.All(i => i is OptionsValidationException or IConfigurationProblem) =>
            [.. a.InnerExceptions.SelectMany(ValidationFailures)],
        _ => [],
    };

    private static string FirstLine(Exception e)
    {
        // The broker's own exception names the broker it could not reach; its inner one only says none was reachable.
        var message = e.InnerException is { } inner && e is not (InvalidOperationException or MassTransit.ConnectionException) ? inner.Message : e.Message;
        var newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }

    /// <param name="passing">The least status answered with 200; anything below is 503.</param>
    private static async Task WriteHealthAsync(
        HealthCheckService health, HttpContext context, Func<HealthCheckRegistration, bool> predicate, HealthStatus passing)
    {
        var report = await health.CheckHealthAsync(predicate, context.RequestAborted);
        context.Response.StatusCode = report.Status >= passing ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        await context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }
}
