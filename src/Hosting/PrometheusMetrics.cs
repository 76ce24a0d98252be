using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace DvtBus.Hosting;

/// <summary>
/// Renders the daemon's own <see cref="Meter"/> as Prometheus text. The OpenTelemetry Prometheus
/// exporter is not on our package mirror, and counters plus fixed-bucket histograms are all we publish.
/// Instrument names are used as given (they already carry base units: <c>_total</c>, <c>_seconds</c>).
/// </summary>
public sealed class PrometheusMetrics : IDisposable
{
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), Series> _series = new();
    private readonly ConcurrentDictionary<string, (string Kind, string? Help)> _instruments = new();

    public PrometheusMetrics(string meterName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != meterName) return;
            var kind = instrument switch
            {
                Counter<long> or Counter<double> => "counter",
                Histogram<double> or Histogram<long> => "histogram",
                UpDownCounter<long> or UpDownCounter<double> => "gauge",
                _ => null,
            };
            if (kind is null) return;
            _instruments[instrument.Name] = (kind, instrument.Description);
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        var series = _series.GetOrAdd((instrument.Name, labels), _ => new Series());
        var histogram = _instruments.TryGetValue(instrument.Name, out var info) && info.Kind == "histogram";
        series.Add(value, histogram ? Buckets : null);
    }

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var (name, (kind, help)) in _instruments.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            if (help is not null) text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(kind).Append('\n');
            foreach (var ((_, labels), series) in _series.Where(s => s.Key.Name == name).OrderBy(s => s.Key.Labels, StringComparer.Ordinal))
                series.Write(text, name, labels, kind == "histogram" ? Buckets : null);
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var pairs = new List<string>(tags.Length);
        foreach (var tag in tags)
            pairs.Add($"{tag.Key}=\"{Convert.ToString(tag.Value, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"");
        pairs.Sort(StringComparer.Ordinal);
        return string.Join(",", pairs);
    }

    private sealed class Series
    {
        private readonly object _gate = new();
        private double _sum;
        private long _count;
        private long[]? _buckets;

        public void Add(double value, double[]? bounds)
        {
            lock (_gate)
            {
                _count++;
                _sum += value;
                if (bounds is null) return;
                _buckets ??= new long[bounds.Length];
                for (var i = 0; i < bounds.Length; i++)
                    if (value <= bounds[i]) _buckets[i]++;
            }
        }

        public void Write(StringBuilder text, string name, string labels, double[]? bounds)
        {
            lock (_gate)
            {
                if (bounds is null)
                {
                    text.Append(name).Append(Braces(labels)).Append(' ').Append(Number(_sum)).Append('\n');
                    return;
                }
                var prefix = labels.Length == 0 ? "" : labels + ",";
                for (var i = 0; i < bounds.Length; i++)
                    text.Append(name).Append("_bucket{").Append(prefix).Append("le=\"").Append(Number(bounds[i])).Append("\"} ").Append(_buckets?[i] ?? 0).Append('\n');
                text.Append(name).Append("_bucket{").Append(prefix).Append("le=\"+Inf\"} ").Append(_count).Append('\n');
                text.Append(name).Append("_sum").Append(Braces(labels)).Append(' ').Append(Number(_sum)).Append('\n');
                text.Append(name).Append("_count").Append(Braces(labels)).Append(' ').Append(_count).Append('\n');
            }
        }

        private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";
        private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    }
}
