using System.Numerics;
using Xunit;

namespace DvtBus.Bls.Tests;

/// <summary>Each speed trick in src/Bls against the plain computation it replaces.</summary>
public class FastPathTests
{
    private static readonly Random Rng = new(11);

    private static Fp RandomFp()
    {
        var b = new byte[64];
        Rng.NextBytes(b);
        return Fp.FromWideBytes(b);
    }

    private static Fp2 RandomFp2() => new(RandomFp(), RandomFp());

    private static Point<Fp2> RandomG2() => G2.Generator.MulPublic(Fr.Random());

    [Fact]
    public void Sliding_window_power_matches_big_integer_power()
    {
        for (int i = 0; i < 20; i++)
        {
            var a = RandomFp();
            var e = new BigInteger(Rng.NextInt64()) * new BigInteger(Rng.NextInt64()) * Fp.Modulus + Rng.Next();
            var expected = BigInteger.ModPow(a.ToBigInteger(), e, Fp.Modulus);
            Assert.Equal(expected, a.Pow(Fp.Limbs(e)).ToBigInteger());
        }
        var c = RandomFp();
        Assert.Equal(Fp.One, c * c.Invert());
        Assert.Equal(Fp.Zero, Fp.Zero.Invert());
    }

    [Fact]
    public void Fp2_square_root_from_the_norm_root_covers_both_halves_and_rejects_non_squares()
    {
        int squares = 0, nonSquares = 0;
        for (int i = 0; i < 60; i++)
        {
            var a = RandomFp2();
            Assert.True(a.Square().TrySqrt(out var root));
            Assert.True(root == a || root == -a);
            // The norm root's sign decides which half d = (c0 + n) / 2 lands in; both must work.
            Assert.True(a.Square().TryNormRoot(out var n));
            Assert.True(a.Square().TrySqrtGivenNormRoot(-n, out root) && (root == a || root == -a));
            var b = RandomFp2();
            bool isSquare = b.TrySqrt(out var r);
            Assert.Equal(isSquare, b.TryNormRoot(out _));
            if (isSquare)
            {
                squares++;
                Assert.Equal(b, r.Square());
            }
            else nonSquares++;
        }
        Assert.True(squares > 10 && nonSquares > 10);
        Assert.True(new Fp2(Fp.Zero, Fp.Zero).TrySqrt(out var zero) && zero.IsZero);
    }

    [Fact]
    public void Jacobian_public_multiplication_matches_complete_double_and_add()
    {
        for (int i = 0; i < 10; i++)
        {
            var p = RandomG2() + G2.Generator;
            ulong k = (ulong)Rng.NextInt64() | 1;
            Assert.True(p.MulPublic(k).Equals(p.MulPublic([k])));
        }
        var q = G2.Generator;
        Assert.True(q.MulPublic(1).Equals(q));
        Assert.True(q.MulPublic(2).Equals(q.Double()));
        Assert.True(q.MulPublic(0).IsIdentity);
        Assert.True(Point<Fp2>.Identity.MulPublic(5).IsIdentity);
        Assert.True(G1.Generator.MulPublic(G1.AbsZ).Equals(G1.Generator.MulPublic([G1.AbsZ])));
    }
}

public class GlsDecompositionTests
{
    private static readonly BigInteger AbsZ = G1.AbsZ;

    private static BigInteger Big(ulong lo, ulong hi) => ((BigInteger)hi << 64) | lo;

