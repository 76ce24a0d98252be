using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Bls.Tests;

/// <summary>
/// Every JSON case of the eth bls12-381-tests layout, from the shared vectors and from each folder
/// listed in DVT_EXTRA_VECTORS (colon-separated), one theory row per file.
/// </summary>
public static class VectorFiles
{
    public static readonly string[] Handlers =
    [
        "sign", "verify", "aggregate", "aggregate_verify", "fast_aggregate_verify", "batch_verify",
        "hash_to_G2", "deserialization_G1", "deserialization_G2",
    ];

    public static IEnumerable<string> Roots()
    {
        yield return RepoPaths.Vector("bls", "eth-bls12-381-tests");
        var extra = Environment.GetEnvironmentVariable("DVT_EXTRA_VECTORS");
        if (string.IsNullOrWhiteSpace(extra)) yield break;
        foreach (var dir in extra.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            yield return Path.GetFullPath(dir);
    }

    public static TheoryData<string, string> EthCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var root in Roots())
            foreach (var handler in Handlers)
            {
                var dir = Path.Combine(root, handler);
                if (!Directory.Exists(dir)) continue;
                foreach (var file in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
                    data.Add(handler, file);
            }
        return data;
    }

    public static TheoryData<string> ThresholdFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Vector("threshold", "ssv-dkg-derived"), "*.json").Order(StringComparer.Ordinal))
            data.Add(file);
        return data;
    }
}
