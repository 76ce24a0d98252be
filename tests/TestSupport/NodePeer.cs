using System.Diagnostics;
using System.Text;

namespace DvtBus.TestSupport;

/// <summary>
/// Runs one of the project's Node scripts under tools/js (so that ESM resolution finds the pinned
/// packages in tools/js/node_modules), feeding it stdin and returning stdout. A non-zero exit fails
/// with the script's stderr.
/// </summary>
public static class NodePeer
{
    public static async Task<string> RunAsync(string script, string stdin, TimeSpan? timeout = null, params string[] args)
    {
        var path = Path.Combine(RepoPaths.JsTools, script);
        if (!File.Exists(path)) throw new FileNotFoundException("node script missing", path);
        if (!Directory.Exists(RepoPaths.NodeModules))
            throw new InvalidOperationException($"npm peers are not installed in {RepoPaths.NodeModules}: run ./dvt test");
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.JsTools,
            StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(path);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish in time");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"node {script} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