    [Theory]
    [InlineData("00")]
    [InlineData("01")]
    [InlineData("d201000000010000")]
    [InlineData("d200ffffffffffff")]
    [InlineData("ac45a4010001a4020000000100000000")]
    [InlineData("ac45a4010001a40200000000ffffffff")]
    [InlineData("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000")]
    [InlineData("random")]
    public void Four_digits_recompose_to_the_scalar_and_each_fits_in_64_bits(string hex)
    {
        for (int round = 0; round < (hex == "random" ? 50 : 1); round++)
        {
            Fr k;
            if (hex == "random") k = Fr.Random();
            else Assert.True(Fr.TryFromBytes(Convert.FromHexString(hex.PadLeft(64, '0')), out k));
            var c = k.ToCanonical();
            var expected = Big(c.L0, c.L1) | (Big(c.L2, c.L3) << 128);
            var halves = new ulong[4];
            Point<Fp2>.SplitByZSquared(c, halves);
            ulong a1 = Point<Fp2>.DivRemAbsZ(halves[0], halves[1], out ulong a0);
            ulong b1 = Point<Fp2>.DivRemAbsZ(halves[2], halves[3], out ulong b0);
            Assert.Equal(Big(halves[0], halves[1]), a0 + a1 * AbsZ);
            Assert.Equal(Big(halves[2], halves[3]), b0 + b1 * AbsZ);
            Assert.True(a0 < G1.AbsZ && b0 < G1.AbsZ);
            // z is negative: k = (a0 - a1 z) + (b0 - b1 z) z^2.
            var z = -AbsZ;
            Assert.Equal(expected, a0 - a1 * z + (b0 - b1 * z) * z * z);
            var p = G2.Generator.MulPublic(Fr.Random());
            Assert.True(G2.MulSecret(p, k).Equals(p.MulPublic(k)));
        }
    }
}

public class MultiScalarTests
{
    /// <summary>The signed 5-bit digits recompose to the scalar, stay in [-15, 16], and the top one never carries out.</summary>
    [Fact]
    public void Signed_window_digits_recompose_every_scalar()
    {
        var rng = new Random(5);
        var cases = new List<ulong[]>
        {
            new ulong[] { 0 }, new ulong[] { ulong.MaxValue }, new ulong[] { 0x8421084210842108 }, new ulong[] { 0x7bdef7bdef7bdef7 },
            new ulong[] { 0, 0 }, new ulong[] { ulong.MaxValue, ulong.MaxValue }, new ulong[] { 0x1111111111111111, 0xffffffffffffffff },
        };
        for (int i = 0; i < 200; i++) cases.Add([(ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40), (ulong)rng.NextInt64() * 3]);
        for (int i = 0; i < 200; i++) cases.Add([(ulong)rng.NextInt64() * 5]);
        foreach (var k in cases)
        {
            int windows = Point<Fp>.SignedWindows(k.Length);
            var magnitudes = new ulong[windows];
            var negative = new ulong[windows];
            Point<Fp>.Recode(k, magnitudes, negative);
            BigInteger sum = 0, expected = 0;
            for (int w = windows - 1; w >= 0; w--)
            {
                Assert.True(magnitudes[w] <= 16 && (negative[w] == 0 || negative[w] == ulong.MaxValue));
                Assert.False(negative[w] != 0 && magnitudes[w] == 16, "only +16 is a digit");
                sum = sum * 32 + (negative[w] != 0 ? -(BigInteger)magnitudes[w] : magnitudes[w]);
            }
            for (int l = k.Length - 1; l >= 0; l--) expected = (expected << 64) + k[l];
            Assert.Equal(expected, sum);
        }
    }

    /// <summary>One run of doublings for many products gives the sum of the products one by one.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Sum_of_products_with_shared_doublings_is_the_sum_of_each_product(int count)
    {
        for (int round = 0; round < 3; round++)
        {
            var points = Enumerable.Range(0, count).Select(_ => G2.Generator.MulPublic(Fr.Random())).ToArray();
            var scalars = Enumerable.Range(0, count).Select(_ => Fr.Random()).ToArray();
            var expected = Point<Fp2>.Identity;
            for (int i = 0; i < count; i++) expected += points[i].MulPublic(scalars[i]);
            Assert.True(G2.MulSecretSum(points, scalars).Equals(expected));
        }
    }

