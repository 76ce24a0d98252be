using System.Net;
using DvtBus.Hosting;
using DvtBus.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Integration.Tests;

public sealed class DaemonStartupTests
{
    public static TheoryData<string, string, string, string> BadSettings => new()
    {
        { "Relayer", "RabbitMq__Host", "", "RabbitMq:Host is required" },
        { "Sidecar", "RabbitMq__Host", "", "RabbitMq:Host is required" },
        { "Operator", "RabbitMq__Host", "", "RabbitMq:Host is required" },
        { "Relayer", "RabbitMq__Port", "70000", "RabbitMq:Port 70000 is not a TCP port" },
        { "Relayer", "Postgres__ConnectionString", "Host=127.0.0.1;Bogus Keyword=1", "Postgres:ConnectionString is malformed" },
        { "Operator", "Postgres__ConnectionString", "", "Postgres:ConnectionString is required" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Daemon_with_a_bad_setting_exits_with_one_line_naming_it(string daemon, string variable, string value, string expected)
    {
        var (exitCode, stdout, stderr) = await DaemonProcess.RunAsync(daemon, new Dictionary<string, string>
        {
            [variable] = value,
            ["Postgres__ConnectionString"] = variable == "Postgres__ConnectionString" ? value : "Host=127.0.0.1;Port=1;Username=x;Database=x",
        });

        Assert.Equal(DaemonHost.ConfigurationError, exitCode);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith($"{daemon.ToLowerInvariant()}: configuration error:", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("ready", stdout, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Key material that does not load (here a cluster lock that is not one) is for a person to fix: exit 78 and one
    /// line, so that systemd stops instead of restarting the sidecar, and its keystores being decrypted, every 5 s.
    /// </summary>
    [Fact]
    public async Task Sidecar_whose_key_files_do_not_load_exits_as_a_configuration_error()
    {
        var folder = Directory.CreateTempSubdirectory("sidecar-keys-").FullName;
        try
        {
            var lockFile = Path.Combine(folder, "cluster-lock.json");
            await File.WriteAllTextAsync(lockFile, "{}");
            var (exitCode, stdout, stderr) = await DaemonProcess.RunAsync("Sidecar", new Dictionary<string, string>
            {
                ["Sidecar__Id"] = "node-0",
                ["Sidecar__Network__Name"] = "hoodi",
                ["Sidecar__Obol__LockFile"] = lockFile,
                ["Sidecar__Obol__Nodes__0__Index"] = "0",
                ["Sidecar__Obol__Nodes__0__KeysDir"] = folder,
            });

            Assert.Equal(DaemonHost.ConfigurationError, exitCode);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("sidecar: configuration error: Obol:", line);
            Assert.Contains(lockFile, line);
            Assert.DoesNotContain("ready", stdout, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// RabbitMq:Host has no default and is left out of the environment: only the appsettings.json beside
    /// the daemon's assembly supplies it. The working directory holds an appsettings.json with a bad host,
    /// read only if the content root followed the working directory. A bad port stops the daemon at
    /// validation, which then names every bad setting; the broker's host is not among them.
    /// </summary>
    /// <summary>
    /// The host builds its hosted services, and the bus they need, before it validates the settings: without a check
    /// of every section first, the first bad section read (the broker's, here) hid the operator's own.
    /// </summary>
    [Fact]
    public async Task Operator_with_several_bad_sections_names_every_bad_setting_in_its_one_line()
    {
        var (exitCode, stdout, stderr) = await DaemonProcess.RunAsync("Operator", new Dictionary<string, string>
        {
            ["RabbitMq__Host"] = "",
            ["Postgres__ConnectionString"] = "Host=127.0.0.1;Port=1;Username=x;Database=x",
            ["Operator__Folder"] = "",
            ["Operator__MaxBatchSize"] = "0",
        });

        Assert.Equal(DaemonHost.ConfigurationError, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("operator: configuration error:", line);
        Assert.Contains("RabbitMq:Host is required", line);
        Assert.Contains("Operator:Folder is required", line);
        Assert.Contains("Operator:MaxBatchSize 0 must be 1 to 1000", line);
        Assert.DoesNotContain("Hosting failed to start", stdout);
    }

    [Theory]
    [InlineData("Relayer")]
    [InlineData("Sidecar")]
    [InlineData("Operator")]
    public async Task Daemon_started_from_another_folder_reads_the_appsettings_json_beside_its_assembly(string daemon)
    {
        var folder = Directory.CreateTempSubdirectory("daemon-cwd-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "appsettings.json"), """{ "RabbitMq": { "Host": "" } }""");

            var (exitCode, _, stderr) = await DaemonProcess.RunAsync(daemon, new Dictionary<string, string>
            {
                ["RabbitMq__Port"] = "70000",
                ["Postgres__ConnectionString"] = "Host=127.0.0.1;Port=1;Username=x;Database=x",
            }, workingDirectory: folder, unset: ["RabbitMq__Host"]);

            Assert.Equal(DaemonHost.ConfigurationError, exitCode);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"{daemon.ToLowerInvariant()}: configuration error:", line);
            Assert.Contains("RabbitMq:Port 70000 is not a TCP port", line);
            Assert.DoesNotContain("RabbitMq:Host", line);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// A background service that fails stops the host cleanly; the daemon must still exit non-zero, or a supervisor
    /// restarting on failure only (docker compose's on-failure) leaves it down. A stop asked for exits 0.
    /// </summary>
    [Theory]
    [InlineData(true, DaemonHost.BackgroundServiceFailed)]
    [InlineData(false, 0)]
    public async Task Daemon_whose_background_service_fails_exits_non_zero_and_a_requested_stop_exits_zero(bool fail, int expected)
    {
        var builder = DaemonHost.CreateBuilder("probe", []);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddHostedService(sp => new Ending(fail, sp.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>()));
        await using var app = builder.Build();

        Assert.Equal(expected, await app.RunDaemonAsync("probe").WaitAsync(TimeSpan.FromSeconds(60)));
    }

    private sealed class Ending(bool fail, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime) : Microsoft.Extensions.Hosting.BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(200, stoppingToken);
            if (fail) throw new InvalidOperationException("the deposit scanner lost its database");
            lifetime.StopApplication();
        }
    }

    [Fact]
    public async Task Health_and_metrics_endpoints_answer_once_the_bus_is_up()
    {
        var vhost = await TestServices.CreateVirtualHostAsync("health");
        var builder = DaemonHost.CreateBuilder("probe", []);
        builder.Configuration.AddInMemoryCollection(TestServices.DaemonSettings(vhost));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddDvtBus("probe", _ => { });
        await using var app = builder.Build();
        app.MapOperationalEndpoints();
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };

            var live = await http.GetAsync("/health/live");
            var ready = await http.GetAsync("/health/ready");
            var metrics = await http.GetAsync("/metrics");

            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("\"status\":\"Healthy\"", await ready.Content.ReadAsStringAsync());
            Assert.Contains("masstransit", await ready.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
            Assert.StartsWith("text/plain", metrics.Content.Headers.ContentType!.ToString());
        }
        finally
        {
            await app.StopAsync();
            await TestServices.DeleteVirtualHostAsync(vhost);
        }
    }
}
