using System.Text.Json;
using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Rpc;
using DvtBus.Primitives;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DvtBus.Devnet.Oracles;

/// <summary>
/// N dev oracles behind one HTTP port: <c>POST /oracle/{k}</c> is oracle k (0-based, shards at x = k + 1),
/// <c>GET /oracles</c> lists their addresses and public keys, <c>GET /stats</c> counts decisions.
/// </summary>
public static partial class OracleServer
{
    /// <param name="Host">The address to listen on: loopback, or 0.0.0.0 in a container that other containers call.</param>
    public sealed record Settings(IReadOnlyList<OracleKeyEntry> Keys, int Threshold, Network Network, Address Keeper, Uri Rpc, int Port, string Host = "127.0.0.1");

    public static WebApplication Build(Settings settings, IChainView? chain = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{settings.Host}:{settings.Port}");
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        var app = builder.Build();

        chain ??= new RpcChainView(new EthRpcClient(new HttpClient(), settings.Rpc), settings.Network);
        var oracles = settings.Keys.Select((key, k) => new DevOracle(k, key, settings.Keys.Count, settings.Threshold, settings.Network, settings.Keeper, chain)).ToArray();
        var stats = new Stats();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("DvtBus.Devnet.Oracles");
        app.Lifetime.ApplicationStopped.Register(() => { foreach (var oracle in oracles) oracle.Dispose(); });

        app.MapGet("/oracles", () => Results.Ok(oracles.Select(o => new
        {
            position = o.Position,
            address = o.Address.ToString(),
            public_key = settings.Keys[o.Position].PublicKey,
            url = $"/oracle/{o.Position}",
        })));
        app.MapGet("/stats", () => Results.Ok(new { approved = stats.Approved, refused = stats.Refused }));
        app.MapGet("/health/ready", () => Results.Ok("ready"));
        app.MapPost("/oracle/{k:int}", async (int k, HttpRequest http, CancellationToken ct) =>
        {
            if (k < 0 || k >= oracles.Length) return Results.NotFound(new { error = $"there are oracles 0..{oracles.Length - 1}" });
            ApprovalRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync<ApprovalRequest>(http.Body, cancellationToken: ct);
            }
            catch (JsonException e)
            {
                return Refused(k, $"the body is not an approval request: {e.Message}");
            }
            if (request is null) return Refused(k, "the body is empty");
            OracleDecision decision;
            try
            {
                decision = await oracles[k].DecideAsync(request, ct);
            }
            catch (Exception e) when (e is RpcException or RpcTransportException)
            {
                LogChainUnavailable(log, k, e.Message);
                return Results.Json(new { error = $"the oracle cannot read the chain: {e.Message}" }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            if (decision.Approval is { } approval)
            {
                Interlocked.Increment(ref stats.Approved);
                LogApproved(log, k, request.PublicKeys?.Count ?? 0, approval.IpfsHash);
                return Results.Ok(approval);
            }
            return Refused(k, decision.Refusal!);
        });
        return app;

        IResult Refused(int k, string reason)
        {
            Interlocked.Increment(ref stats.Refused);
            LogRefused(log, k, reason);
            return Results.BadRequest(new { error = reason });
        }
    }

    private sealed class Stats
    {
        public long Approved;
        public long Refused;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "oracle {Oracle} approved {Count} validators, exit shards {IpfsHash}")]
    private static partial void LogApproved(ILogger logger, int oracle, int count, string ipfsHash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "oracle {Oracle} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, int oracle, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "oracle {Oracle} cannot read the chain: {Reason}")]
    private static partial void LogChainUnavailable(ILogger logger, int oracle, string reason);
}
