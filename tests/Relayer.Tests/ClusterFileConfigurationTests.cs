using DvtBus.Hosting;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>The built relayer run as systemd runs it: a cluster file it cannot use stops it before it starts, with exit 78 and one line.</summary>
public sealed class ClusterFileConfigurationTests : IDisposable
{
    // secp256k1's generator: a valid oracle key, so that the only failure is the cluster file's.
    private const string OracleKey = "0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";

    private readonly string _folder = Directory.CreateTempSubdirectory("relayer-cluster-config-").FullName;

    public static TheoryData<string, string> BadFiles => new()
    {
        // setting, what the file is
        { "Clusters__ObolLockFiles__0", "missing" },
        { "Clusters__ObolLockFiles__0", "malformed" },
        { "Clusters__ObolLockFiles__0", "hoodi" },
        { "Clusters__ObolLockFiles__0", "charon's hoodi lock" },
        { "Clusters__SsvKeySharesFiles__0", "missing" },
        { "Clusters__SsvKeySharesFiles__0", "malformed" },
        { "Clusters__SsvKeySharesFiles__0", "wrong operator id" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_cluster_file_the_relayer_cannot_use_stops_it_with_exit_78_and_one_line_naming_the_setting_and_the_file(string variable, string kind)
    {
        var file = kind switch
        {
            "missing" => Path.Combine(_folder, "no-such-file.json"),
            "malformed" => Write("malformed.json", "{\"cluster_definition\": {\"threshold\": 3,"),
            "hoodi" => HoodiLock(),
            "charon's hoodi lock" => RepoPaths.Vector("threshold", "charon", "test_cluster_lock.json"),
            "wrong operator id" => RepoPaths.Vector("ssv", "ssv-keys", "mock-key-shares", "item-with-wrong-operator-id.json"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var (exitCode, stdout, stderr) = await RunRelayerAsync(new() { [variable] = file });

        Assert.Equal(DaemonHost.ConfigurationError, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("relayer: configuration error: " + variable.Replace("__", ":"), line);
        Assert.Contains(file, line);
        Assert.DoesNotContain(";", line); // the file is the only failure
        Assert.Contains(kind switch
        {
            "missing" => "cannot read",
            "malformed" => "not valid JSON",
            "hoodi" or "charon's hoodi lock" => "is for fork version 0x10000910 (hoodi), not mainnet (0x00000000), the network this relayer serves",
            _ => "operator id 'aaa' is not a positive integer",
        }, line);
        Assert.DoesNotContain("Now listening", stdout);
    }

    [Fact]
    public async Task An_empty_path_stops_the_relayer_naming_the_setting()
    {
        var (exitCode, _, stderr) = await RunRelayerAsync(new() { ["Clusters__SsvKeySharesFiles__0"] = " " });
        Assert.Equal(DaemonHost.ConfigurationError, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("relayer: configuration error: Clusters:SsvKeySharesFiles:0 is empty: give the path of a file", line.TrimEnd());
    }

    [Fact]
    public async Task A_bad_cluster_file_is_reported_together_with_every_other_bad_setting()
    {
        var args = new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=none",
            ["Urls"] = "http://127.0.0.1:0",
            ["Network:Name"] = "atlantis",
            ["Api:Token"] = "relayer-test-token-0123456789",
            ["Oracles:PublicKeys:0"] = OracleKey,
            ["Oracles:ExitSignatureRecoverThreshold"] = "1",
            ["Clusters:ObolLockFiles:0"] = Path.Combine(_folder, "absent-lock.json"),
        }.Select(s => $"--{s.Key}={s.Value}").ToArray();
        await using var app = RelayerHost.Build(args);

        var e = await Record.ExceptionAsync(() => app.StartAsync());
        var failures = string.Join("\n", (e is AggregateException all ? all.InnerExceptions : [e!])
            .Select(x => Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(x)).SelectMany(x => x.Failures));
        Assert.Contains("unknown network 'atlantis'", failures);
        Assert.Contains("Clusters:ObolLockFiles:0: cannot read cluster lock " + Path.Combine(_folder, "absent-lock.json"), failures);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string HoodiLock()
    {
        var path = Path.Combine(_folder, "hoodi-lock.json");
        Support.ClusterLockFile.Write(path, [new Support.TestCluster()], forkVersion: "0x10000910");
        return path;
    }

    /// <summary>Runs the built relayer with settings from the environment only; broker and database are never reached.</summary>
    private static Task<(int ExitCode, string Stdout, string Stderr)> RunRelayerAsync(Dictionary<string, string> environment)
    {
        var settings = new Dictionary<string, string>
        {
            ["Postgres__ConnectionString"] = "Host=127.0.0.1;Port=1;Username=x;Database=x",
            ["Network__Name"] = "mainnet",
            ["Api__Token"] = "relayer-test-token-0123456789",
            ["Oracles__PublicKeys__0"] = OracleKey,
            ["Oracles__ExitSignatureRecoverThreshold"] = "1",
        };
        foreach (var (key, value) in environment) settings[key] = value;
        return DaemonProcess.RunAsync("Relayer", settings);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
