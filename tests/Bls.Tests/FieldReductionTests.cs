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
}
