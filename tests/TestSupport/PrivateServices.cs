using System.Diagnostics;

namespace DvtBus.TestSupport;

/// <summary>
/// A RabbitMQ node or PostgreSQL cluster of one test's own, started by the project's script library
/// (scripts/lib/rabbitmq.sh, scripts/lib/postgres.sh) on free loopback ports under a temp folder, so that a
/// test can take it away and bring it back (<see cref="StopAsync"/>, <see cref="StartAsync"/>) without
/// touching the services the other tests share. A restart keeps its data.
/// </summary>
public abstract class PrivateService : IAsyncDisposable
{
    private readonly string _library;

    protected PrivateService(string library, string prefix)
    {
        _library = library;
        Base = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    protected string Base { get; }

    /// <summary>Starts the service: a fresh one the first time, the same one with its data after <see cref="StopAsync"/>.</summary>
    public abstract Task StartAsync();

    /// <summary>Stops the service as an administrator would: its clients' connections are cut and new ones refused.</summary>
    public abstract Task StopAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(Base, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs a function of the script library with the base folder as $BASE.</summary>
    protected async Task RunAsync(string call)
    {
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["BASE"] = Base, ["DVT_ROOT"] = RepoPaths.Root },
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"set -e; . \"$DVT_ROOT/scripts/lib/common.sh\"; . \"$DVT_ROOT/scripts/lib/{_library}\"; {call}");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{call} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }
}

/// <summary>A PostgreSQL cluster of the test's own.</summary>
public sealed class PrivatePostgres() : PrivateService("postgres.sh", "dvtbus-pg-")
{
    private readonly int _port = LoopbackPort.Free();

    /// <summary>The admin connection (user postgres, database postgres).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Pooling=false";

    public override Task StartAsync() => RunAsync($"postgres_start \"$BASE\" {_port}");

    public override Task StopAsync() => RunAsync("postgres_stop \"$BASE\"");
}

/// <summary>A RabbitMQ node of the test's own (user guest, virtual host /).</summary>
public sealed class PrivateRabbitMq() : PrivateService("rabbitmq.sh", "dvtbus-mq-")
{
    public int Port { get; } = LoopbackPort.Free();

    public int ManagementPort { get; } = LoopbackPort.Free();

    public override Task StartAsync() => RunAsync($"rabbitmq_start \"$BASE\" {Port} {ManagementPort}");

    public override Task StopAsync() => RunAsync("rabbitmq_stop \"$BASE\"");
}