    [Fact]
    public void Identities_zero_scalars_and_cancelling_products_are_summed_like_any_other()
    {
        var p = G2.Generator.MulPublic(Fr.Random());
        var k = Fr.Random();
        Assert.True(G2.MulSecretSum([p, Point<Fp2>.Identity, G2.Generator], [k, Fr.Random(), Fr.Zero]).Equals(p.MulPublic(k)));
        Assert.True(G2.MulSecretSum([p, p], [k, -k]).IsIdentity);
        Assert.True(G2.MulSecretSum([], []).IsIdentity);
        Assert.Throws<ArgumentException>(() => G2.MulSecretSum([p], []));
    }
}

public class PublicInversionTests
{
    [Fact]
    public void Binary_euclid_inverse_matches_fermat()
    {
        var rng = new Random(5);
        var b = new byte[64];
        for (int i = 0; i < 200; i++)
        {
            rng.NextBytes(b);
            var a = Fp.FromWideBytes(b);
            Assert.Equal(a.Invert(), a.InvertPublic());
        }
        foreach (var a in new[] { Fp.One, -Fp.One, Fp.FromUInt64(2), new Fp(1, 0, 0, 0, 0, 0), new Fp(2, 0, 0, 0, 0, 0) })
            Assert.Equal(a.Invert(), a.InvertPublic());
        Assert.Equal(Fp.Zero, Fp.Zero.InvertPublic());
        var c = new Fp2(Fp.FromUInt64(3), Fp.FromUInt64(7));
        Assert.Equal(Fp2.One, c * c.InvertPublic());
        var f = Pairing.MillerLoop([G1.Generator], [G2.Generator]);
        Assert.Equal(f.Invert(), f.Invert(publicValue: true));
    }

}

public class CurveShortcutTests
{
    private static readonly Random Rng = new(13);

    private static Point<Fp2> RandomG2() => G2.Generator.MulPublic(Fr.Random());

    [Fact]
    public void Psi_squared_by_norms_is_psi_applied_twice()
    {
        for (int i = 0; i < 20; i++)
        {
            var p = RandomG2();
            // Projective, with a Z other than one, and the identity.
            var q = i % 2 == 0 ? p : p + G2.Generator;
            Assert.True(G2.Psi2(q).Equals(G2.Psi(G2.Psi(q))));
            Assert.Equal(G2.Psi(G2.Psi(q)).Z, G2.Psi2(q).Z);
        }
        Assert.True(G2.Psi2(Point<Fp2>.Identity).IsIdentity);
        // The y factor PsiY conj(PsiY) is exactly -1, so Psi2 may negate instead of multiplying.
        var y = G2.Psi(G2.Psi(G2.Generator));
        Assert.Equal(-G2.Generator.Y, y.Y);
    }

    [Fact]
    public void Blinded_affine_conversion_matches_the_plain_inverse()
    {
        for (int i = 0; i < 20; i++)
        {
            var p = RandomG2() + G2.Generator;
            Assert.NotEqual(Fp2.One, p.Z);
            Assert.True(p.TryToAffine(out var x, out var y));
            var inverse = p.Z.Invert();
            Assert.Equal(p.X * inverse, x);
            Assert.Equal(p.Y * inverse, y);
            var g = G1.Generator.MulPublic(Fr.Random()) + G1.Generator;
            Assert.True(g.TryToAffine(out var gx, out var gy));
            Assert.Equal(g.X * g.Z.Invert(), gx);
            Assert.Equal(g.Y * g.Z.Invert(), gy);
        }
        Assert.False(Point<Fp2>.Identity.TryToAffine(out _, out _));
        // Blinding values are non-zero and not repeated.
        var seen = new HashSet<Fp2>();
        for (int i = 0; i < 100; i++)
        {
            var r = Fp2.RandomNonZero();
            Assert.False(r.IsZero);
            Assert.True(seen.Add(r));
        }
    }

