using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Primitives;
using DvtBus.TestSupport;

namespace DvtBus.Relayer.Tests.Support;

/// <summary>Oracle key pairs made by eciesjs, and the oracles' side of a SignatureReady: decrypt and check.</summary>
public sealed class Oracles
{
    private Oracles(IReadOnlyList<(string Secret, string Public)> keys, int threshold) => (Keys, Threshold) = (keys, threshold);

    public IReadOnlyList<(string Secret, string Public)> Keys { get; }
    public int Threshold { get; }

    public static async Task<Oracles> CreateAsync(int count, int threshold)
    {
        var output = await NodePeer.RunAsync("relayer-oracles.mjs", JsonSerializer.Serialize(new { op = "keys", count }));
        var keys = JsonNode.Parse(output)!.AsArray().Select(k => (k!["secret"]!.GetValue<string>(), k["public"]!.GetValue<string>())).ToList();
        return new Oracles(keys, threshold);
    }

    public Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?> { ["Oracles:ExitSignatureRecoverThreshold"] = Threshold.ToString() };
        for (var i = 0; i < Keys.Count; i++) settings[$"Oracles:PublicKeys:{i}"] = Keys[i].Public;
        return settings;
    }

    /// <summary>Each oracle decrypts its shard with eciesjs and checks it with blst under its public key shard.</summary>
    public async Task<IReadOnlyList<(BlsSignature Signature, bool Verifies)>> OpenAsync(
        Bytes32 signingRoot, IReadOnlyList<BlsPublicKey> publicKeyShards, IReadOnlyList<EncryptedExitSignature> encrypted)
    {
        var request = new
        {
            op = "open",
            message = signingRoot.ToString(),
            shards = encrypted.Select((e, i) => new { secret = Keys[i].Secret, ciphertext = e.ToString(), public_key_shard = publicKeyShards[i].ToString() }),
        };
        var output = await NodePeer.RunAsync("relayer-oracles.mjs", JsonSerializer.Serialize(request));
        return JsonNode.Parse(output)!.AsArray()
            .Select(o => (BlsSignature.Parse(o!["signature"]!.GetValue<string>()), o["verifies"]!.GetValue<bool>())).ToList();
    }

    /// <summary>Every subset of <see cref="Threshold"/> shards, recovered by Lagrange interpolation.</summary>
    public IEnumerable<BlsSignature> RecoverFromEverySubset(IReadOnlyList<BlsSignature> shards)
    {
        foreach (var subset in Subsets(Enumerable.Range(0, shards.Count).ToList(), Threshold))
            yield return BlsThreshold.RecoverSignature(subset.Select(i => new IndexedSignature((ulong)i + 1, shards[i])).ToList());
    }

    private static IEnumerable<List<int>> Subsets(List<int> items, int size)
    {
        if (size == 0) { yield return []; yield break; }
        for (var i = 0; i <= items.Count - size; i++)
            foreach (var rest in Subsets(items.Skip(i + 1).ToList(), size - 1))
                yield return [items[i], .. rest];
    }
}
