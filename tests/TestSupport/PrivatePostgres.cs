using System.Diagnostics;

namespace DvtBus.TestSupport;

/// <summary>
/// A PostgreSQL cluster of one test's own, started by the project's script library (scripts/lib/postgres.sh)
/// on a free loopback port under a temp folder, so that a test can take the database away and bring it back
/// (<see cref="StopAsync"/>, <see cref="StartAsync"/>) without touching the server the other tests share.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("dvtbus-pg-").FullName;
    private readonly int _port = LoopbackPort.Free();

    /// <summary>The admin connection (user postgres, database postgres).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Pooling=false";

    /// <summary>Starts the cluster: a fresh one the first time, the same one with its data after <see cref="StopAsync"/>.</summary>
    public Task StartAsync() => RunAsync($"postgres_start \"$BASE\" {_port}");

    /// <summary>Stops the server (fast shutdown): its clients' connections are cut and new ones refused.</summary>
    public Task StopAsync() => RunAsync("postgres_stop \"$BASE\"");

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_base, recursive: true);
    }

    private async Task RunAsync(string call)
    {
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["BASE"] = _base, ["DVT_ROOT"] = RepoPaths.Root },
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"set -e; . \"$DVT_ROOT/scripts/lib/common.sh\"; . \"$DVT_ROOT/scripts/lib/postgres.sh\"; {call}");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{call} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }
}
