using System.Text.Json.Nodes;
using DvtBus.Primitives;

namespace DvtBus.Relayer.Tests.Support;

/// <summary>
/// A charon <c>cluster-lock.json</c> for generated clusters, as every operator of an Obol cluster holds it: the
/// threshold, one operator per node and each validator's group key with its public shares at x = node index + 1.
/// </summary>
public static class ClusterLockFile
{
    /// <summary>Writes the lock of these clusters (all with the same nodes and threshold).</summary>
    public static void Write(string path, IReadOnlyList<TestCluster> clusters, string forkVersion = "0x00000000") =>
        Write(path, clusters[0].Threshold, forkVersion, clusters.Select(c => (c.PublicKey, c.Shares.Select(s => s.Key.PublicKey).ToList())).ToList());

    /// <summary>Writes a lock with the given public shares, which need not belong to their validator.</summary>
    public static void Write(string path, int threshold, string forkVersion, IReadOnlyList<(BlsPublicKey Validator, List<BlsPublicKey> PublicShares)> validators)
    {
        var nodes = validators[0].PublicShares.Count;
        var operators = new JsonArray();
        for (var node = 0; node < nodes; node++) operators.Add(new JsonObject { ["enr"] = $"enr:-relayer-test-node-{node}" });
        var distributed = new JsonArray();
        foreach (var (validator, shares) in validators)
            distributed.Add(new JsonObject
            {
                ["distributed_public_key"] = validator.ToString(),
                ["public_shares"] = new JsonArray(shares.Select(s => (JsonNode)JsonValue.Create(s.ToString())!).ToArray()),
            });
        var clusterLock = new JsonObject
        {
            ["cluster_definition"] = new JsonObject
            {
                ["name"] = "relayer-test",
                ["version"] = "v1.8.0",
                ["threshold"] = threshold,
                ["num_validators"] = validators.Count,
                ["fork_version"] = forkVersion,
                ["operators"] = operators,
            },
            ["distributed_validators"] = distributed,
        };
        File.WriteAllText(path, clusterLock.ToJsonString());
    }
}
