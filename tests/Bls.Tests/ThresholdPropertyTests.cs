using System.Text;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Bls.Tests;

public class ThresholdPropertyTests
{
    private static readonly byte[] Message = Encoding.ASCII.GetBytes("voluntary exit signing root");

    private static IEnumerable<List<T>> Subsets<T>(IReadOnlyList<T> items, int k, int start = 0)
    {
        if (k == 0)
        {
            yield return [];
            yield break;
        }
        for (int i = start; i <= items.Count - k; i++)
            foreach (var rest in Subsets(items, k - 1, i + 1))
                yield return [items[i], .. rest];
    }

    [Fact]
    public void Any_threshold_shares_recover_key_and_signature_and_fewer_do_not()
    {
        using var key = BlsSecretKey.Generate();
        var groupSig = key.Sign(Message);
        ulong[] ids = [11, 22, 33, 44, 55];
        var shares = BlsThreshold.Split(key, 3, ids);
        var partials = shares.Select(s => (s.Id, Sig: s.Key.Sign(Message), Pk: s.Key.PublicKey)).ToList();
        foreach (var p in partials) Assert.True(BlsScheme.Verify(p.Pk, Message, p.Sig));
        foreach (var subset in Subsets(partials, 3))
        {
            Assert.Equal(groupSig, BlsThreshold.RecoverSignature(subset.Select(p => new IndexedSignature(p.Id, p.Sig)).ToList()));
            Assert.Equal(key.PublicKey, BlsThreshold.RecoverPublicKey(subset.Select(p => new IndexedPublicKey(p.Id, p.Pk)).ToList()));
        }
        foreach (var subset in Subsets(partials, 2))
        {
            Assert.NotEqual(groupSig, BlsThreshold.RecoverSignature(subset.Select(p => new IndexedSignature(p.Id, p.Sig)).ToList()));
            Assert.NotEqual(key.PublicKey, BlsThreshold.RecoverPublicKey(subset.Select(p => new IndexedPublicKey(p.Id, p.Pk)).ToList()));
        }
    }

    [Fact]
    public void Shares_recover_the_secret_scalar_itself()
    {
        using var key = BlsSecretKey.Generate();
        var shares = BlsThreshold.Split(key, 4, [1, 2, 3, 4, 5, 6, 7]);
        var chosen = shares.Where(s => s.Id is 2 or 3 or 5 or 7).ToList();
        var lambdas = BlsThreshold.LagrangeAtZero(chosen.Select(s => s.Id).ToList(), "ids");
        var secret = Fr.Zero;
        for (int i = 0; i < chosen.Count; i++) secret += lambdas[i] * chosen[i].Key.Scalar;
        Assert.Equal(key.Scalar, secret);
    }

    [Fact]
    public void Tampered_share_is_detected_and_spoils_recovery()
    {
        using var key = BlsSecretKey.Generate();
        using var stranger = BlsSecretKey.Generate();
        var shares = BlsThreshold.Split(key, 2, [1, 2, 3]);
        var good = shares[0].Key.Sign(Message);
        var bad = stranger.Sign(Message);
        Assert.False(BlsScheme.Verify(shares[1].Key.PublicKey, Message, bad));
        var recovered = BlsThreshold.RecoverSignature([new(1, good), new(2, bad)]);
        Assert.False(BlsScheme.Verify(key.PublicKey, Message, recovered));
    }

