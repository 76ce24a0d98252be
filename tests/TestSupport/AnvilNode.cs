using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace DvtBus.TestSupport;

/// <summary>
/// A private anvil (tools/js/node_modules/.bin/anvil, or DVT_ANVIL) on 127.0.0.1 and a free port, for one
/// test class (<c>IClassFixture&lt;AnvilNode&gt;</c>). Ready once eth_chainId answers; exposes the ten
/// funded dev keys anvil reports; the process tree is killed on dispose. A test can take the node away and
/// bring it back on the same port with its chain (<see cref="StopAsync"/>, <see cref="RestartAsync"/>).
/// </summary>
public sealed class AnvilNode : IAsyncLifetime, IDisposable
{
    private readonly HttpClient _http = new();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dvt-anvil-" + Guid.NewGuid().ToString("N"));
    private Process? _process;
    private long _nextId;

    public string Url { get; private set; } = "";
    public Uri Uri => new(Url);
    public ulong ChainId { get; private set; }

    /// <summary>The funded dev accounts' private keys as 0x-hex, in anvil's order.</summary>
    public IReadOnlyList<string> DevPrivateKeys { get; private set; } = [];

    /// <summary>The funded dev accounts, lowercase 0x-hex, matching <see cref="DevPrivateKeys"/>.</summary>
    public IReadOnlyList<string> DevAccounts { get; private set; } = [];

    public static string Executable =>
        Environment.GetEnvironmentVariable("DVT_ANVIL") is { Length: > 0 } path ? path : Path.Combine(RepoPaths.NodeModules, ".bin", "anvil");

