using System.Text.Json;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Bls.Tests;

[Trait("Category", "Vectors")]
public class ThresholdVectorTests
{
    public static TheoryData<string> SsvFixtures => VectorFiles.ThresholdFixtures();

    private sealed record Share(ulong Id, string SecretKey, BlsPublicKey PublicKey, BlsSignature Partial);

    private static (int T, BlsPublicKey GroupPk, byte[] Root, BlsSignature GroupSig, List<Share> Shares) Load(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var r = doc.RootElement;
        var shares = r.GetProperty("shares").EnumerateArray().Select(s => new Share(
            s.GetProperty("index").GetUInt64(), s.GetProperty("secret_key").GetString()!,
            BlsPublicKey.Parse(s.GetProperty("public_key").GetString()),
            BlsSignature.Parse(s.GetProperty("partial_signature_over_deposit_signing_root").GetString()))).ToList();
        return (r.GetProperty("threshold").GetInt32(), BlsPublicKey.Parse(r.GetProperty("group_public_key").GetString()),
            Hex.Decode(r.GetProperty("deposit_signing_root").GetString()),
            BlsSignature.Parse(r.GetProperty("group_signature_over_deposit_signing_root").GetString()), shares);
    }

    [Theory]
    [MemberData(nameof(SsvFixtures))]
    public void Ssv_shares_sign_and_recombine_to_the_group_signature(string file)
    {
        var (t, groupPk, root, groupSig, shares) = Load(file);
        foreach (var s in shares)
        {
            using var key = BlsSecretKey.FromBytes(Hex.Decode(s.SecretKey));
            Assert.Equal(s.PublicKey, key.PublicKey);
            var partial = key.Sign(root);
            Assert.Equal(s.Partial, partial);
            Assert.True(BlsScheme.Verify(s.PublicKey, root, partial));
        }
        Assert.True(BlsScheme.Verify(groupPk, root, groupSig));
        // The first t and the last t shares (x = operator id) both recombine.
        foreach (var subset in new[] { shares.Take(t).ToList(), shares.Skip(shares.Count - t).ToList() })
        {
            Assert.Equal(groupSig, BlsThreshold.RecoverSignature(subset.Select(s => new IndexedSignature(s.Id, s.Partial)).ToList()));
            Assert.Equal(groupPk, BlsThreshold.RecoverPublicKey(subset.Select(s => new IndexedPublicKey(s.Id, s.PublicKey)).ToList()));
        }
    }

    [Theory]
    [MemberData(nameof(SsvFixtures))]
    public void Ssv_shares_below_threshold_do_not_recombine(string file)
    {
        var (t, groupPk, _, groupSig, shares) = Load(file);
        var few = shares.Take(t - 1).ToList();
        Assert.NotEqual(groupSig, BlsThreshold.RecoverSignature(few.Select(s => new IndexedSignature(s.Id, s.Partial)).ToList()));
        Assert.NotEqual(groupPk, BlsThreshold.RecoverPublicKey(few.Select(s => new IndexedPublicKey(s.Id, s.PublicKey)).ToList()));
    }

    [Fact]
    public void Thirteen_operator_set_needs_operator_ids_not_positions()
    {
        var (t, groupPk, _, _, shares) = Load(RepoPaths.Vector("threshold", "ssv-dkg-derived", "13_operators_1_validator.json"));
        var byPosition = shares.Skip(shares.Count - t).Select((s, i) => new IndexedPublicKey((ulong)(shares.Count - t + i + 1), s.PublicKey)).ToList();
        Assert.NotEqual(groupPk, BlsThreshold.RecoverPublicKey(byPosition));
    }

    [Fact]
    public void Charon_public_shares_interpolate_to_each_distributed_key()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector("threshold", "charon", "test_cluster_lock.json")));
        int t = doc.RootElement.GetProperty("cluster_definition").GetProperty("threshold").GetInt32();
        var validators = doc.RootElement.GetProperty("distributed_validators").EnumerateArray().ToList();
        Assert.NotEmpty(validators);
        foreach (var dv in validators)
        {
            var groupPk = BlsPublicKey.Parse(dv.GetProperty("distributed_public_key").GetString());
            var shares = dv.GetProperty("public_shares").EnumerateArray()
                .Select((s, i) => new IndexedPublicKey((ulong)i + 1, BlsPublicKey.Parse(s.GetString()))).ToList();
            foreach (var subset in Subsets(shares, t))
                Assert.Equal(groupPk, BlsThreshold.RecoverPublicKey(subset));
            // Off-by-one coordinates (x = position + 2) must not interpolate to the group key.
            var shifted = shares.Take(t).Select(s => new IndexedPublicKey(s.Id + 1, s.PublicKey)).ToList();
            Assert.NotEqual(groupPk, BlsThreshold.RecoverPublicKey(shifted));
        }
    }

    private static IEnumerable<List<T>> Subsets<T>(List<T> items, int k)
    {
        if (k == 0)
        {
            yield return [];
            yield break;
        }
        for (int i = 0; i <= items.Count - k; i++)
            foreach (var rest in Subsets(items.Skip(i + 1).ToList(), k - 1))
                yield return [items[i], .. rest];
    }
}
