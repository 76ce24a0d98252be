using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Bls.Tests;

/// <summary>
/// Random cases computed here and by @noble/curves and @chainsafe/blst (tools/js/bls-peer.mjs);
/// every answer must be byte-identical. Each test sends its whole batch to one node process.
/// </summary>
public class DifferentialTests
{
    private readonly Random _rng = new(20261122);

    private byte[] Bytes(int n)
    {
        var b = new byte[n];
        _rng.NextBytes(b);
        return b;
    }

    private byte[] Flip(ReadOnlySpan<byte> b)
    {
        var copy = b.ToArray();
        copy[_rng.Next(copy.Length)] ^= (byte)(1 << _rng.Next(8));
        return copy;
    }

    private static async Task<JsonArray> Peer(IEnumerable<JsonObject> cases)
    {
        var request = new JsonObject { ["cases"] = new JsonArray([.. cases]) };
        var output = await NodePeer.RunAsync("bls-peer.mjs", request.ToJsonString(), TimeSpan.FromMinutes(2));
        return JsonNode.Parse(output)!["results"]!.AsArray();
    }

    /// <summary>Asserts that every peer that answered a case gave our answer.</summary>
    private static void AssertSame(IReadOnlyList<(JsonObject Case, JsonNode Ours)> cases, JsonArray results)
    {
        Assert.Equal(cases.Count, results.Count);
        for (int i = 0; i < cases.Count; i++)
            foreach (var peer in new[] { "noble", "blst" })
            {
                var theirs = results[i]![peer];
                if (theirs is null) continue;
                Assert.True(JsonNode.DeepEquals(cases[i].Ours, theirs),
                    $"case {i} ({cases[i].Case["op"]}): ours {cases[i].Ours.ToJsonString()}, {peer} {theirs.ToJsonString()}");
            }
    }

    private static JsonObject Case(string op, params (string Key, JsonNode? Value)[] fields)
    {
        var o = new JsonObject { ["op"] = op };
        foreach (var (k, v) in fields) o[k] = v;
        return o;
    }

