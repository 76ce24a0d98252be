using System.Diagnostics;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Operator.Tests;

/// <summary>
/// ./dvt under a shared temporary folder and under Ctrl-C: it never sources a services file another user could
/// have written, and an interrupt while it stops services waits for the stop instead of abandoning them.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DvtScriptSafetyTests
{
    [Fact]
    public async Task Services_status_refuses_a_services_file_other_users_can_write_and_runs_nothing_from_it()
    {
        var tmp = Directory.CreateTempSubdirectory("dvt-shared-tmp-").FullName;
        try
        {
            var uid = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', ' ')
                .Where(p => p.Length > 0).ElementAt(1);
            var devBase = Path.Combine(tmp, "dvtbus-dev-" + uid);
            Directory.CreateDirectory(devBase, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var marker = Path.Combine(tmp, "ran");
            var env = Path.Combine(devBase, "services.env");
            await File.WriteAllTextAsync(env, $"touch '{marker}'\n");
            File.SetUnixFileMode(env, (UnixFileMode)Convert.ToInt32("666", 8));

            var (code, _, stderr) = await DvtScript.RunAsync(new Dictionary<string, string?> { ["TMPDIR"] = tmp }, "services", "status");

            Assert.NotEqual(0, code);
            Assert.Contains($"{env} is writable by other users", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(marker), "the services file was sourced");
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    [Fact]
    public async Task Interrupt_while_cleaning_up_waits_for_the_cleanup_to_finish()
    {
        var folder = Directory.CreateTempSubdirectory("dvt-cleanup-").FullName;
        try
        {
            var stopped = Path.Combine(folder, "stopped");
            var started = Path.Combine(folder, "started");
            var script = $"""
                . '{Path.Combine(RepoPaths.Root, "scripts", "lib", "common.sh")}'
                dvt_install_traps
                dvt_at_exit "touch '{started}'; sleep 2; touch '{stopped}'"
                dvt_cleanup_now
                """;
            var start = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardError = true, UseShellExecute = false };
            using var bash = Process.Start(start)!;
            var stderr = bash.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!File.Exists(started) && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.True(File.Exists(started), "the cleanup never started: " + await stderr);

            using (var kill = Process.Start("kill", ["-INT", bash.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            await bash.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.True(File.Exists(stopped), "the interrupt cut the cleanup short: " + await stderr);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The npm peers' Node.js floor (@noble/curves 2 needs 20.19), compared part by part, not as text.</summary>
    [Theory]
    [InlineData("v20.19.0", true)]
    [InlineData("v20.20.2", true)]
    [InlineData("v22.1.0", true)]
    [InlineData("v20.18.9", false)]
    [InlineData("v18.19.0", false)]
    [InlineData("v9.99.99", false)]
    [InlineData("not a version", false)]
    public async Task Node_older_than_the_peers_need_is_told_apart_from_a_newer_one(string version, bool enough)
    {
        var lib = Path.Combine(RepoPaths.Root, "scripts", "lib");
        var script = $$"""
            . '{{Path.Combine(lib, "common.sh")}}'
            . '{{Path.Combine(lib, "npm.sh")}}'
            node() { echo '{{version}}'; }
            dvt_node_new_enough
            """;
        using var bash = Process.Start(new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardError = true, UseShellExecute = false })!;
        var stderr = await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True((bash.ExitCode == 0) == enough, $"node {version}: exit {bash.ExitCode} {stderr}");
    }
}
