using DvtBus.Hosting;
using DvtBus.Operator.Batches;
using DvtBus.Operator.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DvtBus.Operator.Tests.Support;

/// <summary>
/// The operator's HTTP side as Program.cs maps it (<c>GET /batches</c> from <see cref="BatchStatusEndpoints"/>,
/// <c>/metrics</c> and health from <see cref="DaemonHost"/>) on 127.0.0.1 and a free port, over a test's batch store.
/// </summary>
public sealed class OperatorWeb : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OperatorWeb(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    /// <summary>Create it before the work to be measured: the metrics listener only sees what is recorded after it starts.</summary>
    public static async Task<OperatorWeb> StartAsync(BatchStore batches)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddHealthChecks();
        builder.Services.AddSingleton(new PrometheusMetrics(DaemonHost.MeterName("operator")));
        builder.Services.AddSingleton(batches);
        var app = builder.Build();
        app.MapOperationalEndpoints();
        app.MapBatchStatus();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new OperatorWeb(app, address);
    }

    public async Task<string> MetricsAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(Url + "/metrics");
    }

    /// <summary>The value of one sample line of /metrics (name with its labels, as rendered), or null when absent.</summary>
    public static double? Sample(string metrics, string series) =>
        metrics.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => (double?)double.Parse(l[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
