using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Keystores.Obol;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Tests;

/// <summary>
/// A generated 3-of-4 cluster with two validators, written the way charon lays it out:
/// one `validator_keys` folder per node, `keystore-N.json` + `keystore-N.txt` per validator.
/// </summary>
public sealed class ObolKeysTests : IDisposable
{
    private const int Nodes = 4;
    private const int Threshold = 3;
    private const int ValidatorCount = 2;
    private static readonly byte[] Message = "obol test message"u8.ToArray();

    private readonly string _root = Directory.CreateTempSubdirectory("dvt-obol-").FullName;
    private readonly List<BlsSecretKey> _groupKeys = [];
    private readonly ClusterLock _lock;

    public ObolKeysTests()
    {
        var validators = new JsonArray();
        for (var v = 0; v < ValidatorCount; v++)
        {
            var group = BlsSecretKey.Generate();
            _groupKeys.Add(group);
            var shares = BlsThreshold.Split(group, Threshold, [1, 2, 3, 4]);
            var publicShares = new JsonArray();
            for (var node = 0; node < Nodes; node++)
            {
                var share = shares.Single(s => s.Id == (ulong)node + 1).Key;
                publicShares.Add(Hex.Encode(share.PublicKey.Span));
                var password = $"node{node}-validator{v}-password";
                using var pw = KeystorePassword.FromText(password);
                // Alternate the KDFs: charon's code says pbkdf2, its fixtures are scrypt.
                var options = new KdfOptions(v % 2 == 0 ? KdfFunction.Pbkdf2 : KdfFunction.Scrypt, 1024);
                Directory.CreateDirectory(KeysDir(node));
                File.WriteAllText(Path.Combine(KeysDir(node), $"keystore-{v}.json"),
                    Eip2335Keystore.Encrypt(share, pw, options, "m/12381/3600/0/0/0").ToJson());
                File.WriteAllText(Path.Combine(KeysDir(node), $"keystore-{v}.txt"), password);
            }
            foreach (var share in shares) share.Key.Dispose();
            validators.Add(new JsonObject
            {
                ["distributed_public_key"] = Hex.Encode(group.PublicKey.Span),
                ["public_shares"] = publicShares,
            });
        }
        var operators = new JsonArray();
        for (var node = 0; node < Nodes; node++) operators.Add(new JsonObject { ["enr"] = $"enr:-node{node}" });
        var lockJson = new JsonObject
        {
            ["cluster_definition"] = new JsonObject
            {
                ["name"] = "generated",
                ["version"] = "v1.10.0",
                ["num_validators"] = ValidatorCount,
                ["threshold"] = Threshold,
                ["fork_version"] = "0x00000000",
                ["operators"] = operators,
            },
            ["distributed_validators"] = validators,
        };
        File.WriteAllText(Path.Combine(_root, "cluster-lock.json"), lockJson.ToJsonString());
        _lock = ClusterLock.Load(Path.Combine(_root, "cluster-lock.json"));
    }

    public void Dispose()
    {
        foreach (var key in _groupKeys) key.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private string KeysDir(int node) => Path.Combine(_root, $"node{node}", "validator_keys");

    [Fact]
    public void Every_node_loads_its_shares_and_any_threshold_of_nodes_signs_for_the_validator()
    {
        var loaded = Enumerable.Range(0, Nodes).Select(node => ObolKeys.Load(_lock, node, KeysDir(node))).ToArray();
        try
        {
            for (var v = 0; v < ValidatorCount; v++)
            {
                for (var node = 0; node < Nodes; node++)
                {
                    var share = loaded[node][v];
                    Assert.Equal(v, share.ValidatorIndex);
                    Assert.Equal(_groupKeys[v].PublicKey, share.ValidatorPublicKey);
                    Assert.Equal((ulong)node + 1, share.ShareIndex);
                    Assert.Equal(_lock.Validators[v].PublicShareOfNode(node), share.Share.PublicKey);
                }
                var partials = new[] { 3, 0, 2 }
                    .Select(node => new IndexedSignature(loaded[node][v].ShareIndex, loaded[node][v].Share.Sign(Message)))
                    .ToArray();

                var signature = BlsThreshold.RecoverSignature(partials);

                Assert.Equal(_groupKeys[v].Sign(Message), signature);
                Assert.True(BlsScheme.Verify(_groupKeys[v].PublicKey, Message, signature));
            }
        }
        finally
        {
            foreach (var share in loaded.SelectMany(l => l)) share.Dispose();
        }
    }

    [Fact]
    public void Wrong_password_fails_naming_the_validator_and_the_file()
    {
        File.WriteAllText(Path.Combine(KeysDir(2), "keystore-1.txt"), "not the password\n");

        var error = Assert.Throws<WrongPasswordException>(() => ObolKeys.Load(_lock, 2, KeysDir(2)));

        Assert.Contains("validator 1", error.Message);
        Assert.Contains(Path.Combine(KeysDir(2), "keystore-1.json"), error.Message);
        Assert.Contains("wrong password?", error.Message);
    }

    [Fact]
    public void Missing_keystore_fails_naming_the_validator_and_the_file()
    {
        File.Delete(Path.Combine(KeysDir(1), "keystore-0.json"));

        var error = Assert.Throws<KeyMaterialException>(() => ObolKeys.Load(_lock, 1, KeysDir(1)));

        Assert.Contains("validator 0", error.Message);
        Assert.Contains(Path.Combine(KeysDir(1), "keystore-0.json"), error.Message);
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public void Missing_password_file_fails_naming_the_file()
    {
        File.Delete(Path.Combine(KeysDir(3), "keystore-1.txt"));

        var error = Assert.Throws<KeyMaterialException>(() => ObolKeys.Load(_lock, 3, KeysDir(3)));

        Assert.Contains(Path.Combine(KeysDir(3), "keystore-1.txt"), error.Message);
    }

    [Fact]
    public void Keys_of_another_node_do_not_match_the_lock()
    {
        var error = Assert.Throws<KeyMaterialException>(() => ObolKeys.Load(_lock, 1, KeysDir(0)));

        Assert.Contains("validator 0", error.Message);
        Assert.Contains(Path.Combine(KeysDir(0), "keystore-0.json"), error.Message);
        Assert.Contains("does not match public_shares[1]", error.Message);
    }

    [Fact]
    public void Keys_do_not_load_against_a_different_lock()
    {
        var other = JsonNode.Parse(File.ReadAllText(Path.Combine(_root, "cluster-lock.json")))!;
        var shares = other["distributed_validators"]![1]!["public_shares"]!.AsArray();
        (shares[0], shares[1]) = (shares[1]!.DeepClone(), shares[0]!.DeepClone());
        var swapped = ClusterLock.Parse(other.ToJsonString());

        var error = Assert.Throws<KeyMaterialException>(() => ObolKeys.Load(swapped, 0, KeysDir(0)));

        Assert.Contains("validator 1", error.Message);
        Assert.Contains("keystore-1.json", error.Message);
    }

    [Fact]
    public void Rejects_node_index_outside_the_cluster()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ObolKeys.Load(_lock, Nodes, KeysDir(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ObolKeys.Load(_lock, -1, KeysDir(0)));
    }

    [Fact]
    public void Missing_folder_is_named()
    {
        var missing = Path.Combine(_root, "nowhere");

        var error = Assert.Throws<KeyMaterialException>(() => ObolKeys.Load(_lock, 0, missing));

        Assert.Contains(missing, error.Message);
    }
}