    private static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(s => (JsonNode)s)]);

    [Fact]
    public async Task Keys_and_signatures_match_noble_and_blst()
    {
        var cases = new List<(JsonObject, JsonNode)>();
        for (int i = 0; i < 40; i++)
        {
            using var key = BlsSecretKey.Generate();
            var sk = Hex.Encode(key.ToBytes());
            var msg = Bytes(_rng.Next(0, 80));
            cases.Add((Case("pk", ("sk", sk)), key.PublicKey.ToString()));
            cases.Add((Case("sign", ("sk", sk), ("msg", Hex.Encode(msg))), key.Sign(msg).ToString()));
        }
        AssertSame(cases, await Peer(cases.Select(c => c.Item1)));
    }

    [Fact]
    public async Task Verification_of_valid_and_tampered_signatures_matches()
    {
        var cases = new List<(JsonObject, JsonNode)>();
        using var other = BlsSecretKey.Generate();
        for (int i = 0; i < 50; i++)
        {
            using var key = BlsSecretKey.Generate();
            var msg = Bytes(32);
            var sig = key.Sign(msg);
            var pk = key.PublicKey;
            switch (i % 5)
            {
                case 1: msg = Flip(msg); break;
                case 2: pk = other.PublicKey; break;
                case 3: sig = other.Sign(msg); break;
                case 4:
                    var tampered = Flip(sig.Span);
                    var ours = BlsSignature.From(tampered);
                    cases.Add((Case("verify", ("pk", pk.ToString()), ("msg", Hex.Encode(msg)), ("sig", Hex.Encode(tampered))),
                        BlsScheme.Verify(pk, msg, ours)));
                    continue;
            }
            cases.Add((Case("verify", ("pk", pk.ToString()), ("msg", Hex.Encode(msg)), ("sig", sig.ToString())), BlsScheme.Verify(pk, msg, sig)));
        }
        var results = await Peer(cases.Select(c => c.Item1));
        AssertSame(cases, results);
        Assert.Contains(cases, c => c.Item2.GetValue<bool>());
        Assert.Contains(cases, c => !c.Item2.GetValue<bool>());
    }

    [Fact]
    public async Task Aggregation_and_fast_aggregate_verify_match()
    {
        var cases = new List<(JsonObject, JsonNode)>();
        for (int i = 0; i < 30; i++)
        {
            var keys = Enumerable.Range(0, 1 + _rng.Next(5)).Select(_ => BlsSecretKey.Generate()).ToList();
            var msg = Bytes(32);
            var sigs = keys.Select(k => k.Sign(msg)).ToList();
            var pks = keys.Select(k => k.PublicKey).ToList();
            var agg = BlsScheme.Aggregate(sigs);
            cases.Add((Case("aggregate", ("sigs", Strings(sigs.Select(s => s.ToString())))), agg.ToString()));
            cases.Add((Case("aggregate_pks", ("pks", Strings(pks.Select(p => p.ToString())))), BlsScheme.AggregatePublicKeys(pks).ToString()));
            var verifyMsg = i % 2 == 0 ? msg : Flip(msg);
            cases.Add((Case("fast_aggregate_verify", ("pks", Strings(pks.Select(p => p.ToString()))), ("msg", Hex.Encode(verifyMsg)), ("sig", agg.ToString())),
                BlsScheme.FastAggregateVerify(pks, verifyMsg, agg)));
            keys.ForEach(k => k.Dispose());
        }
        AssertSame(cases, await Peer(cases.Select(c => c.Item1)));
    }

    [Fact]
    public async Task Hash_to_G2_with_the_pop_dst_matches_noble()
    {
        var cases = new List<(JsonObject, JsonNode)>();
        for (int i = 0; i < 20; i++)
        {
            var msg = Bytes(_rng.Next(0, 300));
            cases.Add((Case("hash", ("msg", Hex.Encode(msg))), Hex.Encode(G2.Compress(HashToCurve.HashToG2(msg, HashToCurve.PopDst)))));
        }
        AssertSame(cases, await Peer(cases.Select(c => c.Item1)));
    }

    [Fact]
    public async Task Threshold_recovery_matches_noble_field_arithmetic()
    {
        var cases = new List<(JsonObject, JsonNode)>();
        for (int i = 0; i < 12; i++)
        {
            int t = 2 + _rng.Next(4), n = t + _rng.Next(4);
            var ids = new HashSet<ulong>();
            while (ids.Count < n) ids.Add(i % 2 == 0 ? (ulong)_rng.Next(1, 200) : (ulong)_rng.NextInt64(1, long.MaxValue));
            using var key = BlsSecretKey.Generate();
            var shares = BlsThreshold.Split(key, t, ids.ToList());
            var chosen = shares.OrderBy(_ => _rng.Next()).Take(t).ToList();
            // As strings: JSON numbers above 2^53 lose precision in JavaScript.
            var idArray = Strings(chosen.Select(s => s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var msg = Bytes(32);
            var partials = chosen.Select(s => new IndexedSignature(s.Id, s.Key.Sign(msg))).ToList();
            var publics = chosen.Select(s => new IndexedPublicKey(s.Id, s.Key.PublicKey)).ToList();
            cases.Add((Case("recover_secret", ("ids", idArray.DeepClone()), ("shares", Strings(chosen.Select(s => Hex.Encode(s.Key.ToBytes()))))),
                Hex.Encode(key.ToBytes())));
            cases.Add((Case("recover_signature", ("ids", idArray.DeepClone()), ("sigs", Strings(partials.Select(p => p.Signature.ToString())))),
                BlsThreshold.RecoverSignature(partials).ToString()));
            cases.Add((Case("recover_public_key", ("ids", idArray.DeepClone()), ("pks", Strings(publics.Select(p => p.PublicKey.ToString())))),
                BlsThreshold.RecoverPublicKey(publics).ToString()));
            foreach (var s in shares) s.Key.Dispose();
        }
        AssertSame(cases, await Peer(cases.Select(c => c.Item1)));
    }

    [Fact]
    public async Task Point_validation_of_tampered_encodings_matches()
    {
        var cases = new List<(JsonObject, JsonNode)>();
        using var key = BlsSecretKey.Generate();
        for (int i = 0; i < 25; i++)
        {
            var pk = Flip(key.PublicKey.Span);
            cases.Add((Case("key_validate", ("pk", Hex.Encode(pk))), BlsScheme.KeyValidate(BlsPublicKey.From(pk))));
            var sig = Flip(key.Sign(Bytes(8)).Span);
            cases.Add((Case("signature_validate", ("sig", Hex.Encode(sig))), BlsScheme.SignatureValidate(BlsSignature.From(sig))));
        }
        AssertSame(cases, await Peer(cases.Select(c => c.Item1)));
    }
}
