using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Keystores.Internal;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Obol;

/// <summary>One distributed validator of a cluster lock. Node i holds the share with x-coordinate i + 1.</summary>
public sealed record DistributedValidator(int Index, BlsPublicKey PublicKey, IReadOnlyList<BlsPublicKey> PublicShares)
{
    public static ulong ShareIndexOfNode(int nodeIndex) =>
        nodeIndex >= 0 ? (ulong)nodeIndex + 1 : throw new ArgumentOutOfRangeException(nameof(nodeIndex));

    public BlsPublicKey PublicShareOfNode(int nodeIndex) =>
        nodeIndex >= 0 && nodeIndex < PublicShares.Count
            ? PublicShares[nodeIndex]
            : throw new ArgumentOutOfRangeException(nameof(nodeIndex), $"node index must be in 0..{PublicShares.Count - 1}");

    /// <summary>The public shares bound to their x-coordinates (1-based), as threshold recovery takes them.</summary>
    public IReadOnlyList<IndexedPublicKey> IndexedPublicShares =>
        PublicShares.Select((share, i) => new IndexedPublicKey(ShareIndexOfNode(i), share)).ToArray();
}

/// <summary>
/// The parts of a charon `cluster-lock.json` that key handling needs: threshold, operators and each
/// distributed validator's group key and public shares. Keys are hex, or base64 in v1.0/v1.1 locks.
/// Hashes and signatures of the lock are not checked here.
/// </summary>
public sealed class ClusterLock
{
    private ClusterLock(string name, string version, int threshold, IReadOnlyList<string> operatorEnrs, string forkVersion,
        IReadOnlyList<DistributedValidator> validators)
    {
        Name = name;
        Version = version;
        Threshold = threshold;
        OperatorEnrs = operatorEnrs;
        ForkVersion = forkVersion;
        Validators = validators;
    }

    public string Name { get; }
    public string Version { get; }
    public int Threshold { get; }
    public IReadOnlyList<string> OperatorEnrs { get; }
    public int OperatorCount => OperatorEnrs.Count;

    /// <summary>`cluster_definition.fork_version` as written (e.g. "0x00000000"); may be empty in old locks.</summary>
    public string ForkVersion { get; }

    public IReadOnlyList<DistributedValidator> Validators { get; }

    public static ClusterLock Parse(string json)
    {
        var root = JsonFields.ParseObject(json, "cluster lock");
        var definition = JsonFields.Object(root, "cluster_definition");
        var operators = JsonFields.Array(definition, "operators");
        if (operators.Count == 0) throw new KeyMaterialException("cluster_definition.operators is empty");
        var enrs = operators.Select(o => o is JsonObject op ? JsonFields.OptionalString(op, "enr") ?? "" : throw new KeyMaterialException("cluster_definition.operators[] entry is not an object")).ToArray();
        var threshold = JsonFields.Int(definition, "threshold");
        if (threshold < 1 || threshold > operators.Count)
            throw new KeyMaterialException($"cluster_definition.threshold {threshold} is outside 1..{operators.Count}");

        var dvs = JsonFields.Array(root, "distributed_validators");
        if (dvs.Count == 0) throw new KeyMaterialException("distributed_validators is empty");
        if (definition["num_validators"] is not null && JsonFields.Int(definition, "num_validators") != dvs.Count)
            throw new KeyMaterialException($"cluster_definition.num_validators says {JsonFields.Int(definition, "num_validators")}, the lock has {dvs.Count} distributed validators");

        var validators = new List<DistributedValidator>(dvs.Count);
        for (var v = 0; v < dvs.Count; v++)
        {
            var dv = dvs[v] as JsonObject ?? throw new KeyMaterialException($"distributed_validators[{v}] is not an object");
            var groupKey = Key(JsonFields.OptionalString(dv, "distributed_public_key"), $"distributed_validators[{v}].distributed_public_key");
            var sharesArray = dv["public_shares"] as JsonArray
                ?? throw new KeyMaterialException($"distributed_validators[{v}].public_shares is missing");
            if (sharesArray.Count != operators.Count)
                throw new KeyMaterialException($"distributed_validators[{v}] has {sharesArray.Count} public shares for {operators.Count} operators");
            var shares = sharesArray.Select((node, i) => Key(node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null,
                $"distributed_validators[{v}].public_shares[{i}]")).ToArray();
            if (shares.Distinct().Count() != shares.Length)
                throw new KeyMaterialException($"distributed_validators[{v}] repeats a public share");
            validators.Add(new DistributedValidator(v, groupKey, Array.AsReadOnly(shares)));
        }
        var duplicate = validators.GroupBy(d => d.PublicKey).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new KeyMaterialException($"validator {duplicate.Key} appears twice in the lock");

        return new ClusterLock(JsonFields.OptionalString(definition, "name") ?? "", JsonFields.OptionalString(definition, "version") ?? "",
            threshold, Array.AsReadOnly(enrs), JsonFields.OptionalString(definition, "fork_version") ?? "", validators.AsReadOnly());
    }

    public static ClusterLock Load(string file) =>
        KeyFile.Load(file, "cluster lock", Parse);

    // v1.0 and v1.1 locks wrote keys as base64; later versions as 0x-hex.
    private static BlsPublicKey Key(string? text, string name)
    {
        if (string.IsNullOrEmpty(text)) throw new KeyMaterialException($"{name} is missing");
        if (BlsPublicKey.TryParse(text, out var key)) return key;
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            var buffer = new byte[BlsPublicKey.Length + 3];
            if (Convert.TryFromBase64String(text, buffer, out var written) && written == BlsPublicKey.Length)
                return BlsPublicKey.From(buffer.AsSpan(0, written));
        }
        throw new KeyMaterialException($"{name} is not a 48-byte public key in hex or base64");
    }

    public override string ToString() => $"ClusterLock({Name}, {Version}, {Threshold} of {OperatorCount}, {Validators.Count} validators)";
}
