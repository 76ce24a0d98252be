using System.Numerics;
using Xunit;

namespace DvtBus.Bls.Tests;

public class FieldAndPairingTests
{
    private static readonly Random Rng = new(7);

    private static Fp RandomFp()
    {
        var b = new byte[64];
        Rng.NextBytes(b);
        return Fp.FromWideBytes(b);
    }

    [Fact]
    public void Fp_arithmetic_agrees_with_big_integers()
    {
        var p = Fp.Modulus;
        for (int i = 0; i < 200; i++)
        {
            Fp a = RandomFp(), b = RandomFp();
            BigInteger x = a.ToBigInteger(), y = b.ToBigInteger();
            Assert.Equal((x * y) % p, (a * b).ToBigInteger());
            Assert.Equal((x + y) % p, (a + b).ToBigInteger());
            Assert.Equal(((x - y) % p + p) % p, (a - b).ToBigInteger());
        }
        var c = RandomFp();
        Assert.Equal(Fp.One, c * c.Invert());
        Assert.True(c.Square().TrySqrt(out var root) && (root == c || root == -c));
    }

    [Fact]
    public void Fr_arithmetic_agrees_with_big_integers()
    {
        var r = Fr.Modulus;
        for (int i = 0; i < 100; i++)
        {
            Fr a = Fr.Random(), b = Fr.Random();
            BigInteger x = ToBig(a), y = ToBig(b);
            Assert.Equal((x * y) % r, ToBig(a * b));
            Assert.Equal((x + y) % r, ToBig(a + b));
            Assert.Equal(((x - y) % r + r) % r, ToBig(a - b));
            Assert.Equal(Fr.One, a * a.Invert());
        }
    }

    private static BigInteger ToBig(Fr v)
    {
        var b = new byte[32];
        v.WriteBytes(b);
        return new BigInteger(b, isUnsigned: true, isBigEndian: true);
    }

    [Fact]
    public void Pairing_is_bilinear_and_non_degenerate()
    {
        Fr a = Fr.Random(), b = Fr.Random();
        var e = Pairing.MultiPairing([G1.Generator], [G2.Generator]);
        Assert.False(e.IsOne);
        var eab = Pairing.MultiPairing([G1.Generator.MulPublic(a)], [G2.Generator.MulPublic(b)]);
        var eabSwapped = Pairing.MultiPairing([G1.Generator.MulPublic(a * b)], [G2.Generator]);
        Assert.Equal(eabSwapped, eab);
        Assert.True(Pairing.ProductIsOne([G1.Generator.MulPublic(a), G1.Generator.Negate()], [G2.Generator, G2.Generator.MulPublic(a)]));
    }

    [Fact]
    public void Final_exponentiation_is_a_fixed_power_of_the_textbook_one()
    {
        var f = Pairing.MillerLoop([G1.Generator], [G2.Generator]);
        var fast = Pairing.FinalExponentiation(f);
        var p = Fp.Modulus;
        var exponent = (BigInteger.Pow(p, 12) - 1) / Fr.Modulus;
        var slow = Pow(f, exponent);
        // The z-chain computes the cube of the textbook exponentiation (3 is coprime to r, so checks against 1 are unaffected).
        Assert.True(fast == slow * slow * slow, "final exponentiation disagrees with f^(3 (p^12-1)/r)");
        Assert.True(Pow(fast, Fr.Modulus).IsOne);
    }

    [Fact]
    public void Cyclotomic_squaring_matches_plain_squaring_after_the_easy_part()
    {
        var f = Pairing.MillerLoop([G1.Generator], [G2.Generator]);
        var easy = f.Conjugate() * f.Invert();
        easy = easy.Frobenius().Frobenius() * easy;
        Assert.Equal(easy.Square(), Pairing.CyclotomicSquare(easy));
    }

    [Fact]
    public void Compressed_squaring_exponentiation_by_z_matches_square_and_multiply()
    {
        var z = new BigInteger(G1.AbsZ);
        var ps = new[] { G1.Generator, G1.Generator.Double(), G1.Generator.MulPublic(Fr.Random()) };
        var qs = new[] { G2.Generator, G2.Generator.MulPublic(Fr.Random()), G2.Generator.Double() };
        for (int i = 0; i < ps.Length; i++)
        {
            var easy = EasyPart(Pairing.MillerLoop([ps[i]], [qs[i]]));
            var compressed = Pairing.CyclotomicExpByZ(easy);
            Assert.Equal(Pairing.CyclotomicExpByZSquareAndMultiply(easy), compressed);
            // z is negative: f^z is the conjugate (the inverse, in the cyclotomic subgroup) of f^|z|.
            Assert.Equal(Pow(easy, z).Conjugate(), compressed);
        }
        // The identity has g2 = 0 in every square, which compression cannot invert: the square-and-multiply
        // path answers (a pairing product whose pairs are all skipped ends here).
        Assert.True(Pairing.CyclotomicExpByZ(Fp12.One).IsOne);
    }

    private static Fp12 EasyPart(Fp12 f)
    {
        var easy = f.Conjugate() * f.Invert();
        return easy.Frobenius().Frobenius() * easy;
    }

    private static Fp12 Pow(Fp12 f, BigInteger e)
    {
        var r = Fp12.One;
        for (long i = (long)e.GetBitLength() - 1; i >= 0; i--)
        {
            r = r.Square();
            if (!((e >> (int)i) & 1).IsZero) r *= f;
        }
        return r;
    }

    [Fact]
    public void Subgroup_checks_accept_generators_and_reject_points_outside()
    {
        Assert.True(G1.IsInSubgroup(G1.Generator));
        Assert.True(G2.IsInSubgroup(G2.Generator));
        // Points on the curves but (with overwhelming probability) outside the order-r subgroups.
        Assert.False(G1.IsInSubgroup(PointOnE1()));
        Assert.False(G2.IsInSubgroup(PointOnE2()));
        Assert.True(G1.IsInSubgroup(PointOnE1().MulPublic(G1.AbsZ + 1)));
        Assert.True(G2.IsInSubgroup(G2.ClearCofactor(PointOnE2())));
    }

    private static Point<Fp> PointOnE1()
    {
        for (ulong x = 1; ; x++)
        {
            var fx = Fp.FromUInt64(x);
            if ((fx.Square() * fx + Fp.CurveB).TrySqrt(out var y)) return Point<Fp>.FromAffine(fx, y);
        }
    }

    private static Point<Fp2> PointOnE2()
    {
        for (ulong x = 1; ; x++)
        {
            var fx = new Fp2(Fp.FromUInt64(x), Fp.One);
            if ((fx.Square() * fx + Fp2.CurveB).TrySqrt(out var y)) return Point<Fp2>.FromAffine(fx, y);
        }
    }
}