    [Fact]
    public void Swu_maps_sharing_one_inversion_agree_with_separate_maps_and_the_exceptional_u_maps_onto_the_curve()
    {
        var zero = HashToCurve.MapToG2(Fp2.Zero);
        Assert.True(zero.IsOnCurve());
        Assert.False(zero.IsIdentity);
        // The shared inversion with one exceptional u on either side, and on both.
        var other = new Fp2(Fp.FromUInt64(7), Fp.FromUInt64(11));
        Assert.True(HashToCurve.MapToG2Pair(Fp2.Zero, other).Equals(zero + HashToCurve.MapToG2(other)));
        Assert.True(HashToCurve.MapToG2Pair(other, Fp2.Zero).Equals(HashToCurve.MapToG2(other) + zero));
        Assert.True(HashToCurve.MapToG2Pair(Fp2.Zero, Fp2.Zero).Equals(zero + zero));
        for (int i = 0; i < 10; i++)
        {
            var msg = new byte[16];
            Rng.NextBytes(msg);
            var uniform = HashToCurve.ExpandMessageXmd(msg, HashToCurve.PopDst, 256);
            var u0 = new Fp2(Fp.FromWideBytes(uniform.AsSpan(0, 64)), Fp.FromWideBytes(uniform.AsSpan(64, 64)));
            var u1 = new Fp2(Fp.FromWideBytes(uniform.AsSpan(128, 64)), Fp.FromWideBytes(uniform.AsSpan(192, 64)));
            var separate = G2.ClearCofactor(HashToCurve.MapToG2(u0) + HashToCurve.MapToG2(u1));
            Assert.True(HashToCurve.HashToG2(msg, HashToCurve.PopDst).Equals(separate));
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Miller_loop_taking_lines_two_at_a_time_is_the_product_of_the_single_loops(int pairs)
    {
        var ps = new Point<Fp>[pairs];
        var qs = new Point<Fp2>[pairs];
        var expected = Fp12.One;
        for (int i = 0; i < pairs; i++)
        {
            ps[i] = G1.Generator.MulPublic(Fr.Random());
            qs[i] = RandomG2();
            expected *= Pairing.MillerLoop([ps[i]], [qs[i]]);
        }
        Assert.True(Pairing.MillerLoop(ps, qs) == expected);
        // A pair with an identity is skipped, whatever its position among the pairs taken two at a time.
        ps[0] = Point<Fp>.Identity;
        expected = Fp12.One;
        for (int i = 1; i < pairs; i++) expected *= Pairing.MillerLoop([ps[i]], [qs[i]]);
        Assert.True(Pairing.MillerLoop(ps, qs) == expected);
    }

    [Fact]
    public void One_inversion_for_many_values_gives_each_inverse_and_leaves_zeros()
    {
        var values = new Fp2[9];
        for (int i = 0; i < values.Length; i++)
            values[i] = i % 4 == 1 ? Fp2.Zero : i == 6 ? Fp2.One : new Fp2(Fp.FromUInt64((ulong)(i * 7 + 3)), Fp.FromUInt64((ulong)(i * i + 1)));
        var inverses = values.ToArray();
        Pairing.InvertAllPublic<Fp2>(inverses);
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(values[i].IsZero ? Fp2.Zero : values[i].Invert(), inverses[i]);
        var single = new[] { Fp.FromUInt64(5) };
        Pairing.InvertAllPublic<Fp>(single);
        Assert.Equal(Fp.FromUInt64(5).Invert(), single[0]);
        Pairing.InvertAllPublic<Fp>(Span<Fp>.Empty);
        // Only ones and zeros (affine points, identities): nothing to invert, nothing changed.
        var trivial = new[] { Fp.One, Fp.Zero, Fp.One };
        Pairing.InvertAllPublic<Fp>(trivial);
        Assert.Equal([Fp.One, Fp.Zero, Fp.One], trivial);
    }
}
