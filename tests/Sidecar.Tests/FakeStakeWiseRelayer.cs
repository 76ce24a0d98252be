using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Primitives;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DvtBus.Sidecar.Tests;

/// <summary>
/// A tiny stand-in for the public StakeWise relayer's sidecar API (PROTOCOL.md): <c>GET /info</c>,
/// <c>GET /exits</c>, <c>POST /exit-signature</c>, and no <c>/key-shares</c>. JSON is written and read
/// by hand so the test checks the wire format, not our own records. Writes need the bearer token.
/// </summary>
internal sealed class FakeStakeWiseRelayer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<BlsPublicKey, FakeExit> _exits = new();
    private int _exitPolls;

    private FakeStakeWiseRelayer(WebApplication app) => _app = app;

    public string Network { get; set; } = "hoodi";
    public string Token { get; } = "fake-relayer-token-" + Guid.NewGuid().ToString("N");
    public string Url => _app.Urls.First();
    public int ExitPolls => Volatile.Read(ref _exitPolls);
    public ConcurrentQueue<(BlsPublicKey Validator, ulong ShareIndex, BlsSignature Signature)> Posted { get; } = new();
    public ConcurrentQueue<int> RefusedWrites { get; } = new();

    /// <summary>Posts for this share index are refused with 422, as a relayer refuses shares that do not verify.</summary>
    public ulong? RefusedShareIndex { get; set; }

    /// <summary>Lists a null entry first in <c>GET /exits</c>, as a broken relayer might.</summary>
    public bool ListsNull { get; set; }

    /// <summary>Lists an entry that does not parse (a null flag and a negative index) first in <c>GET /exits</c>.</summary>
    public bool ListsMalformed { get; set; }

    /// <summary>Posts for this share index fail with 503, as a relayer busy or being restarted answers.</summary>
    public ulong? FailingShareIndex { get; set; }

    /// <summary>
    /// The answers of <c>POST /key-shares</c>, one per call in order, the last repeated; none (the default): the
    /// endpoint does not exist (404), as on the public StakeWise relayer.
    /// </summary>
    public ConcurrentQueue<int> KeySharesAnswers { get; } = new();

    /// <summary>How many <c>POST /key-shares</c> arrived, whatever they were answered.</summary>
    public int Announcements => Volatile.Read(ref _announcements);

    private int _announcements;

    /// <param name="index">Null lists the exit without a validator_index.</param>
    public sealed class FakeExit(ulong? index, bool ready, IEnumerable<ulong> sharesReady)
    {
        public ulong? ValidatorIndex { get; } = index;
        public bool IsExitSignatureReady { get; } = ready;
        public ConcurrentDictionary<ulong, bool> SharesReady { get; } = new(sharesReady.Select(s => KeyValuePair.Create(s, true)));
    }

    public void AddExit(BlsPublicKey validator, ulong? index, bool ready = false, params ulong[] sharesReady) =>
        _exits[validator] = new FakeExit(index, ready, sharesReady);

    public static async Task<FakeStakeWiseRelayer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeStakeWiseRelayer(app);
        app.MapGet("/info", () => Results.Text(new JsonObject { ["network"] = fake.Network }.ToJsonString(), "application/json"));
        app.MapGet("/exits", fake.Exits);
        app.MapPost("/exit-signature", fake.ExitSignatureAsync);
        app.MapPost("/key-shares", fake.KeyShares);
        await app.StartAsync();
        return fake;
    }

    private IResult Exits()
    {
        Interlocked.Increment(ref _exitPolls);
        var exits = new JsonArray();
        if (ListsNull) exits.Add(null);
        if (ListsMalformed) exits.Add(new JsonObject { ["public_key"] = "0x00", ["validator_index"] = -1, ["is_exit_signature_ready"] = null });
        foreach (var (key, exit) in _exits)
        {
            var entry = new JsonObject
            {
                ["public_key"] = key.ToString(),
                ["is_exit_signature_ready"] = exit.IsExitSignatureReady,
                ["created_at_timestamp"] = 1_700_000_000,
                ["created_at_string"] = "2023-11-14 22:13:20+0000",
                ["share_indexes_ready"] = new JsonArray(exit.SharesReady.Keys.Order().Select(i => (JsonNode)i).ToArray()),
            };
            if (exit.ValidatorIndex is { } index) entry["validator_index"] = index;
            exits.Add(entry);
        }
        return Results.Text(new JsonObject { ["exits"] = exits }.ToJsonString(), "application/json");
    }

    private async Task<IResult> ExitSignatureAsync(HttpRequest request)
    {
        if (request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            RefusedWrites.Enqueue(StatusCodes.Status401Unauthorized);
            return Results.Json(new { detail = "a bearer token is required for writes" }, statusCode: StatusCodes.Status401Unauthorized);
        }
        var body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync())!.AsObject();
        var shareIndex = body["share_index"]!.GetValue<ulong>();
        if (shareIndex == FailingShareIndex)
        {
            RefusedWrites.Enqueue(StatusCodes.Status503ServiceUnavailable);
            return Results.Json(new { detail = "try again later" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (shareIndex == RefusedShareIndex)
        {
            RefusedWrites.Enqueue(StatusCodes.Status422UnprocessableEntity);
            return Results.Json(new { detail = $"shares of share index {shareIndex} do not verify" }, statusCode: StatusCodes.Status422UnprocessableEntity);
        }
        foreach (var share in body["shares"]!.AsArray())
        {
            var key = BlsPublicKey.Parse(share!["public_key"]!.GetValue<string>());
            var signature = BlsSignature.Parse(share["exit_signature"]!.GetValue<string>());
            Posted.Enqueue((key, shareIndex, signature));
            if (_exits.TryGetValue(key, out var exit)) exit.SharesReady[shareIndex] = true;
        }
        return Results.Text("{}", "application/json");
    }

    private IResult KeyShares()
    {
        Interlocked.Increment(ref _announcements);
        var status = KeySharesAnswers.Count switch
        {
            0 => StatusCodes.Status404NotFound,
            1 => KeySharesAnswers.TryPeek(out var last) ? last : StatusCodes.Status404NotFound,
            _ => KeySharesAnswers.TryDequeue(out var next) ? next : StatusCodes.Status404NotFound,
        };
        return status == StatusCodes.Status200OK ? Results.Text("{}", "application/json") : Results.Json(new { detail = "no" }, statusCode: status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
