using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Keystores.Obol;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Tests;

[Trait("Category", "Vectors")]
public class ClusterLockVectorTests
{
    private static string LockFile => TestData.Threshold("charon", "test_cluster_lock.json");

    [Fact]
    public void Parses_the_charon_lock_fixture()
    {
        var clusterLock = ClusterLock.Load(LockFile);

        Assert.Equal("v1.10.0", clusterLock.Version);
        Assert.Equal(3, clusterLock.Threshold);
        Assert.Equal(4, clusterLock.OperatorCount);
        Assert.All(clusterLock.OperatorEnrs, enr => Assert.StartsWith("enr:", enr));
        Assert.Equal(5, clusterLock.Validators.Count);
        Assert.All(clusterLock.Validators, dv => Assert.Equal(4, dv.PublicShares.Count));
        Assert.Equal(Enumerable.Range(0, 5), clusterLock.Validators.Select(v => v.Index));
        Assert.StartsWith("0xa0e0da8c", clusterLock.Validators[0].PublicKey.ToString());
        // The fixture claims hoodi, but its deposits were signed for holesky (see the vectors README).
        Assert.Equal("0x10000910", clusterLock.ForkVersion);
    }

    [Fact]
    public void Base64_keys_of_old_locks_read_the_same_as_hex()
    {
        var json = TestData.Json(LockFile);
        foreach (var dv in json["distributed_validators"]!.AsArray())
        {
            dv!["distributed_public_key"] = ToBase64(dv["distributed_public_key"]!);
            var shares = dv["public_shares"]!.AsArray();
            for (var i = 0; i < shares.Count; i++) shares[i] = ToBase64(shares[i]!);
        }

        var fromBase64 = ClusterLock.Parse(json.ToJsonString());
        var fromHex = ClusterLock.Load(LockFile);

        Assert.Equal(fromHex.Validators.Select(v => v.PublicKey), fromBase64.Validators.Select(v => v.PublicKey));
        Assert.Equal(fromHex.Validators.SelectMany(v => v.PublicShares), fromBase64.Validators.SelectMany(v => v.PublicShares));
    }

    [Fact]
    public void Every_threshold_subset_of_public_shares_interpolates_to_the_distributed_key()
    {
        var clusterLock = ClusterLock.Load(LockFile);
        int[][] subsets = [[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]];

        foreach (var dv in clusterLock.Validators)
        foreach (var subset in subsets)
        {
            var shares = subset.Select(node => new IndexedPublicKey(DistributedValidator.ShareIndexOfNode(node), dv.PublicShareOfNode(node))).ToArray();
            Assert.Equal(dv.PublicKey, BlsThreshold.RecoverPublicKey(shares));
        }
    }

    [Fact]
    public void Shifted_share_indices_do_not_interpolate_to_the_distributed_key()
    {
        var dv = ClusterLock.Load(LockFile).Validators[0];

        var wrong = BlsThreshold.RecoverPublicKey([.. dv.PublicShares.Take(3).Select((share, i) => new IndexedPublicKey((ulong)i + 2, share))]);

        Assert.NotEqual(dv.PublicKey, wrong);
    }

    [Fact]
    public void Lock_deposits_verify_with_holesky_not_with_the_lock_fork_version()
    {
        var json = TestData.Json(LockFile);
        var clusterLock = ClusterLock.Load(LockFile);

        foreach (var (dvJson, dv) in json["distributed_validators"]!.AsArray().Zip(clusterLock.Validators))
        foreach (var deposit in dvJson!["partial_deposit_data"]!.AsArray())
        {
            var signature = BlsSignature.Parse(deposit!["signature"]!.GetValue<string>());
            Assert.False(BlsScheme.Verify(dv.PublicKey, DepositSigningRoot(deposit, Hex.Decode(clusterLock.ForkVersion)), signature));
            Assert.True(BlsScheme.Verify(dv.PublicKey, DepositSigningRoot(deposit, Hex.Decode("0x01017000")), signature));
        }
    }

    private static JsonNode ToBase64(JsonNode hex) => JsonValue.Create(Convert.ToBase64String(Hex.Decode(hex.GetValue<string>())))!;

    // SSZ: DepositMessage{pubkey: Bytes48, withdrawal_credentials: Bytes32, amount: uint64}, then SigningData with
    // domain = DOMAIN_DEPOSIT || hash_tree_root(ForkData{fork_version, zero root})[0:28].
    private static byte[] DepositSigningRoot(JsonNode deposit, byte[] forkVersion)
    {
        var pubkeyChunks = new byte[64];
        Hex.Decode(deposit["pubkey"]!.GetValue<string>()).CopyTo(pubkeyChunks, 0);
        var amountChunk = new byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(amountChunk, ulong.Parse(deposit["amount"]!.GetValue<string>()));
        var left = SHA256.HashData([.. SHA256.HashData(pubkeyChunks), .. Hex.Decode(deposit["withdrawal_credentials"]!.GetValue<string>())]);
        var right = SHA256.HashData([.. amountChunk, .. new byte[32]]);
        var messageRoot = SHA256.HashData([.. left, .. right]);

        var forkData = new byte[64];
        forkVersion.CopyTo(forkData, 0);
        var domain = new byte[32];
        domain[0] = 0x03;
        SHA256.HashData(forkData).AsSpan(0, 28).CopyTo(domain.AsSpan(4));
        return SHA256.HashData([.. messageRoot, .. domain]);
    }
}

public class ClusterLockTests
{
    private static JsonNode Fixture() => TestData.Json(TestData.Threshold("charon", "test_cluster_lock.json"));

    public static TheoryData<string, string> Broken => new()
    {
        { Edit(l => l["cluster_definition"]!["threshold"] = 5), "threshold 5 is outside 1..4" },
        { Edit(l => l["cluster_definition"]!["threshold"] = 0), "threshold 0 is outside 1..4" },
        { Edit(l => l["distributed_validators"]![1]!["public_shares"]!.AsArray().RemoveAt(3)), "distributed_validators[1] has 3 public shares for 4 operators" },
        { Edit(l => l["distributed_validators"]![2]!.AsObject().Remove("distributed_public_key")), "distributed_validators[2].distributed_public_key is missing" },
        { Edit(l => l["distributed_validators"]![0]!["public_shares"]![2] = "0x1234"), "distributed_validators[0].public_shares[2] is not a 48-byte public key" },
        { Edit(l => l["distributed_validators"]!.AsArray().RemoveAt(4)), "num_validators says 5, the lock has 4" },
        { Edit(l => l["distributed_validators"]![1]!["distributed_public_key"] = l["distributed_validators"]![0]!["distributed_public_key"]!.GetValue<string>()), "appears twice" },
        { Edit(l => l["cluster_definition"]!["operators"] = new JsonArray()), "operators is empty" },
        { Edit(l => l.AsObject().Remove("cluster_definition")), "'cluster_definition'" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Rejects_inconsistent_lock_with_a_reason(string json, string reason)
    {
        var error = Assert.Throws<KeyMaterialException>(() => ClusterLock.Parse(json));

        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Node_index_maps_to_one_based_share_index()
    {
        Assert.Equal(1UL, DistributedValidator.ShareIndexOfNode(0));
        Assert.Equal(4UL, DistributedValidator.ShareIndexOfNode(3));
        Assert.Equal(new ulong[] { 1, 2, 3, 4 }, ClusterLock.Parse(Fixture().ToJsonString()).Validators[0].IndexedPublicShares.Select(s => s.Id));
    }

    private static string Edit(Action<JsonNode> change)
    {
        var json = Fixture();
        change(json);
        return json.ToJsonString();
    }
}
