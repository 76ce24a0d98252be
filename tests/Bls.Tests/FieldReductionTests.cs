using System.Numerics;
using Xunit;

namespace DvtBus.Bls.Tests;

/// <summary>
/// The dedicated Montgomery squaring and the lazily reduced Fp2 arithmetic against the plain product and
/// against BigInteger, on the raw limbs (Montgomery semantics: square(a) = a^2 R^-1 mod p, R = 2^384) as
/// well as on the field values.
/// </summary>
public class FieldReductionTests
{
    private static readonly Random Rng = new(23);
    private static readonly BigInteger P = Fp.Modulus;
    private static readonly BigInteger R = BigInteger.One << 384;
    private static readonly BigInteger RInverse = BigInteger.ModPow(R, P - 2, P);

    private static Fp RandomFp()
    {
        var b = new byte[64];
        Rng.NextBytes(b);
        return Fp.FromWideBytes(b);
    }

    /// <summary>Uniform raw limbs below the bound, for inputs that are not outputs of the field operations.</summary>
    private static BigInteger RandomBelow(BigInteger bound)
    {
        var b = new byte[49];
        while (true)
        {
            Rng.NextBytes(b);
            b[48] = 0;
            b[47] &= 0x3f;
            var v = new BigInteger(b, isUnsigned: true);
            if (v < bound) return v;
        }
    }

    private static BigInteger Raw(Fp a) =>
        a.L0 + ((BigInteger)a.L1 << 64) + ((BigInteger)a.L2 << 128) + ((BigInteger)a.L3 << 192)
        + ((BigInteger)a.L4 << 256) + ((BigInteger)a.L5 << 320);

    private static Fp FromRaw(BigInteger v)
    {
        Assert.True(v.Sign >= 0 && v < R);
        var l = new ulong[6];
        for (int i = 0; i < 6; i++) l[i] = (ulong)((v >> (64 * i)) & ulong.MaxValue);
        return new Fp(l[0], l[1], l[2], l[3], l[4], l[5]);
    }

    /// <summary>What a Montgomery product of these raw limbs must return: the canonical x y R^-1 mod p.</summary>
    private static BigInteger MontgomeryProduct(BigInteger x, BigInteger y) => x * y % P * RInverse % P;

    /// <summary>Raw values below p that stress the carries: 0, 1, p - 1, all-ones limbs, 2^k - 1.</summary>
    private static IEnumerable<BigInteger> EdgeValuesBelowP()
    {
        yield return BigInteger.Zero;
        yield return BigInteger.One;
        yield return 2;
        yield return P - 1;
        yield return P - 2;
        yield return (P - 1) / 2;
        yield return (P + 1) / 2;
        yield return Raw(Fp.One);
        yield return Raw(-Fp.One);
        // Limbs 0 to 4 all ones, the top limb just below p's.
        yield return (((P >> 320) - 1) << 320) + (BigInteger.One << 320) - 1;
        for (int k = 1; k <= 380; k += 13) yield return (BigInteger.One << k) - 1;
        yield return (BigInteger.One << 380) - 1;
        // One full limb (or its top bit) at each position; the top limb only goes as high as p's.
        for (int limb = 0; limb < 5; limb++) yield return ulong.MaxValue * BigInteger.Pow(2, 64 * limb);
        for (int limb = 0; limb < 5; limb++) yield return BigInteger.One << (64 * limb + 63);
        yield return ((P >> 320) - 1) << 320;
        yield return BigInteger.One << 380;
    }

    [Fact]
    public void Square_matches_the_product_and_big_integers_on_random_values()
    {
        for (int i = 0; i < 5000; i++)
        {
            var a = RandomFp();
            var s = a.Square();
            Assert.Equal(a * a, s);
            var x = a.ToBigInteger();
            Assert.Equal(x * x % P, s.ToBigInteger());
            Assert.Equal(MontgomeryProduct(Raw(a), Raw(a)), Raw(s));
        }
    }