    [Fact]
    public void Zero_or_duplicate_ids_are_rejected()
    {
        using var key = BlsSecretKey.Generate();
        Assert.Throws<ArgumentException>(() => BlsThreshold.Split(key, 2, [0, 1, 2]));
        Assert.Throws<ArgumentException>(() => BlsThreshold.Split(key, 2, [1, 2, 2]));
        Assert.Throws<ArgumentException>(() => BlsThreshold.Split(key, 4, [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => BlsThreshold.Split(key, 0, [1, 2, 3]));
        var sig = key.Sign(Message);
        Assert.Throws<ArgumentException>(() => BlsThreshold.RecoverSignature([new(0, sig), new(1, sig)]));
        Assert.Throws<ArgumentException>(() => BlsThreshold.RecoverSignature([new(3, sig), new(3, sig)]));
        Assert.Throws<ArgumentException>(() => BlsThreshold.RecoverSignature([]));
        Assert.Throws<ArgumentException>(() => BlsThreshold.RecoverPublicKey([new(0, key.PublicKey)]));
        Assert.Throws<ArgumentException>(() => BlsThreshold.RecoverPublicKey([new(5, key.PublicKey), new(5, key.PublicKey)]));
    }

    [Fact]
    public void Invalid_points_are_rejected_in_recovery()
    {
        using var key = BlsSecretKey.Generate();
        var sig = key.Sign(Message);
        var notOnCurve = sig.ToArray();
        notOnCurve[95] ^= 1;
        Assert.Throws<ArgumentException>(() => BlsThreshold.RecoverSignature([new(1, sig), new(2, default)]));
        Assert.Throws<ArgumentException>(() => BlsThreshold.RecoverPublicKey([new(1, key.PublicKey), new(2, default)]));
        var infinityPk = BlsPublicKey.From([0xc0, .. new byte[47]]);
        Assert.Throws<ArgumentException>(() => BlsThreshold.RecoverPublicKey([new(1, key.PublicKey), new(2, infinityPk)]));
        if (!BlsScheme.SignatureValidate(BlsSignature.From(notOnCurve)))
            Assert.Throws<ArgumentException>(() => BlsThreshold.RecoverSignature([new(1, sig), new(2, BlsSignature.From(notOnCurve))]));
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(3, 4)]
    [InlineData(8, 11)]
    public void Reshare_shards_verify_and_any_threshold_recover_signature_and_key(int threshold, int count)
    {
        using var key = BlsSecretKey.Generate();
        var sig = key.Sign(Message);
        var shards = BlsThreshold.Reshare(sig, key.PublicKey, Message, threshold, count);
        Assert.Equal(count, shards.PublicKeys.Count);
        Assert.Equal(count, shards.Signatures.Count);
        for (int k = 0; k < count; k++)
            Assert.True(BlsScheme.Verify(shards.PublicKeys[k], Message, shards.Signatures[k]), $"shard {k}");
        if (threshold > 1) Assert.NotEqual(sig, shards.Signatures[0]);
        var positions = Enumerable.Range(0, count).ToList();
        foreach (var pick in new[] { positions.Take(threshold), positions.Skip(count - threshold), positions.Where(p => p % 2 == 0).Concat(positions.Where(p => p % 2 == 1)).Take(threshold) })
        {
            var chosen = pick.ToList();
            Assert.Equal(sig, BlsThreshold.RecoverSignature(chosen.Select(k => new IndexedSignature((ulong)k + 1, shards.Signatures[k])).ToList()));
            Assert.Equal(key.PublicKey, BlsThreshold.RecoverPublicKey(chosen.Select(k => new IndexedPublicKey((ulong)k + 1, shards.PublicKeys[k])).ToList()));
        }
        if (threshold > 1)
        {
            var few = positions.Take(threshold - 1).ToList();
            Assert.NotEqual(sig, BlsThreshold.RecoverSignature(few.Select(k => new IndexedSignature((ulong)k + 1, shards.Signatures[k])).ToList()));
        }
    }

    [Fact]
    public void Reshare_refuses_a_signature_that_does_not_verify()
    {
        using var key = BlsSecretKey.Generate();
        using var other = BlsSecretKey.Generate();
        var sig = other.Sign(Message);
        Assert.Throws<ArgumentException>(() => BlsThreshold.Reshare(sig, key.PublicKey, Message, 2, 3));
        Assert.Throws<ArgumentException>(() => BlsThreshold.Reshare(key.Sign(Message), key.PublicKey, Message, 4, 3));
        Assert.Throws<ArgumentException>(() => BlsThreshold.Reshare(default, key.PublicKey, Message, 2, 3));
    }
}
