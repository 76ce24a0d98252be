using System.Diagnostics.Metrics;
using DvtBus.Contracts;
using DvtBus.Hosting;

namespace DvtBus.Relayer;

/// <summary>The relayer's one meter; no per-validator labels, only reasons.</summary>
internal sealed class RelayerMetrics
{
    private readonly Counter<long> _exitsRequested;
    private readonly Counter<long> _exitsReady;
    private readonly Counter<long> _exitsExpired;
    private readonly Counter<long> _sharesAccepted;
    private readonly Counter<long> _sharesRejected;
    private readonly Counter<long> _sharesRepeated;
    private readonly Counter<long> _announcementConflicts;
    private readonly Histogram<double> _recovery;

    public RelayerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(DaemonHost.MeterName("relayer"));
        _exitsRequested = meter.CreateCounter<long>("relayer_exits_requested_total", description: "Exits created or re-requested");
        _exitsReady = meter.CreateCounter<long>("relayer_exits_ready_total", description: "Exit signatures recovered, verified and re-shared for the oracles");
        _exitsExpired = meter.CreateCounter<long>("relayer_exits_expired_total", description: "Exits that gathered too few shares within their lifetime");
        _sharesAccepted = meter.CreateCounter<long>("relayer_shares_accepted_total", description: "Exit-signature shares verified and stored");
        _sharesRejected = meter.CreateCounter<long>("relayer_shares_rejected_total", description: "Exit-signature shares refused, by reason");
        _sharesRepeated = meter.CreateCounter<long>("relayer_shares_repeated_total", description: "Exit-signature shares that came again after the same share was stored");
        _announcementConflicts = meter.CreateCounter<long>("relayer_key_share_announcement_conflicts_total", description: "Key-share announcements that failed the interpolation check or disagreed with an earlier one");
        _recovery = meter.CreateHistogram<double>("relayer_signature_recovery_seconds", unit: "s", description: "Recovery, verification, oracle re-sharing and encryption of one exit signature");
    }

    public void ExitsRequested(int count) => _exitsRequested.Add(count);
    public void ExitReady() => _exitsReady.Add(1);
    public void ExitsExpired(int count) => _exitsExpired.Add(count);
    public void ShareAccepted() => _sharesAccepted.Add(1);
    public void ShareRejected(ShareRejectionReason reason) => _sharesRejected.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
    public void ShareRepeated() => _sharesRepeated.Add(1);
    public void AnnouncementConflict() => _announcementConflicts.Add(1);
    public void Recovered(TimeSpan elapsed) => _recovery.Record(elapsed.TotalSeconds);
}
