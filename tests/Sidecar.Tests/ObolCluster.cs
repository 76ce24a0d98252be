using System.Text.Json.Nodes;
using DvtBus.Crypto.Consensus;
using DvtBus.Devnet.Cluster;
using DvtBus.Primitives;

namespace DvtBus.Sidecar.Tests;

/// <summary>
/// A charon-style cluster in a temporary folder, written by the devnet's <see cref="ClusterGenerator"/>
/// (<c>cluster-lock.json</c>, <c>node{i}/validator_keys/keystore-{v}.json</c> + <c>.txt</c>), with the
/// paths and sidecar settings the tests need.
/// </summary>
internal sealed class ObolCluster : IDisposable
{
    private const int Nodes = 4;
    private const int Threshold = 3;

    // Cheap on purpose: the tests check the format, not the key-derivation cost.
    private const int FastKdfCost = 16;

    private static readonly Address Vault = Address.Parse("0x000000000000000000000000000000000000dead");

    private ObolCluster(string root, IReadOnlyList<BlsPublicKey> validators)
    {
        Root = root;
        Validators = validators;
    }

    public string Root { get; }
    public IReadOnlyList<BlsPublicKey> Validators { get; }
    public string LockFile => Path.Combine(Root, ClusterGenerator.LockFileName);

    public string KeysDir(int node) => ClusterGenerator.ValidatorKeysFolder(Root, node);

    public string Keystore(int node, int validator) => Path.Combine(KeysDir(node), $"keystore-{validator}.json");

    public string PasswordFile(int node, int validator) => Path.Combine(KeysDir(node), $"keystore-{validator}.txt");

    /// <param name="base64Keys">Rewrites the lock as a v1.0 lock, whose keys charon wrote as base64.</param>
    public static ObolCluster Create(int validators, bool base64Keys = false)
    {
        var root = Path.Combine(Path.GetTempPath(), "sidecar-obol-" + Guid.NewGuid().ToString("N"));
        var spec = new ClusterSpec(validators, Nodes, Threshold, Vault, Networks.Hoodi, ClusterKind.Obol, FastKdfCost);
        var generated = ClusterGenerator.Generate(spec, root);
        var cluster = new ObolCluster(root, generated.Validators);
        if (base64Keys) cluster.RewriteAsBase64Lock();
        return cluster;
    }

    /// <summary>Rewrites the lock's cluster_definition.fork_version (generated for Hoodi) for a sidecar of another network.</summary>
    public ObolCluster ForForkVersion(Bytes4 forkVersion)
    {
        var clusterLock = JsonNode.Parse(File.ReadAllText(LockFile))!;
        clusterLock["cluster_definition"]!["fork_version"] = forkVersion.ToString();
        File.WriteAllText(LockFile, clusterLock.ToJsonString());
        return this;
    }

    private void RewriteAsBase64Lock()
    {
        var clusterLock = JsonNode.Parse(File.ReadAllText(LockFile))!;
        clusterLock["cluster_definition"]!["version"] = "v1.0.0";
        foreach (var validator in clusterLock["distributed_validators"]!.AsArray())
        {
            validator!["distributed_public_key"] = Base64(validator["distributed_public_key"]!);
            var shares = validator["public_shares"]!.AsArray();
            for (var i = 0; i < shares.Count; i++) shares[i] = Base64(shares[i]!);
        }
        File.WriteAllText(LockFile, clusterLock.ToJsonString());
    }

    private static string Base64(JsonNode hexKey) => Convert.ToBase64String(BlsPublicKey.Parse(hexKey.GetValue<string>()).Span);

    /// <summary>Settings for a sidecar holding the given nodes of this cluster.</summary>
    public Dictionary<string, string?> Settings(string sidecarId, string network, params int[] nodes)
    {
        var settings = SidecarSettings.Base(sidecarId, network);
        SidecarSettings.AddObolNodes(settings, LockFile, nodes.Select(n => (n, KeysDir(n))));
        return settings;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
