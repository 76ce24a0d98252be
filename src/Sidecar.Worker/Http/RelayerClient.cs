using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace DvtBus.Sidecar.Worker.Http;

/// <summary>
/// The part of the public StakeWise relayer API a sidecar uses (PROTOCOL.md): <c>GET /info</c>,
/// <c>GET /exits</c> and <c>POST /exit-signature</c>. Our relayer wants a bearer token for writes;
/// the public one ignores it.
/// </summary>
internal sealed class RelayerClient(HttpClient http, IOptions<SidecarOptions> options)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public async Task<string> GetNetworkAsync(CancellationToken cancellationToken)
    {
        var info = await http.GetFromJsonAsync<RelayerInfo>("info", Json, cancellationToken);
        return info?.Network ?? throw new JsonException("GET /info returned no network");
    }

    public async Task<IReadOnlyList<RelayerExit>> GetExitsAsync(CancellationToken cancellationToken)
    {
        var response = await http.GetFromJsonAsync<RelayerExits>("exits", Json, cancellationToken);
        return response?.Exits ?? throw new JsonException("GET /exits returned no exits list");
    }

    public async Task SubmitAsync(ExitSignatureRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "exit-signature")
        {
            Content = JsonContent.Create(request, options: Json),
        };
        if (options.Value.Relayer.Token is { Length: > 0 } token)
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(message, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"POST /exit-signature for share index {request.ShareIndex} answered {(int)response.StatusCode}: {Shorten(body)}",
                null, response.StatusCode);
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";
}

internal sealed record RelayerInfo(string? Network);

internal sealed record RelayerExits(IReadOnlyList<RelayerExit>? Exits);

internal sealed record RelayerExit(
    string? PublicKey,
    ulong ValidatorIndex,
    bool IsExitSignatureReady,
    IReadOnlyList<ulong>? ShareIndexesReady);

internal sealed record ExitSignatureRequest(ulong ShareIndex, IReadOnlyList<ExitSignatureItem> Shares);

internal sealed record ExitSignatureItem(string PublicKey, string ExitSignature);
