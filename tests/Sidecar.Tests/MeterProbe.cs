using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace DvtBus.Sidecar.Tests;

/// <summary>
/// Sums the measurements of one host's meters (matched by the host's <see cref="IMeterFactory"/>, so
/// tests running side by side do not count each other's work), by instrument name and tags.
/// </summary>
internal sealed class MeterProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new();

    public MeterProbe(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            _totals.AddOrUpdate(instrument.Name, value, (_, total) => total + value);
            foreach (var tag in tags)
                _totals.AddOrUpdate($"{instrument.Name}{{{tag.Key}={tag.Value}}}", value, (_, total) => total + value);
        });
        _listener.Start();
    }

    /// <summary>The total of an instrument, or of its measurements with one tag: <c>name{key=value}</c>.</summary>
    public long this[string series] => _totals.GetValueOrDefault(series);

    public void Dispose() => _listener.Dispose();
}
