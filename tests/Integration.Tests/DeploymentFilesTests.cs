using System.Diagnostics;
using System.Text.RegularExpressions;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Integration.Tests;

/// <summary>
/// The deployment files under <c>compose/</c> agree with each other: systemd accepts every unit as written, and
/// under docker compose every key path an env file names is mounted into the service that reads it, from a host
/// folder the image build never sees.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static string Compose(params string[] parts) => Path.Combine([RepoPaths.Root, "compose", .. parts]);

    public static TheoryData<string> Units => new(Directory.GetFiles(Compose("systemd"), "*.service").Select(Path.GetFileName).OfType<string>().Order());

    /// <summary>systemd-analyze names every unknown key, bad value and missing section; a unit it says nothing about is one systemd takes as meant.</summary>
    [Theory]
    [MemberData(nameof(Units))]
    public async Task Systemd_finds_nothing_to_say_about_the_unit(string unit)
    {
        Assert.True(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze (Debian package systemd) is needed to check the units");
        var start = new ProcessStartInfo("/usr/bin/systemd-analyze") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "verify", Compose("systemd", unit) }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal("", (await output + await error).Trim());
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public void Every_key_path_an_env_file_names_is_mounted_read_only_into_its_service_from_outside_the_build_context()
    {
        var services = ComposeServices(File.ReadAllLines(Compose("docker-compose.yml")));
        var ignored = File.ReadAllLines(Path.Combine(RepoPaths.Root, ".dockerignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet();
        var checkedPaths = 0;

        foreach (var (name, block) in services)
        {
            var envFile = EnvFile().Match(block) is { Success: true } e ? e.Groups[1].Value : null;
            if (envFile is null) continue;
            var mounts = Mount().Matches(block).Select(m => (Source: m.Groups[1].Value, Target: m.Groups[2].Value, ReadOnly: m.Groups[3].Success)).ToList();
            var keyPaths = File.ReadAllLines(Compose(envFile))
                .Where(l => !l.TrimStart().StartsWith('#') && l.Contains('='))
                .Select(l => l[(l.IndexOf('=') + 1)..].Trim())
                .Where(v => v.StartsWith("/etc/dvtbus/keys/", StringComparison.Ordinal));
            foreach (var path in keyPaths)
            {
                var mount = mounts.SingleOrDefault(m => path.StartsWith(m.Target + "/", StringComparison.Ordinal));
                Assert.True(mount.Target is not null, $"{name}: {envFile} names {path}, which no volume of the service mounts");
                Assert.True(mount.ReadOnly, $"{name}: {mount.Target} holds keys and must be mounted :ro");
                Assert.StartsWith("./", mount.Source);
                Assert.Contains("compose/" + mount.Source[2..].Split('/')[0], ignored);
                checkedPaths++;
            }
        }

        // The operator's keystore and password file, and the sidecar's lock file and keys folder.
        Assert.True(checkedPaths >= 4, $"only {checkedPaths} key paths were found in the env files");
    }

    [Fact]
    public void The_operators_watched_folder_is_a_host_folder_outside_the_build_context_at_the_env_files_path()
    {
        var operatorBlock = ComposeServices(File.ReadAllLines(Compose("docker-compose.yml")))["operator"];
        var folder = File.ReadAllLines(Compose("env", "operator.env")).Single(l => l.StartsWith("Operator__Folder=", StringComparison.Ordinal))["Operator__Folder=".Length..];
        var mount = Mount().Matches(operatorBlock).Select(m => (Source: m.Groups[1].Value, Target: m.Groups[2].Value)).Single(m => m.Target == folder);

        Assert.Equal("./deposits", mount.Source);
        Assert.Contains("compose/deposits", File.ReadAllLines(Path.Combine(RepoPaths.Root, ".dockerignore")));
        Assert.Equal("/var/lib/dvtbus/operator", folder);
        Assert.Contains("StateDirectory=dvtbus/operator", File.ReadAllLines(Compose("systemd", "dvtbus-operator.service")));
    }

    /// <summary>The services of the compose file by name, each with its lines (indented two spaces under <c>services:</c>).</summary>
    private static Dictionary<string, string> ComposeServices(string[] lines)
    {
        var services = new Dictionary<string, string>();
        var inServices = false;
        string? current = null;
        foreach (var line in lines)
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0])) { inServices = line.StartsWith("services:", StringComparison.Ordinal); current = null; continue; }
            if (!inServices) continue;
            if (ServiceName().Match(line) is { Success: true } s) { current = s.Groups[1].Value; services[current] = ""; continue; }
            if (current is not null) services[current] += line + "\n";
        }
        Assert.NotEmpty(services);
        return services;
    }

    [GeneratedRegex(@"^  ([a-z0-9-]+):\s*$")]
    private static partial Regex ServiceName();

    [GeneratedRegex(@"env_file:\s*\[\s*([^\],\s]+)\s*\]")]
    private static partial Regex EnvFile();

    [GeneratedRegex(@"""(\./[^"":]+):(/[^"":]+)(:ro)?""")]
    private static partial Regex Mount();
}
