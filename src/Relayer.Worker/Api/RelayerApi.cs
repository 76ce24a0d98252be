using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using DvtBus.Bls;
using DvtBus.Contracts;
using DvtBus.Primitives;
using DvtBus.Relayer.Chain;
using DvtBus.Relayer.Clusters;
using DvtBus.Relayer.Exits;
using DvtBus.Relayer.Shares;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DvtBus.Relayer.Api;

/// <summary>
/// The public StakeWise relayer's HTTP API (PROTOCOL.md), so its operator and sidecars can use this
/// relayer: same paths and JSON field names. Writes need the bearer token; a body that cannot be read
/// is answered 422 with the reason. No response ever carries a full exit signature.
/// </summary>
public static class RelayerApi
{
    private const string HttpSidecar = "http";

    /// <summary>More than a registration batch ever holds; each key costs a share check and, predicted, a look at every deposit.</summary>
    private const int MaxKeysPerCall = 1000;

    public static IEndpointRouteBuilder MapRelayerApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/info", (ExitRequests requests) => Results.Json(new InfoResponse(requests.Network)));
        app.MapPost("/validators", PostValidatorsAsync).AddEndpointFilter<WriteTokenFilter>();
        app.MapGet("/exits", GetExitsAsync);
        app.MapPost("/exit-signature", PostExitSignatureAsync).AddEndpointFilter<WriteTokenFilter>();
        app.MapPost("/key-shares", PostKeySharesAsync).AddEndpointFilter<OwnWriteTokenFilter>();
        return app;
    }

    private static async Task<IResult> PostValidatorsAsync(
        HttpRequest request, ExitRequests requests, NpgsqlDataSource db, IRequestClient<ExitOpened> client, IPublishEndpoint publish,
        Microsoft.Extensions.Options.IOptions<ApiOptions> api, CancellationToken ct)
    {
        var (body, error) = await ReadAsync<ValidatorsRequest>(request, ct);
        if (body is null) return Unprocessable(error);
        if (body.PublicKeys is not { Count: > 0 }) return Unprocessable("public_keys must be a non-empty list");
        if (body.PublicKeys.Count > MaxKeysPerCall) return Unprocessable($"public_keys may hold at most {MaxKeysPerCall} keys per call");
        var keys = new List<BlsPublicKey>(body.PublicKeys.Count);
        for (var i = 0; i < body.PublicKeys.Count; i++)
        {
            if (!BlsPublicKey.TryParse(body.PublicKeys[i], out var key) || !BlsScheme.KeyValidate(key))
                return Unprocessable($"public_keys[{i}] is not a BLS public key (48 bytes of 0x-hex, a valid G1 point)");
            if (keys.Contains(key)) return Unprocessable($"public_keys[{i}] appears twice");
            keys.Add(key);
        }
        // The index of each key's exit, when the call names one: given from validator_index on, or predicted from the
        // chain's deposits (Chain:RpcUrl) as the public relayer did; null when neither, and the call only reads.
        IReadOnlyList<ulong>? indexes = null;
        var toRequest = new List<RequestedExit>();
        if (body.ValidatorIndex is { } start)
        {
            // Asking for exits at an index is DvtBus's own write: open to anyone, it could supersede a validator's real exit.
            if (!WriteTokenFilter.HasToken(request.HttpContext, api.Value))
                return WriteTokenFilter.Refuse(request.HttpContext, "validator_index asks for exits: a bearer token is required, also when the public API is open");
            if (start < 0) return Unprocessable("validator_index must not be negative");
            indexes = keys.Select((_, i) => (ulong)start + (ulong)i).ToList();
            toRequest.AddRange(keys.Select((k, i) => new RequestedExit(k, indexes[i])));
        }
        else if (request.HttpContext.RequestServices.GetService<IndexPrediction>() is { } prediction)
        {
            try
            {
                indexes = await prediction.PredictAsync(keys, ct);
            }
            catch (IndexUnavailableException e)
            {
                return Unavailable(e.Message);
            }
            // Polled until ready: ask again only for a key whose current exit is not at its predicted index (the first
            // call, or the index moved because other deposits came first) or whose exit expired unfinished.
            IReadOnlyDictionary<BlsPublicKey, ExitRow> currents;
            await using (var reading = await db.OpenConnectionAsync(ct))
                currents = await ExitStore.CurrentOfAsync(reading, requests.Network, keys, ct);
            for (var i = 0; i < keys.Count; i++)
                if (!currents.TryGetValue(keys[i], out var current)
                    || (ulong)current.ValidatorIndex != indexes[i] || current.State == ExitState.Expired)
                    toRequest.Add(new RequestedExit(keys[i], indexes[i]));
        }
        if (toRequest.Count > 0)
        {
            try
            {
                await requests.RequestAndWaitAsync(toRequest, client, publish, ct);
            }
            catch (RequestTimeoutException)
            {
                return Unavailable("the exits were asked for but not all were recorded in time; they will be, repeat the call to see them");
            }
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        // Asked for at an index, the answer is that exit's shards or none: the key's current exit may be another
        // index's (one requested later, or one this request's stamp came too late to supersede), and the answer
        // names no index, so the caller would take them for the index it asked for.
        var exits = indexes is not null
            ? (await ExitStore.FindAllAsync(connection, keys.Select((k, i) => ExitId.For(requests.Network, k, indexes[i])).ToList(), ct))
                .Values.ToDictionary(e => e.ValidatorPublicKey)
            : await ExitStore.CurrentOfAsync(connection, requests.Network, keys, ct);
        var shards = await ShareIntake.OracleShardsOfAsync(connection, null, exits.Values, ct);
        var validators = new List<ValidatorShares>(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            var exit = exits.GetValueOrDefault(keys[i]);
            var ready = exit?.OracleThreshold is null ? null : shards.GetValueOrDefault(exit.Id) ?? ShareIntake.OracleShards.None;
            validators.Add(new ValidatorShares(keys[i].ToString(), ready is null ? null : new OracleShares(
                ready.PublicKeyShards.Select(k => k.ToString()).ToList(),
                ready.EncryptedExitSignatures.Select(e => e.ToString()).ToList())));
        }
        return Results.Json(new ValidatorsResponse(validators.All(v => v.OraclesExitSignatureShares is not null), validators));
    }

    private static async Task<IResult> GetExitsAsync(ExitRequests requests, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ExitListRow>(new CommandDefinition(
            """
            WITH current AS (
                SELECT DISTINCT ON (public_key) id, public_key, validator_index, state, created_at
                FROM relayer.exits WHERE network = @network AND state <> 'superseded'
                ORDER BY public_key, requested_at DESC, id)
            SELECT e.public_key AS PublicKey, e.validator_index AS ValidatorIndex, e.state, e.created_at AS CreatedAt,
                   COALESCE(array_agg(s.share_index ORDER BY s.share_index) FILTER (WHERE s.share_index IS NOT NULL), '{}') AS ShareIndexes
            FROM current e LEFT JOIN relayer.shares s ON s.exit_id = e.id
            WHERE e.state IN ('collecting', 'ready')
            GROUP BY e.id, e.public_key, e.validator_index, e.state, e.created_at ORDER BY e.validator_index
            """, new { network = requests.Network }, cancellationToken: ct));
        return Results.Json(new ExitsResponse(rows.Select(r =>
        {
            var created = new DateTimeOffset(DateTime.SpecifyKind(r.CreatedAt, DateTimeKind.Utc));
            return new ExitItem(
                BlsPublicKey.From(r.PublicKey).ToString(), r.ValidatorIndex, r.State == ExitState.Ready,
                created.ToUnixTimeSeconds(), created.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "+0000", r.ShareIndexes);
        }).ToList()));
    }

    private static async Task<IResult> PostExitSignatureAsync(
        HttpRequest request, ShareIntake intake, IRequestClient<ShareSubmitted> client, IPublishEndpoint publish, CancellationToken ct)
    {
        var (body, error) = await ReadAsync<ExitSignatureRequest>(request, ct);
        if (body is null) return Unprocessable(error);
        if (body.ShareIndex is not { } shareIndex || shareIndex < 1) return Unprocessable("share_index must be a positive integer (share indexes are 1-based)");
        if (body.Shares is not { Count: > 0 }) return Unprocessable("shares must be a non-empty list");
        var parsed = new List<(BlsPublicKey Key, BlsSignature Signature)>(body.Shares.Count);
        for (var i = 0; i < body.Shares.Count; i++)
        {
            var share = body.Shares[i];
            if (!BlsPublicKey.TryParse(share?.PublicKey, out var key)) return Unprocessable($"shares[{i}].public_key is not 48 bytes of 0x-hex");
            if (!BlsSignature.TryParse(share?.ExitSignature, out var signature)) return Unprocessable($"shares[{i}].exit_signature is not 96 bytes of 0x-hex");
            parsed.Add((key, signature));
        }
        var refused = new List<string>();
        foreach (var (key, signature) in parsed)
        {
            try
            {
                // A share sent again (after a 503 that said sending again is safe, say) is taken, not refused.
                if (await intake.SubmitForCurrentExitAsync(key, (ulong)shareIndex, signature, HttpSidecar, client, publish, ct) is { } r)
                    refused.Add($"{key}: {r.Reason} ({r.Detail})");
            }
            catch (RequestTimeoutException)
            {
                return Unavailable($"the share for {key} was handed over but not answered in time; sending it again is safe");
            }
        }
        return refused.Count == 0 ? Results.Json(new { }) : Unprocessable("some shares were refused, the others were taken: " + string.Join("; ", refused));
    }

    /// <summary>
    /// DvtBus's addition for sidecars without the bus: what <see cref="KeySharesAnnounced"/> carries, so
    /// that every share can be verified before it is stored (the public relayer has no such step).
    /// </summary>
    private static async Task<IResult> PostKeySharesAsync(
        HttpRequest request, ClusterAnnouncements announcements, ExitRequests requests, IPublishEndpoint publish, CancellationToken ct)
    {
        var (body, error) = await ReadAsync<KeySharesRequest>(request, ct);
        if (body is null) return Unprocessable(error);
        if (string.IsNullOrWhiteSpace(body.SidecarId)) return Unprocessable("sidecar_id is required");
        if (body.Validators is not { Count: > 0 }) return Unprocessable("validators must be a non-empty list");
        var validators = new List<AnnouncedValidator>(body.Validators.Count);
        for (var i = 0; i < body.Validators.Count; i++)
        {
            var v = body.Validators[i];
            if (!BlsPublicKey.TryParse(v?.PublicKey, out var key)) return Unprocessable($"validators[{i}].public_key is not 48 bytes of 0x-hex");
            if (v!.Threshold is not { } threshold) return Unprocessable($"validators[{i}].threshold is required");
            if (v.PublicShares is not { Count: > 0 }) return Unprocessable($"validators[{i}].public_shares must be a non-empty list");
            var shares = new List<IndexedPublicShare>(v.PublicShares.Count);
            for (var j = 0; j < v.PublicShares.Count; j++)
            {
                var s = v.PublicShares[j];
                if (s?.ShareIndex is not { } index || index < 1) return Unprocessable($"validators[{i}].public_shares[{j}].share_index must be a positive integer");
                if (!BlsPublicKey.TryParse(s.PublicKey, out var share)) return Unprocessable($"validators[{i}].public_shares[{j}].public_key is not 48 bytes of 0x-hex");
                shares.Add(new IndexedPublicShare((ulong)index, share));
            }
            validators.Add(new AnnouncedValidator(key, threshold, shares, []));
        }
        var refused = await announcements.AnnounceAsync(requests.Network, body.SidecarId, validators, publish, ct);
        return refused.Count == 0 ? Results.Json(new { }) : Unprocessable("refused: " + string.Join("; ", refused));
    }

    private static async Task<(T? Body, string Error)> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(request.Body, JsonOptions, ct);
            return body is null ? (null, "the body must be a JSON object") : (body, "");
        }
        catch (JsonException e)
        {
            return (null, $"the body is not valid JSON of the expected shape ({e.Path ?? "$"})");
        }
    }

    private static IResult Unprocessable(string reason) =>
        Results.Json(new ErrorResponse(reason), statusCode: StatusCodes.Status422UnprocessableEntity);

    private static IResult Unavailable(string reason) =>
        Results.Json(new ErrorResponse(reason), statusCode: StatusCodes.Status503ServiceUnavailable);

    private static readonly JsonSerializerOptions JsonOptions = new() { NumberHandling = JsonNumberHandling.Strict };

    private sealed record ValidatorsRequest(
        [property: JsonPropertyName("public_keys")] List<string>? PublicKeys,
        [property: JsonPropertyName("validator_index")] long? ValidatorIndex);

    private sealed record ExitSignatureRequest(
        [property: JsonPropertyName("share_index")] long? ShareIndex,
        [property: JsonPropertyName("shares")] List<ShareItem?>? Shares);

    private sealed record ShareItem(
        [property: JsonPropertyName("public_key")] string? PublicKey,
        [property: JsonPropertyName("exit_signature")] string? ExitSignature);

    private sealed record KeySharesRequest(
        [property: JsonPropertyName("sidecar_id")] string? SidecarId,
        [property: JsonPropertyName("validators")] List<KeySharesValidator?>? Validators);

    private sealed record KeySharesValidator(
        [property: JsonPropertyName("public_key")] string? PublicKey,
        [property: JsonPropertyName("threshold")] int? Threshold,
        [property: JsonPropertyName("public_shares")] List<KeySharesShare?>? PublicShares);

    private sealed record KeySharesShare(
        [property: JsonPropertyName("share_index")] long? ShareIndex,
        [property: JsonPropertyName("public_key")] string? PublicKey);

    private sealed record InfoResponse([property: JsonPropertyName("network")] string Network);

    private sealed record ValidatorsResponse(
        [property: JsonPropertyName("ready")] bool Ready,
        [property: JsonPropertyName("validators")] IReadOnlyList<ValidatorShares> Validators);

    private sealed record ValidatorShares(
        [property: JsonPropertyName("public_key")] string PublicKey,
        [property: JsonPropertyName("oracles_exit_signature_shares")] OracleShares? OraclesExitSignatureShares);

    private sealed record OracleShares(
        [property: JsonPropertyName("public_keys")] IReadOnlyList<string> PublicKeys,
        [property: JsonPropertyName("encrypted_exit_signatures")] IReadOnlyList<string> EncryptedExitSignatures);

    private sealed record ExitsResponse([property: JsonPropertyName("exits")] IReadOnlyList<ExitItem> Exits);

    private sealed record ExitItem(
        [property: JsonPropertyName("public_key")] string PublicKey,
        [property: JsonPropertyName("validator_index")] long ValidatorIndex,
        [property: JsonPropertyName("is_exit_signature_ready")] bool IsExitSignatureReady,
        [property: JsonPropertyName("created_at_timestamp")] long CreatedAtTimestamp,
        [property: JsonPropertyName("created_at_string")] string CreatedAtString,
        [property: JsonPropertyName("share_indexes_ready")] long[] ShareIndexesReady);

    private sealed record ErrorResponse([property: JsonPropertyName("detail")] string Detail);

    // Setters, not a constructor: Dapper cannot match Npgsql's System.Array column type to a parameter.
    private sealed class ExitListRow
    {
        public byte[] PublicKey { get; init; } = [];
        public long ValidatorIndex { get; init; }
        public string State { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public long[] ShareIndexes { get; init; } = [];
    }
}