    [Fact]
    public void Square_matches_the_product_on_edge_values()
    {
        int count = 0;
        foreach (var v in EdgeValuesBelowP())
        {
            Assert.True(v < P);
            var a = FromRaw(v);
            var s = a.Square();
            Assert.Equal(MontgomeryProduct(v, v), Raw(s));
            Assert.Equal(a * a, s);
            count++;
        }
        Assert.True(count > 40);
        Assert.Equal(Fp.Zero, Fp.Zero.Square());
        Assert.Equal(Fp.One, Fp.One.Square());
        Assert.Equal(Fp.One, (-Fp.One).Square());
        Assert.Equal(Fp.FromUInt64(4), Fp.FromUInt64(2).Square());
    }

    [Fact]
    public void Square_accepts_unreduced_inputs_below_2p()
    {
        // Raw values in [p, 2p), which Fp.AddUnreduced produces, and the extremes of that range.
        var values = new List<BigInteger> { P, P + 1, 2 * P - 2, 2 * P - 1 };
        for (int i = 0; i < 2000; i++) values.Add(P + RandomBelow(P));
        foreach (var v in values)
        {
            var a = FromRaw(v);
            var s = a.Square();
            Assert.Equal(MontgomeryProduct(v, v), Raw(s));
            Assert.True(Raw(s) < P);
            Assert.Equal(a * a, s);
        }
        for (int i = 0; i < 1000; i++)
        {
            Fp a = RandomFp(), b = RandomFp();
            Assert.Equal((a + b).Square(), Fp.AddUnreduced(a, b).Square());
        }
        var max = Fp.AddUnreduced(-Fp.One, -Fp.One);
        Assert.Equal(Fp.FromUInt64(4), max.Square());
    }
    private static Fp2 RandomFp2() => new(RandomFp(), RandomFp());

    /// <summary>The schoolbook product (a0 b0 - a1 b1) + (a0 b1 + a1 b0) u, each Fp product reduced on its own.</summary>
    private static Fp2 Schoolbook(Fp2 a, Fp2 b) => new(a.C0 * b.C0 - a.C1 * b.C1, a.C0 * b.C1 + a.C1 * b.C0);

    /// <summary>The Fp2 product of the field values, by BigInteger, as (c0, c1).</summary>
    private static (BigInteger, BigInteger) BigProduct(Fp2 a, Fp2 b)
    {
        BigInteger a0 = a.C0.ToBigInteger(), a1 = a.C1.ToBigInteger(), b0 = b.C0.ToBigInteger(), b1 = b.C1.ToBigInteger();
        return (((a0 * b0 - a1 * b1) % P + P) % P, (a0 * b1 + a1 * b0) % P);
    }

    private static void AssertProduct(Fp2 a, Fp2 b)
    {
        var c = a * b;
        Assert.Equal(Schoolbook(a, b), c);
        var (c0, c1) = BigProduct(a, b);
        Assert.Equal(c0, c.C0.ToBigInteger());
        Assert.Equal(c1, c.C1.ToBigInteger());
        // Canonical limbs: the same value below p as the reduced Fp products give, and Montgomery semantics.
        Assert.True(Raw(c.C0) < P && Raw(c.C1) < P);
        BigInteger x0 = Raw(a.C0), x1 = Raw(a.C1), y0 = Raw(b.C0), y1 = Raw(b.C1);
        Assert.Equal(((x0 * y0 - x1 * y1) % P + P) * RInverse % P, Raw(c.C0));
        Assert.Equal((x0 * y1 + x1 * y0) * RInverse % P, Raw(c.C1));
    }

    /// <summary>0, 1, -1, u, -u, 1 + u, and p - 1 / all-ones-limb values in either coefficient.</summary>
    private static List<Fp2> EdgeFp2()
    {
        var coefficients = new List<Fp> { Fp.Zero, Fp.One, -Fp.One, FromRaw(P - 1), FromRaw(BigInteger.One) };
        foreach (var v in EdgeValuesBelowP().Where((_, i) => i % 4 == 0)) coefficients.Add(FromRaw(v));
        var list = new List<Fp2>();
        foreach (var x in coefficients)
            foreach (var y in coefficients)
                list.Add(new Fp2(x, y));
        return list;
    }

