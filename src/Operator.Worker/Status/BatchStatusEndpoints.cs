using DvtBus.Operator.Batches;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DvtBus.Operator.Status;

public static class BatchStatusEndpoints
{
    /// <summary><c>GET /batches?limit=N</c>: the newest batches first, with file, state, validators, transaction and timings.</summary>
    public static IEndpointRouteBuilder MapBatchStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/batches", async (BatchStore batches, int? limit, CancellationToken ct) =>
            limit is < 1 or > 1000
                ? Results.BadRequest(new { error = "limit must be 1 to 1000" })
                : Results.Ok(new { batches = await batches.ListAsync(limit ?? 100, ct) }));
        return app;
    }
}
