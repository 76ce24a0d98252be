using System.Diagnostics;
using DvtBus.TestSupport;

namespace DvtBus.Operator.Tests.Support;

/// <summary>Runs the repository's ./dvt with arguments and returns its exit code and output.</summary>
public static class DvtScript
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "dvt"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("./dvt did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"./dvt {string.Join(' ', args)} did not finish within a minute");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