    [Fact]
    public void Fp2_product_matches_the_schoolbook_product_and_big_integers_on_random_values()
    {
        for (int i = 0; i < 3000; i++) AssertProduct(RandomFp2(), RandomFp2());
        // Repeated products feed outputs back in, as the tower does.
        var acc = RandomFp2();
        var m = RandomFp2();
        var expected = acc;
        for (int i = 0; i < 500; i++)
        {
            acc *= m;
            expected = Schoolbook(expected, m);
        }
        Assert.Equal(expected, acc);
    }

    [Fact]
    public void Fp2_product_matches_the_schoolbook_product_on_edge_values()
    {
        var edges = EdgeFp2();
        Assert.True(edges.Count > 100);
        foreach (var a in edges)
            foreach (var b in edges)
                AssertProduct(a, b);
        var u = new Fp2(Fp.Zero, Fp.One);
        var minusOne = -Fp2.One;
        Assert.Equal(minusOne, u * u);
        Assert.Equal(Fp2.One, minusOne * minusOne);
        Assert.Equal(Fp2.Zero, Fp2.Zero * RandomFp2());
        var r = RandomFp2();
        Assert.Equal(r, r * Fp2.One);
        Assert.Equal(-r, r * minusOne);
        Assert.Equal(new Fp2(-r.C1, r.C0), r * u);
        // The most negative c0 (a0 b0 = 0, a1 b1 as large as it gets) and the largest cross term.
        var top = FromRaw(P - 1);
        AssertProduct(new Fp2(Fp.Zero, top), new Fp2(Fp.Zero, top));
        AssertProduct(new Fp2(top, top), new Fp2(top, top));
        AssertProduct(new Fp2(FromRaw(P - 1), Fp.Zero), new Fp2(Fp.Zero, FromRaw(P - 1)));
    }

    [Fact]
    public void Wide_reduction_covers_its_whole_input_range()
    {
        // Redc must take any T below p 2^384, and RedcDifference any pair below it, including T = p 2^384 - 1.
        var limit = P * R;
        var values = new List<BigInteger> { BigInteger.Zero, BigInteger.One, limit - 1, limit - R, R - 1, R, (P - 1) * (P - 1), 4 * (P - 1) * (P - 1) };
        for (int i = 0; i < 2000; i++) values.Add(RandomBelow(P) * R + RandomBelow(R));
        foreach (var t in values)
        {
            Assert.True(t < limit);
            Assert.Equal(t * RInverse % P, Raw(Fp.Redc(ToWide(t))));
        }
        for (int i = 0; i + 1 < values.Count; i += 2)
        {
            BigInteger x = values[i], y = values[i + 1];
            Assert.Equal(((x - y) % P + P) * RInverse % P, Raw(Fp.RedcDifference(ToWide(x), ToWide(y))));
            Assert.Equal(((y - x) % P + P) * RInverse % P, Raw(Fp.RedcDifference(ToWide(y), ToWide(x))));
        }
        for (int i = 0; i < 1000; i++)
        {
            var a = FromRaw(RandomBelow(2 * P));
            var b = FromRaw(RandomBelow(2 * P));
            Assert.Equal(Raw(a) * Raw(b), FromWide(Fp.MulWide(a, b)));
        }
        var max = FromRaw(R - 1);
        Assert.Equal((R - 1) * (R - 1), FromWide(Fp.MulWide(max, max)));
    }

    private static Fp.Wide ToWide(BigInteger v)
    {
        var l = new ulong[12];
        for (int i = 0; i < 12; i++) l[i] = (ulong)((v >> (64 * i)) & ulong.MaxValue);
        return new Fp.Wide(l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7], l[8], l[9], l[10], l[11]);
    }

    private static BigInteger FromWide(Fp.Wide w)
    {
        ulong[] l = [w.W0, w.W1, w.W2, w.W3, w.W4, w.W5, w.W6, w.W7, w.W8, w.W9, w.W10, w.W11];
        BigInteger v = 0;
        for (int i = 11; i >= 0; i--) v = (v << 64) + l[i];
        return v;
    }
}
