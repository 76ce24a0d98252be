using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using DvtBus.Primitives;
using DvtBus.TestSupport;

namespace DvtBus.Devnet.Tests;

/// <summary>A private anvil on a free local port, with the few JSON-RPC calls the devnet tests need.</summary>
public sealed class Anvil : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;
    private int _nextId;

    private Anvil(Process process, string url)
    {
        _process = process;
        Url = url;
        _http = new HttpClient { BaseAddress = new Uri(url) };
    }

    public string Url { get; }

    public static async Task<Anvil> StartAsync()
    {
        var port = FreePort();
        var psi = new ProcessStartInfo(Binary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--host", "127.0.0.1", "--silent" })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("anvil did not start");
        var anvil = new Anvil(process, $"http://127.0.0.1:{port}/");
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"anvil exited {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
            try
            {
                await anvil.RequestAsync("eth_chainId");
                return anvil;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(50);
            }
        }
        await anvil.DisposeAsync();
        throw new TimeoutException($"anvil did not answer on port {port}");
    }

    public async Task<string[]> AccountsAsync() =>
        (await RequestAsync("eth_accounts")).EnumerateArray().Select(a => a.GetString()!).ToArray();

    public async Task<ulong> LatestTimestampAsync()
    {
        var block = await RequestAsync("eth_getBlockByNumber", "latest", false);
        return Quantity(block.GetProperty("timestamp").GetString()!);
    }

    /// <summary>eth_call; a revert comes back as <see cref="Reverted"/> with its data.</summary>
    public async Task<byte[]> CallAsync(string from, Address to, byte[] data)
    {
        var result = await RequestAsync("eth_call", new { from, to = Hex.Encode(to.Span), data = Hex.Encode(data) }, "latest");
        return Hex.Decode(result.GetString());
    }

    /// <summary>Sends from an unlocked account and returns the mined receipt.</summary>
    public async Task<JsonElement> SendAsync(string from, Address to, byte[] data)
    {
        var hash = (await RequestAsync("eth_sendTransaction", new { from, to = Hex.Encode(to.Span), data = Hex.Encode(data) })).GetString()!;
        // anvil mines on send, but the receipt can lag the hash by a few milliseconds.
        for (var attempt = 0; attempt < 400; attempt++)
        {
            var receipt = await RequestAsync("eth_getTransactionReceipt", hash);
            if (receipt.ValueKind == JsonValueKind.Object) return receipt;
            await Task.Delay(25);
        }
        throw new TimeoutException($"no receipt for {hash}");
    }

    public static ulong Quantity(string hex) => ulong.Parse(hex.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private async Task<JsonElement> RequestAsync(string method, params object[] parameters)
    {
        var request = new { jsonrpc = "2.0", id = Interlocked.Increment(ref _nextId), method, @params = parameters };
        using var response = await _http.PostAsJsonAsync("", request);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (body.RootElement.TryGetProperty("error", out var error))
        {
            var data = error.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.String ? Hex.Decode(d.GetString()) : [];
            throw new Reverted(error.GetProperty("message").GetString() ?? method, data);
        }
        return body.RootElement.GetProperty("result").Clone();
    }

    /// <summary>
    /// The platform binary that npm's .bin/anvil shim would spawn: started directly, it is this process's
    /// own child, so stopping it leaves neither an orphan nor a zombie behind.
    /// </summary>
    private static string Binary()
    {
        var scope = Path.Combine(RepoPaths.NodeModules, "@foundry-rs");
        return Directory.Exists(scope)
            ? Directory.GetDirectories(scope, "anvil-*").Order(StringComparer.Ordinal)
                .Select(dir => Path.Combine(dir, "bin", "anvil")).FirstOrDefault(File.Exists)
                ?? Path.Combine(RepoPaths.NodeModules, ".bin", "anvil")
            : Path.Combine(RepoPaths.NodeModules, ".bin", "anvil");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

/// <summary>A JSON-RPC error, with the revert data when the node returned some.</summary>
public sealed class Reverted(string message, byte[] data) : Exception(message)
{
    public byte[] RevertData { get; } = data;
}
