using System.Diagnostics;

namespace DvtBus.Sidecar.Tests;

/// <summary>
/// The built daemon, run out of process as an operator would run it: unusable keys stop it before it
/// reports ready, with a non-zero exit code and one line on stderr naming the file and the problem.
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly ObolCluster _cluster = ObolCluster.Create(validators: 2);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Wrong_password_stops_the_daemon_with_one_line_naming_the_keystore()
    {
        File.WriteAllText(_cluster.PasswordFile(1, 1), "guessed-password");

        var run = await RunAsync(_cluster.Settings("wrong-password", "hoodi", 1));

        // A person must fix it: 78, so that systemd does not restart it (and decrypt every keystore again) in a loop.
        Assert.Equal(Hosting.DaemonHost.ConfigurationError, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sidecar: configuration error: ", line);
        Assert.Contains(_cluster.Keystore(1, 1), line);
        Assert.Contains("wrong password", line);
        Assert.DoesNotContain("guessed-password", run.Stdout + run.Stderr);
    }

    [Fact]
    public async Task Missing_keystore_stops_the_daemon_with_one_line_naming_it()
    {
        File.Delete(_cluster.Keystore(3, 0));

        var run = await RunAsync(_cluster.Settings("missing-keystore", "hoodi", 3));

        Assert.Equal(Hosting.DaemonHost.ConfigurationError, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.Contains($"keystore {_cluster.Keystore(3, 0)} is missing", line);
        Assert.Contains($"validator 0 ({_cluster.Validators[0]})", line);
    }

    [Fact]
    public async Task Lock_that_does_not_match_the_keys_stops_the_daemon_naming_validator_and_keystore()
    {
        using var other = ObolCluster.Create(validators: 2);
        var settings = SidecarSettings.Base("foreign-lock", "hoodi");
        SidecarSettings.AddObolNodes(settings, other.LockFile, [(0, _cluster.KeysDir(0))]);

        var run = await RunAsync(settings);

        Assert.Equal(Hosting.DaemonHost.ConfigurationError, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.Contains($"validator 0 ({other.Validators[0]})", line);
        Assert.Contains(_cluster.Keystore(0, 0), line);
        Assert.Contains("does not match public_shares[0] ", line);
    }

    /// <summary>A Hoodi cluster lock under a mainnet sidecar: its validators' exits would be signed under the wrong network's domain.</summary>
    [Fact]
    public async Task Lock_of_another_network_stops_the_daemon_naming_both_networks()
    {
        var run = await RunAsync(_cluster.Settings("other-network", "mainnet", 0));

        Assert.Equal(Hosting.DaemonHost.ConfigurationError, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.Contains($"cluster lock {_cluster.LockFile} is for fork version 0x10000910 (hoodi), not mainnet (0x00000000)", line);
    }

    [Fact]
    [Trait("Category", "Vectors")]
    public async Task Wrong_ssv_operator_password_stops_the_daemon_naming_the_operator_key_file()
    {
        var settings = SidecarSettings.Base("ssv-wrong-password", "mainnet");
        SidecarSettings.AddSsvOperator(settings, 0, 113, SsvFixtures.KeyFile(113), SsvFixtures.PasswordFile(11),
            SsvFixtures.Ceremony("13_operators_1_validator", "keyshares.json"));

        var run = await RunAsync(settings);

        Assert.Equal(Hosting.DaemonHost.ConfigurationError, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.Contains($"SSV operator 113: operator keystore {SsvFixtures.KeyFile(113)}", line);
        Assert.Contains("wrong password", line);
    }

    /// <summary>
    /// A keyshares file whose public shares are not all the validator's (operator 11's replaced by another valid point): the
    /// operator's own share still matches its public share, but the cluster is not the key's, so the daemon refuses it.
    /// </summary>
    [Fact]
    [Trait("Category", "Vectors")]
    public async Task Public_shares_that_do_not_interpolate_to_the_validator_key_stop_the_daemon()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(SsvFixtures.Ceremony("13_operators_1_validator", "keyshares.json")))!;
        var payload = json["shares"]![0]!["payload"]!;
        var data = Convert.FromHexString(payload["sharesData"]!.GetValue<string>()[2..]);
        const int signature = 96, publicKey = 48;
        Convert.FromHexString(payload["publicKey"]!.GetValue<string>()[2..]).CopyTo(data.AsSpan(signature, publicKey));
        payload["sharesData"] = "0x" + Convert.ToHexStringLower(data);
        var file = Path.Combine(Path.GetTempPath(), $"keyshares-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, json.ToJsonString());
        try
        {
            var settings = SidecarSettings.Base("ssv-foreign-public-shares", "mainnet");
            SidecarSettings.AddSsvOperator(settings, 0, 113, SsvFixtures.KeyFile(113), SsvFixtures.PasswordFile(113), file);

            var run = await RunAsync(settings);

            Assert.Equal(Hosting.DaemonHost.ConfigurationError, run.ExitCode);
            var line = Assert.Single(run.StderrLines);
            Assert.Contains("SSV operator 113", line);
            Assert.Contains("do not interpolate to the validator key", line);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Good keys but no broker where the settings say: one line naming the broker, not a stack trace.</summary>
    [Fact]
    public async Task An_unreachable_broker_stops_the_daemon_with_one_line()
    {
        var run = await RunAsync(_cluster.Settings("no-broker", "hoodi", 0));

        Assert.NotEqual(0, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("sidecar: failed to start: ", line);
        Assert.Contains("127.0.0.1", line);
    }

    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// Bus mode against a port where no broker listens: the keys are read before the bus connects, so a
    /// key problem is what stops the daemon.
    /// </summary>
    private static async Task<Run> RunAsync(Dictionary<string, string?> settings)
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "DvtBus.Sidecar.Worker.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        psi.ArgumentList.Add(worker);
        settings["Urls"] = "http://127.0.0.1:0";
        settings["RabbitMq:Host"] = "127.0.0.1";
        settings["RabbitMq:Port"] = "1";
        foreach (var (key, value) in settings) psi.ArgumentList.Add($"--{key}={value}");
        psi.Environment.Remove("NOTIFY_SOCKET");

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the sidecar kept running although its keys are unusable");
        }
        return new Run(process.ExitCode, await stdout, await stderr);
    }
}
