using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace DvtBus.Relayer.Api;

/// <summary>Writes carry <c>Authorization: Bearer &lt;Api:Token&gt;</c> unless the open public behaviour was chosen.</summary>
internal sealed class WriteTokenFilter(IOptions<ApiOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var o = options.Value;
        if (o.AllowUnauthenticated) return await next(context);
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var given = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : "";
        var expected = Encoding.UTF8.GetBytes(o.Token ?? "");
        // Hash both sides so the comparison is constant-time whatever the lengths.
        if (given.Length > 0 && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(expected)))
            return await next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Json(new { detail = "a bearer token is required for writes" }, statusCode: StatusCodes.Status401Unauthorized);
    }
}