    /// <summary>
    /// DVT_ANVIL, else the platform binary that npm's .bin/anvil shim spawns
    /// (node_modules/@foundry-rs/anvil-*/bin/anvil), else <see cref="Executable"/>. Started directly, anvil is
    /// this process's own child: killing it on dispose leaves neither an orphan nor, where PID 1 does not reap
    /// orphans, a zombie (the shim's child is reparented when the tree is killed).
    /// </summary>
    public static string PlatformExecutable
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DVT_ANVIL") is { Length: > 0 } path) return path;
            var scope = Path.Combine(RepoPaths.NodeModules, "@foundry-rs");
            return (Directory.Exists(scope)
                ? Directory.GetDirectories(scope, "anvil-*").Order(StringComparer.Ordinal)
                    .Select(dir => Path.Combine(dir, "bin", "anvil")).FirstOrDefault(File.Exists)
                : null) ?? Executable;
        }
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        // A port found free can be taken before anvil binds it; a second try with a new port settles that race.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartAsync(FreePort(), loadState: null);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                Kill();
            }
            catch
            {
                // A failed start must leave no anvil behind, whether or not the runner disposes the fixture.
                Kill();
                throw;
            }
        }
    }

    /// <summary>
    /// Stops the node as a crash or a restart would, after saving its chain (blocks, receipts, accounts; not the
    /// transactions still waiting in its pool) for <see cref="RestartAsync"/>. Its clients get refused connections.
    /// </summary>
    public async Task StopAsync()
    {
        // anvil_dumpState answers with the chain as gzip-compressed JSON, what --load-state reads uncompressed.
        var dump = Convert.FromHexString((await RequestAsync("anvil_dumpState")).GetString()![2..]);
        await using (var state = File.Create(StateFile))
        await using (var json = new GZipStream(new MemoryStream(dump), CompressionMode.Decompress))
            await json.CopyToAsync(state);
        Kill();
    }

    /// <summary>Starts the node again, on the same port, from the chain <see cref="StopAsync"/> saved.</summary>
    public async Task RestartAsync()
    {
        try
        {
            await StartAsync(Uri.Port, StateFile);
        }
        catch
        {
            Kill();
            throw;
        }
    }

    private string StateFile => Path.Combine(_folder, "state.json");

    private async Task StartAsync(int port, string? loadState)
    {
        var executable = PlatformExecutable;
        if (!File.Exists(executable)) throw new FileNotFoundException("anvil is not installed: run ./dvt test (or set DVT_ANVIL)", executable);
        var config = Path.Combine(_folder, "anvil.json");
        File.Delete(config);
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // A class of tests shares one node, and each of its devnets funds a vault from the first dev account: the default
        // 10,000 ETH per account runs out after ten of them.
        foreach (var argument in new[] { "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--config-out", config, "--balance", "1000000" })
            psi.ArgumentList.Add(argument);
        if (loadState is not null)
        {
            psi.ArgumentList.Add("--load-state");
            psi.ArgumentList.Add(loadState);
        }
        var errors = new System.Text.StringBuilder();
        _process = Process.Start(psi) ?? throw new InvalidOperationException("anvil did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Url = $"http://127.0.0.1:{port}";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (_process.HasExited)
            {
                lock (errors) throw new InvalidOperationException($"anvil exited with {_process.ExitCode}: {errors}");
            }
            try
            {
                var chainId = await RequestAsync("eth_chainId");
                ChainId = ulong.Parse(chainId.GetString()![2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
        while (!File.Exists(config) && DateTime.UtcNow < deadline) await Task.Delay(20);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(config));
        DevPrivateKeys = document.RootElement.GetProperty("private_keys").EnumerateArray().Select(k => k.GetString()!).ToArray();
        DevAccounts = document.RootElement.GetProperty("available_accounts").EnumerateArray().Select(a => a.GetString()!.ToLowerInvariant()).ToArray();
    }

    /// <summary>A raw JSON-RPC call, for node controls (evm_mine, evm_setAutomine, anvil_*) that the client under test does not offer.</summary>
    public async Task<JsonElement> RequestAsync(string method, params object?[] parameters)
    {
        var (result, error) = await ExchangeAsync(method, parameters);
        if (error is { } e)
            throw new InvalidOperationException($"anvil {method} failed: {e.GetRawText()}");
        return result;
    }

    /// <summary>eth_call from <paramref name="from"/> at the latest block; any JSON-RPC error (a revert) throws <see cref="AnvilRpcException"/> with the revert data.</summary>
    public async Task<byte[]> CallAsync(string from, string to, byte[] data) =>
        DecodeHex((await RequestOrThrowAsync("eth_call", new { from, to, data = EncodeHex(data) }, "latest")).GetString());

    /// <summary>eth_sendTransaction from an unlocked account; returns the mined receipt. JSON-RPC errors throw <see cref="AnvilRpcException"/>.</summary>
    public async Task<JsonElement> SendTransactionAsync(string from, string to, byte[] data)
    {
        var hash = (await RequestOrThrowAsync("eth_sendTransaction", new { from, to, data = EncodeHex(data) })).GetString()!;
        // anvil mines on send, but the receipt can lag the hash by a few milliseconds.
        for (var attempt = 0; attempt < 400; attempt++)
        {
            var receipt = await RequestOrThrowAsync("eth_getTransactionReceipt", hash);
            if (receipt.ValueKind == JsonValueKind.Object) return receipt;
            await Task.Delay(25);
        }
        throw new TimeoutException($"no receipt for {hash}");
    }

    /// <summary>The latest block's timestamp, in seconds.</summary>
    public async Task<ulong> LatestTimestampAsync()
    {
        var block = await RequestOrThrowAsync("eth_getBlockByNumber", "latest", false);
        return Quantity(block.GetProperty("timestamp").GetString()!);
    }

    /// <summary>A JSON-RPC quantity ("0x1a") as a number.</summary>
    public static ulong Quantity(string hex) => ulong.Parse(hex.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private async Task<JsonElement> RequestOrThrowAsync(string method, params object?[] parameters)
    {
        var (result, error) = await ExchangeAsync(method, parameters);
        if (error is { } e)
        {
            var data = e.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.String ? DecodeHex(d.GetString()) : [];
            throw new AnvilRpcException(e.TryGetProperty("message", out var m) ? m.GetString() ?? method : method, data);
        }
        return result;
    }

    private static string EncodeHex(byte[] bytes) => "0x" + Convert.ToHexStringLower(bytes);

    private static byte[] DecodeHex(string? hex) =>
        hex is null ? [] : Convert.FromHexString(hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex);

    /// <summary>One JSON-RPC exchange: the result, or the error object when the node returned one.</summary>
    private async Task<(JsonElement Result, JsonElement? Error)> ExchangeAsync(string method, object?[] parameters)
    {
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = Interlocked.Increment(ref _nextId),
            ["method"] = method,
            ["params"] = JsonSerializer.SerializeToNode(parameters),
        };
        using var response = await _http.PostAsJsonAsync(Url, body);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (document.RootElement.TryGetProperty("error", out var error))
            return (default, error.Clone());
        return (document.RootElement.GetProperty("result").Clone(), null);
    }

    private static int FreePort() => LoopbackPort.Free();

    private void Kill()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        _process = null;
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Kill();
        _http.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

/// <summary>A JSON-RPC error from <see cref="AnvilNode"/>'s typed calls, with the revert data when the node returned some.</summary>
public sealed class AnvilRpcException(string message, byte[] revertData) : Exception(message)
{
    public byte[] RevertData { get; } = revertData;
}
