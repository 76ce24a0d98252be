using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Serialization;
using DvtBus.Crypto.Consensus;
using DvtBus.Devnet.Oracles;
using DvtBus.Ethereum.Crypto;
using DvtBus.Primitives;
using Microsoft.AspNetCore.Builder;

namespace DvtBus.Operator.Tests.Support;

/// <summary>
/// The devnet's oracles (src/Devnet: <see cref="OracleServer"/> and its <see cref="DevOracle"/>s) on
/// 127.0.0.1: each checks what a StakeWise oracle checks (deadline, registry root and next index on the
/// chain, key shards, its own decrypted exit shard, deposit signatures) before it signs. Keys come from
/// labels, so a test can deploy the keeper with their addresses first.
/// </summary>
public sealed class DevOracles : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http = new();

    private DevOracles(WebApplication app, string baseUrl, int count)
    {
        _app = app;
        BaseUrl = baseUrl;
        Urls = Enumerable.Range(0, count).Select(k => $"{baseUrl}/oracle/{k}").ToList();
    }

    public string BaseUrl { get; }

    /// <summary>Oracle k's approval endpoint, in the order of the labels.</summary>
    public IReadOnlyList<string> Urls { get; }

    public static EthPrivateKey Key(string label) => DevnetDeployment.Key(label);

    public static Address AddressOf(string label)
    {
        using var key = Key(label);
        return key.Address;
    }

    /// <summary>The secp256k1 public key (x || y) the relayer encrypts oracle k's shards to.</summary>
    public static byte[] PublicKeyOf(string label)
    {
        using var key = Key(label);
        return key.PublicKey.ToArray();
    }

    public static async Task<DevOracles> StartAsync(IReadOnlyList<string> labels, int threshold, Network network, Address keeper, Uri rpc)
    {
        var keys = labels.Select(label =>
        {
            var secret = DevnetDeployment.Secret(label);
            using var key = EthPrivateKey.FromBytes(secret);
            return new OracleKeyEntry(Hex.Encode(key.PublicKey), Hex.Encode(secret), key.Address.ToString());
        }).ToList();
        var port = FreePort();
        var app = OracleServer.Build(new OracleServer.Settings(keys, threshold, network, keeper, rpc, port));
        await app.StartAsync();
        return new DevOracles(app, $"http://127.0.0.1:{port}", keys.Count);
    }

    /// <summary>How many approval requests the oracles signed and refused (the refusals' reasons are in their log).</summary>
    public async Task<(long Approved, long Refused)> StatsAsync()
    {
        var stats = await _http.GetFromJsonAsync<Stats>(BaseUrl + "/stats") ?? throw new InvalidOperationException("the oracles answered no stats");
        return (stats.Approved, stats.Refused);
    }

    private sealed record Stats([property: JsonPropertyName("approved")] long Approved, [property: JsonPropertyName("refused")] long Refused);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
    }
}
