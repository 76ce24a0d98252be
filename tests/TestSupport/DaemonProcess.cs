using System.Diagnostics;

namespace DvtBus.TestSupport;

/// <summary>A built daemon run the way systemd would: its own process, settings from the environment only.</summary>
public static class DaemonProcess
{
    /// <summary>
    /// Runs <c>src/{daemon}.Worker</c> as built for this test run's configuration, with a loopback HTTP port
    /// and a broker address nothing listens on (so a test never reaches a real broker by accident), plus
    /// <paramref name="environment"/>; kills it after a minute.
    /// </summary>
    /// <param name="workingDirectory">Where it is started; its dll folder unless given (systemd starts it from anywhere).</param>
    /// <param name="unset">Variables left out of its environment, the defaults above included, so that appsettings.json supplies them.</param>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string daemon, IReadOnlyDictionary<string, string> environment, string? workingDirectory = null, IEnumerable<string>? unset = null)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Configuration>/net10.0
        var dll = Path.Combine(RepoPaths.Root, "src", $"{daemon}.Worker", "bin", configuration, "net10.0", $"DvtBus.{daemon}.Worker.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is not built", dll);
        var psi = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)!,
        };
        psi.Environment["Urls"] = "http://127.0.0.1:0";
        psi.Environment["RabbitMq__Host"] = "127.0.0.1";
        psi.Environment["RabbitMq__Port"] = "1";
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        foreach (var key in unset ?? []) psi.Environment.Remove(key);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
