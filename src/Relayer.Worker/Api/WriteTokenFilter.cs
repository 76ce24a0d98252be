using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace DvtBus.Relayer.Api;

/// <summary>Writes carry <c>Authorization: Bearer &lt;Api:Token&gt;</c> unless the open public behaviour was chosen.</summary>
internal sealed class WriteTokenFilter(IOptions<ApiOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        options.Value.AllowUnauthenticated || HasToken(context.HttpContext, options.Value) ? await next(context) : Refuse(context.HttpContext);

    /// <summary>Whether the request carries the configured token (compared in constant time), open mode or not.</summary>
    public static bool HasToken(HttpContext http, ApiOptions options)
    {
        var header = http.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var given = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : "";
        var expected = Encoding.UTF8.GetBytes(options.Token ?? "");
        // Hash both sides so the comparison is constant-time whatever the lengths.
        return given.Length > 0 && expected.Length > 0
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(expected));
    }

    public static IResult Refuse(HttpContext http, string detail = "a bearer token is required for writes")
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Json(new { detail }, statusCode: StatusCodes.Status401Unauthorized);
    }
}

/// <summary>
/// DvtBus's own writes, which the public StakeWise relayer does not have (<c>POST /key-shares</c>): the token is
/// required even in the open public behaviour, or anyone could announce a conflicting cluster and make a
/// validator unusable.
/// </summary>
internal sealed class OwnWriteTokenFilter(IOptions<ApiOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        WriteTokenFilter.HasToken(context.HttpContext, options.Value)
            ? await next(context)
            : WriteTokenFilter.Refuse(context.HttpContext, "a bearer token is required for this DvtBus write, also when the public API is open");
}
