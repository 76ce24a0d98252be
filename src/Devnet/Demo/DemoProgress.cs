namespace DvtBus.Devnet.Demo;

/// <summary>The stages a validator goes through in the demo, in order, and when each was complete for every validator.</summary>
public sealed class DemoProgress(int validators, TimeProvider time)
{
    public static readonly string[] Stages = ["requested", "shares", "ready", "approved", "sent", "registered"];

    private readonly DateTimeOffset _start = time.GetUtcNow();
    private readonly int[] _counts = new int[Stages.Length];
    private readonly TimeSpan?[] _completed = new TimeSpan?[Stages.Length];

    public int Validators => validators;

    /// <summary>Records the counts; true when any changed. A later stage done implies the earlier ones are.</summary>
    public bool Update(IReadOnlyList<int> counts)
    {
        var changed = false;
        for (var s = Stages.Length - 1; s >= 0; s--)
        {
            var count = Math.Min(validators, Math.Max(counts[s], s + 1 < Stages.Length ? _counts[s + 1] : 0));
            if (count != _counts[s]) changed = true;
            _counts[s] = count;
        }
        var now = Elapsed;
        for (var s = 0; s < Stages.Length; s++)
            if (_counts[s] == validators && _completed[s] is null) _completed[s] = now;
        return changed;
    }

    public TimeSpan Elapsed => time.GetUtcNow() - _start;

    public bool Done => _counts[^1] == validators;

    /// <summary>The first stage not yet complete for every validator, for a failure message.</summary>
    public string Pending => Stages.FirstOrDefault(s => _counts[Array.IndexOf(Stages, s)] < validators) ?? "none";

    public string Line() =>
        string.Join(" | ", Stages.Select((s, i) => $"{s} {_counts[i]}/{validators}")) + $"  ({Elapsed.TotalSeconds:F1} s)";

    /// <summary>Seconds from the start to each stage's completion, and the time spent in it.</summary>
    public IEnumerable<(string Stage, double? At, double? Took)> Timings()
    {
        TimeSpan previous = TimeSpan.Zero;
        for (var s = 0; s < Stages.Length; s++)
        {
            if (_completed[s] is not { } at)
            {
                yield return (Stages[s], null, null);
                continue;
            }
            yield return (Stages[s], Math.Round(at.TotalSeconds, 2), Math.Round((at - previous).TotalSeconds, 2));
            previous = at;
        }
    }
}
