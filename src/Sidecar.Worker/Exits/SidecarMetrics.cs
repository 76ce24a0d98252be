using System.Diagnostics.Metrics;
using DvtBus.Hosting;

namespace DvtBus.Sidecar.Worker.Exits;

/// <summary>The sidecar's one meter. No per-validator labels: reasons and results only.</summary>
internal sealed class SidecarMetrics
{
    public const string Daemon = "sidecar";

    private readonly Counter<long> _signed;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _ignored;
    private readonly Counter<long> _submitted;
    private readonly Counter<long> _polls;

    public SidecarMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(DaemonHost.MeterName(Daemon));
        _signed = meter.CreateCounter<long>("sidecar_exit_shares_signed_total", description: "Exit-signature shares computed (one per validator, index and held share).");
        _cacheHits = meter.CreateCounter<long>("sidecar_exit_signature_cache_hits_total", description: "Exit requests answered from the signature cache without signing.");
        _ignored = meter.CreateCounter<long>("sidecar_exit_requests_ignored_total", description: "Requested exits not signed: reason other_network or not_held.");
        _submitted = meter.CreateCounter<long>("sidecar_exit_shares_submitted_total", description: "Exit-signature shares sent to the relayer.");
        _polls = meter.CreateCounter<long>("sidecar_relayer_polls_total", description: "HTTP-mode polls of the relayer, by result.");
    }

    public void Signed(int shares) => _signed.Add(shares);
    public void CacheHit() => _cacheHits.Add(1);
    public void IgnoredOtherNetwork(int validators) => _ignored.Add(validators, new KeyValuePair<string, object?>("reason", "other_network"));
    public void IgnoredNotHeld() => _ignored.Add(1, new KeyValuePair<string, object?>("reason", "not_held"));
    public void Submitted(int shares) => _submitted.Add(shares);
    public void Polled(string result) => _polls.Add(1, new KeyValuePair<string, object?>("result", result));
}
