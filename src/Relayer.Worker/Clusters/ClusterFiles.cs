using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Keystores;
using DvtBus.Keystores.Obol;
using DvtBus.Keystores.Ssv;
using DvtBus.Primitives;

namespace DvtBus.Relayer.Clusters;

/// <summary>One configured cluster file and the validators it describes, as a sidecar would announce them.</summary>
/// <param name="Setting">The setting that names the file, e.g. <c>Clusters:ObolLockFiles:0</c>.</param>
internal sealed record ClusterFile(string Setting, string File, IReadOnlyList<AnnouncedValidator> Validators)
{
    /// <summary>Who announced the clusters, in logs and in a conflict's reason.</summary>
    public string SidecarId => "file:" + Path.GetFileName(File);
}

/// <summary>
/// Reads Obol cluster locks and SSV keyshares files into announcements: the same validator key, threshold and
/// public shares (Obol: x = node index + 1; SSV: x = operator id) that a sidecar holding them announces. Only
/// public data is read; no share is decrypted. The files' hashes and signatures are not checked here: every
/// cluster still passes the interpolation check of <see cref="ClusterAnnouncements"/>.
/// </summary>
internal static class ClusterFiles
{
    /// <param name="network">The relayer's network; a file that names another is refused. Null skips that check.</param>
    public static (IReadOnlyList<ClusterFile> Files, IReadOnlyList<string> Failures) Read(ClusterFileOptions options, Network? network)
    {
        ArgumentNullException.ThrowIfNull(options);
        var files = new List<ClusterFile>();
        var failures = new List<string>();
        for (var i = 0; i < options.ObolLockFiles.Count; i++)
            Add(files, failures, $"{ClusterFileOptions.Section}:{nameof(ClusterFileOptions.ObolLockFiles)}:{i}", options.ObolLockFiles[i],
                path => FromClusterLock(path, network));
        for (var i = 0; i < options.SsvKeySharesFiles.Count; i++)
            Add(files, failures, $"{ClusterFileOptions.Section}:{nameof(ClusterFileOptions.SsvKeySharesFiles)}:{i}", options.SsvKeySharesFiles[i],
                FromKeyShares);
        return (files, failures);
    }

    private static void Add(List<ClusterFile> files, List<string> failures, string setting, string? path, Func<string, IReadOnlyList<AnnouncedValidator>> read)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            failures.Add($"{setting} is empty: give the path of a file");
            return;
        }
        try
        {
            files.Add(new ClusterFile(setting, path, read(path)));
        }
        catch (KeyMaterialException e)
        {
            // The Keystores messages name the file already ("cluster lock /path: ...", "cannot read keyshares file /path: ...").
            failures.Add($"{setting}: {e.Message}");
        }
    }

    private static IReadOnlyList<AnnouncedValidator> FromClusterLock(string path, Network? network)
    {
        var clusterLock = ClusterLock.Load(path);
        CheckForkVersion(clusterLock, path, network);
        return clusterLock.Validators
            .Select(v => Announced(v.PublicKey, clusterLock.Threshold, v.IndexedPublicShares.Select(s => (s.Id, s.PublicKey))))
            .ToArray();
    }

    // SSV keyshares files name no network; they are taken as the relayer's.
    private static IReadOnlyList<AnnouncedValidator> FromKeyShares(string path) =>
        SsvKeyShares.Load(path)
            .Select(item => Announced(item.Shares.ValidatorPublicKey, item.Shares.Threshold, item.Shares.IndexedPublicShares.Select(s => (s.Id, s.PublicKey))))
            .ToArray();

    // Old locks leave fork_version empty: then only the interpolation check stands between the file and the relayer.
    private static void CheckForkVersion(ClusterLock clusterLock, string path, Network? network)
    {
        if (network is not null && Networks.ForkVersionMismatch(clusterLock.ForkVersion, network) is { } mismatch)
            throw new KeyMaterialException($"cluster lock {path} {mismatch}, the network this relayer serves");
    }

    // What a sidecar announces for a validator it holds no share of: every public share, nothing held.
    private static AnnouncedValidator Announced(BlsPublicKey validator, int threshold, IEnumerable<(ulong Index, BlsPublicKey Share)> shares) =>
        new(validator, threshold, shares.Select(s => new IndexedPublicShare(s.Index, s.Share)).ToArray(), []);
}
