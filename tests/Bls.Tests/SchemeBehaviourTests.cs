using System.Text;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Bls.Tests;

public class SchemeBehaviourTests
{
    private static readonly byte[] Message = Encoding.ASCII.GetBytes("message");
    private static readonly BlsPublicKey InfinityPk = BlsPublicKey.From([0xc0, .. new byte[47]]);
    private static readonly BlsSignature InfinitySig = BlsSignature.From([0xc0, .. new byte[95]]);

    [Fact]
    public void Secret_key_bytes_must_be_a_non_zero_scalar_below_r()
    {
        var r = Convert.FromHexString("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
        var rMinus1 = (byte[])r.Clone();
        rMinus1[31] = 0;
        var ex = Assert.Throws<ArgumentException>(() => BlsSecretKey.FromBytes(r));
        Assert.DoesNotContain("73eda7", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentException>(() => BlsSecretKey.FromBytes(new byte[32]));
        Assert.Throws<ArgumentException>(() => BlsSecretKey.FromBytes(new byte[31]));
        Assert.Throws<ArgumentException>(() => BlsSecretKey.FromBytes(Enumerable.Repeat((byte)0xff, 32).ToArray()));
        using var max = BlsSecretKey.FromBytes(rMinus1);
        Assert.Equal(rMinus1, max.ToBytes());
        Assert.False(BlsSecretKey.TryFromBytes(r, out var none));
        Assert.Null(none);
    }

    [Fact]
    public void Secret_key_one_gives_the_generator_and_never_prints_its_bytes()
    {
        var one = new byte[32];
        one[31] = 1;
        using var key = BlsSecretKey.FromBytes(one);
        Assert.Equal("0x97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb", key.PublicKey.ToString());
        Assert.Equal("BlsSecretKey(redacted)", key.ToString());
    }

    [Fact]
    public void Disposed_key_is_zeroed_and_unusable()
    {
        var key = BlsSecretKey.Generate();
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.ToBytes());
        Assert.Throws<ObjectDisposedException>(() => key.Sign(Message));
    }

    [Fact]
    public void Constant_time_multiplication_agrees_with_double_and_add()
    {
        for (int i = 0; i < 4; i++)
        {
            var k = Fr.Random();
            Assert.True(G1.MulSecret(G1.Generator, k).Equals(G1.Generator.MulPublic(k)));
            Assert.True(G2.MulSecret(G2.Generator, k).Equals(G2.Generator.MulPublic(k)));
        }
        Assert.True(G2.MulSecret(G2.Generator, Fr.Zero).IsIdentity);
        Assert.True(G1.MulSecret(G1.Generator, Fr.One).Equals(G1.Generator));
        Assert.True(G1.MulSecret(G1.Generator, -Fr.One).Equals(G1.Generator.Negate()));
        // Any point, not only the generator, and the scalars at the ends of the signed digits.
        var p = G1.Generator.MulPublic(Fr.Random());
        foreach (var k in new[] { Fr.Zero, Fr.One, -Fr.One, Fr.Random(), Fr.Random(), Fr.Random() })
            Assert.True(G1.MulSecret(p, k).Equals(p.MulPublic(k)));
    }

    [Theory]
    [InlineData("ac45a4010001a4020000000100000000")]
    [InlineData("ac45a4010001a40200000000ffffffff")]
    [InlineData("ac45a4010001a4020000000100000001")]
    [InlineData("0100000000000000000000000000000000")]
    [InlineData("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000")]
    [InlineData("ffffffffffffffffffffffffffffffff")]
    public void Constant_time_multiplication_handles_scalars_around_the_z_squared_split(string hex)
    {
        var bytes = Convert.FromHexString(hex.PadLeft(64, '0'));
        Assert.True(Fr.TryFromBytes(bytes, out var k));
        Assert.True(G1.MulSecret(G1.Generator, k).Equals(G1.Generator.MulPublic(k)));
        Assert.True(G2.MulSecret(G2.Generator, k).Equals(G2.Generator.MulPublic(k)));
    }

    [Fact]
    public void Verification_returns_false_and_never_throws_on_bad_input()
    {
        using var key = BlsSecretKey.Generate();
        var sig = key.Sign(Message);
        Assert.True(BlsScheme.Verify(key.PublicKey, Message, sig));
        Assert.False(BlsScheme.Verify(default, Message, sig));
        Assert.False(BlsScheme.Verify(key.PublicKey, Message, default));
        Assert.False(BlsScheme.Verify(InfinityPk, Message, InfinitySig));
        Assert.False(BlsScheme.KeyValidate(default));
        Assert.False(BlsScheme.KeyValidate(InfinityPk));
        Assert.True(BlsScheme.KeyValidate(key.PublicKey));
        Assert.False(BlsScheme.SignatureValidate(default));
        Assert.True(BlsScheme.SignatureValidate(InfinitySig));
        Assert.False(BlsScheme.FastAggregateVerify([], Message, sig));
        Assert.False(BlsScheme.FastAggregateVerify([default], Message, sig));
        Assert.False(BlsScheme.FastAggregateVerify(null!, Message, sig));
        Assert.False(BlsScheme.AggregateVerify([key.PublicKey], [], sig));
        Assert.False(BlsScheme.AggregateVerify([key.PublicKey], [null!], sig));
        Assert.False(BlsScheme.AggregateVerify(null!, null!, sig));
        Assert.False(BlsScheme.BatchVerify([]));
        Assert.False(BlsScheme.BatchVerify([new SignatureSet(key.PublicKey, null!, sig)]));
        Assert.False(BlsScheme.BatchVerify([new SignatureSet(default, Message, sig)]));
        Assert.False(BlsScheme.BatchVerify(null!));
    }

    [Fact]
    public void Aggregation_rejects_empty_lists_and_invalid_points()
    {
        using var key = BlsSecretKey.Generate();
        Assert.Throws<ArgumentException>(() => BlsScheme.Aggregate([]));
        Assert.Throws<ArgumentException>(() => BlsScheme.Aggregate([key.Sign(Message), default]));
        Assert.Throws<ArgumentException>(() => BlsScheme.AggregatePublicKeys([]));
        Assert.Throws<ArgumentException>(() => BlsScheme.AggregatePublicKeys([key.PublicKey, InfinityPk]));
        Assert.Throws<ArgumentException>(() => BlsScheme.AggregatePublicKeys([default]));
    }

    [Fact]
    public void Aggregate_verify_and_batch_verify_accept_good_sets_and_reject_a_swapped_one()
    {
        var keys = Enumerable.Range(0, 4).Select(_ => BlsSecretKey.Generate()).ToList();
        var msgs = keys.Select((_, i) => Encoding.ASCII.GetBytes($"message {i}")).ToList();
        var sigs = keys.Select((k, i) => k.Sign(msgs[i])).ToList();
        var pks = keys.Select(k => k.PublicKey).ToList();
        Assert.True(BlsScheme.AggregateVerify(pks, msgs, BlsScheme.Aggregate(sigs)));
        Assert.True(BlsScheme.BatchVerify(pks.Select((p, i) => new SignatureSet(p, msgs[i], sigs[i])).ToList()));
        (sigs[0], sigs[1]) = (sigs[1], sigs[0]);
        Assert.False(BlsScheme.BatchVerify(pks.Select((p, i) => new SignatureSet(p, msgs[i], sigs[i])).ToList()));
        Assert.True(BlsScheme.AggregateVerify(pks, msgs, BlsScheme.Aggregate(sigs)));
        keys.ForEach(k => k.Dispose());
    }

    [Fact]
    public void Encodings_round_trip_compressed_and_uncompressed()
    {
        using var key = BlsSecretKey.Generate();
        Assert.True(G1.TryDecode(key.PublicKey.Span, out var p));
        Assert.True(G1.TryDecode(G1.Uncompressed(p), out var p2));
        Assert.True(p.Equals(p2));
        Assert.Equal(key.PublicKey.ToArray(), G1.Compress(p2));
        var sig = key.Sign(Message);
        Assert.True(G2.TryDecode(sig.Span, out var q));
        Assert.True(G2.TryDecode(G2.Uncompressed(q), out var q2));
        Assert.Equal(sig.ToArray(), G2.Compress(q2));
        Assert.True(G1.TryDecode(G1.Uncompressed(Point<Fp>.Identity), out var id1) && id1.IsIdentity);
        Assert.True(G2.TryDecode(G2.Uncompressed(Point<Fp2>.Identity), out var id2) && id2.IsIdentity);
        // Uncompressed inputs with the sort flag, and a compressed flag on a 96-byte G1 input, are malformed.
        var withSort = G1.Uncompressed(p);
        withSort[0] |= 0x20;
        Assert.False(G1.TryDecode(withSort, out _));
        var withC = G1.Uncompressed(p);
        withC[0] |= 0x80;
        Assert.False(G1.TryDecode(withC, out _));
        var offCurve = G1.Uncompressed(p);
        offCurve[95] ^= 1;
        Assert.False(G1.TryDecode(offCurve, out _));
    }
}
