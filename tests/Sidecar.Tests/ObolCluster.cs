using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Keystores;
using DvtBus.Primitives;

namespace DvtBus.Sidecar.Tests;

/// <summary>
/// A charon-style cluster written to a temporary folder: validator keys split by our Shamir code at
/// x = node index + 1, one real EIP-2335 keystore + password file per node and validator
/// (<c>node{i}/validator_keys/keystore-{v}.json</c>), and a <c>cluster-lock.json</c> with the public shares.
/// The group secret keys are kept so tests can check what the shares recombine to.
/// </summary>
internal sealed class ObolCluster : IDisposable
{
    // Cheap on purpose: the tests check the format, not the key-derivation cost.
    private static readonly KdfOptions FastKdf = new(KdfFunction.Pbkdf2, 16);

    private ObolCluster(string root, int nodes, int threshold, IReadOnlyList<BlsPublicKey> validators)
    {
        Root = root;
        Nodes = nodes;
        Threshold = threshold;
        Validators = validators;
    }

    public string Root { get; }
    public int Nodes { get; }
    public int Threshold { get; }
    public IReadOnlyList<BlsPublicKey> Validators { get; }
    public string LockFile => Path.Combine(Root, "cluster-lock.json");

    public string KeysDir(int node) => Path.Combine(Root, $"node{node}", "validator_keys");

    public string Keystore(int node, int validator) => Path.Combine(KeysDir(node), $"keystore-{validator}.json");

    public string PasswordFile(int node, int validator) => Path.Combine(KeysDir(node), $"keystore-{validator}.txt");

    public static ObolCluster Create(int validators, int nodes = 4, int threshold = 3, bool base64Keys = false)
    {
        var root = Path.Combine(Path.GetTempPath(), "sidecar-obol-" + Guid.NewGuid().ToString("N"));
        var ids = Enumerable.Range(1, nodes).Select(i => (ulong)i).ToArray();
        var groupKeys = new List<BlsPublicKey>();
        var lockValidators = new JsonArray();
        for (var node = 0; node < nodes; node++) Directory.CreateDirectory(Path.Combine(root, $"node{node}", "validator_keys"));
        for (var v = 0; v < validators; v++)
        {
            using var key = BlsSecretKey.Generate();
            var shares = BlsThreshold.Split(key, threshold, ids);
            var publicShares = new JsonArray();
            for (var node = 0; node < nodes; node++)
            {
                using var share = shares[node].Key;
                var password = $"pw-{node}-{v}-" + Guid.NewGuid().ToString("N");
                using var secret = KeystorePassword.FromText(password);
                var keystore = Eip2335Keystore.Encrypt(share, secret, FastKdf, "m/12381/3600/0/0/0");
                var dir = Path.Combine(root, $"node{node}", "validator_keys");
                File.WriteAllText(Path.Combine(dir, $"keystore-{v}.json"), keystore.ToJson());
                File.WriteAllText(Path.Combine(dir, $"keystore-{v}.txt"), password);
                publicShares.Add(Encode(share.PublicKey, base64Keys));
            }
            groupKeys.Add(key.PublicKey);
            lockValidators.Add(new JsonObject
            {
                ["distributed_public_key"] = Encode(key.PublicKey, base64Keys),
                ["public_shares"] = publicShares,
            });
        }
        var operators = new JsonArray();
        for (var node = 0; node < nodes; node++) operators.Add(new JsonObject { ["enr"] = $"enr:-test-node-{node}" });
        var clusterLock = new JsonObject
        {
            ["cluster_definition"] = new JsonObject
            {
                ["name"] = "sidecar-test",
                ["version"] = base64Keys ? "v1.0.0" : "v1.8.0",
                ["threshold"] = threshold,
                ["num_validators"] = validators,
                ["fork_version"] = "0x00000000",
                ["operators"] = operators,
            },
            ["distributed_validators"] = lockValidators,
        };
        File.WriteAllText(Path.Combine(root, "cluster-lock.json"), clusterLock.ToJsonString());
        return new ObolCluster(root, nodes, threshold, groupKeys);
    }

    // Locks before v1.2 wrote keys as base64.
    private static string Encode(BlsPublicKey key, bool base64) => base64 ? Convert.ToBase64String(key.Span) : key.ToString();

    /// <summary>Settings for a sidecar holding the given nodes of this cluster.</summary>
    public Dictionary<string, string?> Settings(string sidecarId, string network, params int[] nodes)
    {
        var settings = SidecarSettings.Base(sidecarId, network);
        SidecarSettings.AddObolNodes(settings, LockFile, nodes.Select(n => (n, KeysDir(n))));
        return settings;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
