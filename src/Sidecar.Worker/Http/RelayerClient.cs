using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace DvtBus.Sidecar.Worker.Http;

/// <summary>
/// The part of the public StakeWise relayer API a sidecar uses (PROTOCOL.md): <c>GET /info</c>,
/// <c>GET /exits</c> and <c>POST /exit-signature</c>, plus DvtBus's <c>POST /key-shares</c>, which the
/// public relayer lacks. Our relayer wants a bearer token for writes; the public one ignores it.
/// </summary>
internal sealed class RelayerClient(HttpClient http, IOptions<SidecarOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public async Task<string> GetNetworkAsync(CancellationToken cancellationToken)
    {
        var info = await http.GetFromJsonAsync<RelayerInfo>("info", Json, cancellationToken);
        return info?.Network ?? throw new JsonException("GET /info returned no network");
    }

    /// <summary>
    /// The exits listed, each read on its own: an entry that does not parse (a null flag, a negative index) is left
    /// out and counted, so that one bad entry does not keep every other exit from being signed.
    /// </summary>
    public async Task<(IReadOnlyList<RelayerExit?> Exits, int Malformed)> GetExitsAsync(CancellationToken cancellationToken)
    {
        using var document = await http.GetFromJsonAsync<JsonDocument>("exits", Json, cancellationToken);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("exits", out var list) || list.ValueKind != JsonValueKind.Array)
            throw new JsonException("GET /exits returned no exits list");
        var exits = new List<RelayerExit?>(list.GetArrayLength());
        var malformed = 0;
        foreach (var entry in list.EnumerateArray())
        {
            try
            {
                exits.Add(entry.Deserialize<RelayerExit>(Json));
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                malformed++;
            }
        }
        return (exits, malformed);
    }

    public Task SubmitAsync(ExitSignatureRequest request, CancellationToken cancellationToken) =>
        PostAsync("exit-signature", request, $"share index {request.ShareIndex}", cancellationToken);

    /// <returns>False when the relayer has no such endpoint (the public StakeWise relayer).</returns>
    public async Task<bool> AnnounceKeySharesAsync(KeySharesRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await PostAsync("key-shares", request, $"{request.Validators.Count} validators", cancellationToken);
            return true;
        }
        catch (HttpRequestException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            return false;
        }
    }

    private async Task PostAsync<T>(string path, T body, string what, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = JsonContent.Create(body, options: Json),
        };
        if (options.Value.Relayer.Token is { Length: > 0 } token)
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(message, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"POST /{path} ({what}) answered {(int)response.StatusCode}: {Shorten(text)}", null, response.StatusCode);
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";
}

internal sealed record RelayerInfo(string? Network);

internal sealed record RelayerExit(
    string? PublicKey,
    ulong? ValidatorIndex,
    bool IsExitSignatureReady,
    IReadOnlyList<ulong>? ShareIndexesReady);

internal sealed record ExitSignatureRequest(ulong ShareIndex, IReadOnlyList<ExitSignatureItem> Shares);

internal sealed record ExitSignatureItem(string PublicKey, string ExitSignature);

internal sealed record KeySharesRequest(string SidecarId, IReadOnlyList<KeySharesValidator> Validators);

internal sealed record KeySharesValidator(string PublicKey, int Threshold, IReadOnlyList<KeySharesPublicShare> PublicShares);

internal sealed record KeySharesPublicShare(ulong ShareIndex, string PublicKey);
