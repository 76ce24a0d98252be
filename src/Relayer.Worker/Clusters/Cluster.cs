using DvtBus.Bls;
using DvtBus.Contracts;
using DvtBus.Primitives;

namespace DvtBus.Relayer.Clusters;

/// <summary>A validator's cluster as announced: its threshold and the public share at each share index.</summary>
internal sealed record Cluster(BlsPublicKey ValidatorPublicKey, int Threshold, IReadOnlyDictionary<ulong, BlsPublicKey> PublicShares)
{
    public static Cluster From(AnnouncedValidator v) => new(
        v.ValidatorPublicKey, v.Threshold, v.PublicShares.GroupBy(s => s.ShareIndex).ToDictionary(g => g.Key, g => g.First().PublicKey));

    public bool SameAs(Cluster other) =>
        ValidatorPublicKey == other.ValidatorPublicKey
        && Threshold == other.Threshold
        && PublicShares.Count == other.PublicShares.Count
        && PublicShares.All(s => other.PublicShares.TryGetValue(s.Key, out var o) && o == s.Value);

    /// <summary>
    /// Why the announcement cannot be the cluster of its validator, or null when it can: the shares must be
    /// well-formed, and every public share must lie on one polynomial whose value at 0 is the validator's key.
    /// </summary>
    public static string? Problem(AnnouncedValidator v)
    {
        if (!BlsScheme.KeyValidate(v.ValidatorPublicKey)) return "the validator public key is not a valid G1 point";
        var shares = v.PublicShares;
        if (shares.Count == 0) return "no public shares";
        if (v.Threshold < 1 || v.Threshold > shares.Count) return $"threshold {v.Threshold} is not between 1 and the {shares.Count} public shares";
        if (shares.Any(s => s.ShareIndex == 0)) return "share index 0 is the secret itself, never a share";
        if (shares.Select(s => s.ShareIndex).Distinct().Count() != shares.Count) return "a share index appears twice";
        if (shares.FirstOrDefault(s => !BlsScheme.KeyValidate(s.PublicKey)) is { } bad) return $"public share {bad.ShareIndex} is not a valid G1 point";
        if (v.HeldShareIndexes.FirstOrDefault(i => shares.All(s => s.ShareIndex != i)) is var held and > 0)
            return $"held share index {held} has no public share";

        return BlsThreshold.InconsistentWindow(v.ValidatorPublicKey, v.Threshold, shares.Select(s => new IndexedPublicKey(s.ShareIndex, s.PublicKey)).ToList())
            is { } window ? $"public shares {string.Join(",", window.Select(s => s.Id))} do not interpolate to the validator key" : null;
    }
}
