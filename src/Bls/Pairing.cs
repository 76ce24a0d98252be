namespace DvtBus.Bls;

/// <summary>
/// The optimal ate pairing on BLS12-381. Several pairs share one Miller loop accumulator and one final
/// exponentiation, so checking e(P1, Q1) ... e(Pn, Qn) = 1 costs n line evaluations but a single
/// exponentiation. Inputs are public.
/// </summary>
internal static class Pairing
{
    private struct Pair
    {
        internal Fp Px, Py;
        internal Fp2 Qx, Qy;
        internal Fp2 Rx, Ry, Rz;
    }

    /// <summary>The product of e(P_i, Q_i), with pairs containing an identity skipped (they contribute 1).</summary>
    internal static Fp12 MultiPairing(ReadOnlySpan<Point<Fp>> ps, ReadOnlySpan<Point<Fp2>> qs) =>
        FinalExponentiation(MillerLoop(ps, qs));

    internal static bool ProductIsOne(ReadOnlySpan<Point<Fp>> ps, ReadOnlySpan<Point<Fp2>> qs) =>
        MultiPairing(ps, qs).IsOne;

    internal static Fp12 MillerLoop(ReadOnlySpan<Point<Fp>> ps, ReadOnlySpan<Point<Fp2>> qs)
    {
        if (ps.Length != qs.Length) throw new ArgumentException("pairing needs as many G1 as G2 points");
        Span<Pair> pairs = ps.Length <= 16 ? stackalloc Pair[ps.Length] : new Pair[ps.Length];
        // Affine coordinates for all the points with one inversion in Fp and one in Fp2 (Montgomery's trick).
        Span<Fp> pz = ps.Length <= 16 ? stackalloc Fp[ps.Length] : new Fp[ps.Length];
        Span<Fp2> qz = qs.Length <= 16 ? stackalloc Fp2[qs.Length] : new Fp2[qs.Length];
        for (int i = 0; i < ps.Length; i++)
        {
            pz[i] = ps[i].Z;
            qz[i] = qs[i].Z;
        }
        InvertAllPublic(pz);
        InvertAllPublic(qz);
        int n = 0;
        for (int i = 0; i < ps.Length; i++)
        {
            if (ps[i].IsIdentity || qs[i].IsIdentity) continue;
            var qx = qs[i].X * qz[i];
            var qy = qs[i].Y * qz[i];
            pairs[n++] = new Pair { Px = ps[i].X * pz[i], Py = ps[i].Y * pz[i], Qx = qx, Qy = qy, Rx = qx, Ry = qy, Rz = Fp2.One };
        }
        pairs = pairs[..n];
        var f = Fp12.One;
        // Bits of |z| >> 1 below the leading one; the lowest bit of |z| is handled by the closing doubling.
        const ulong bits = G1.AbsZ >> 1;
        int top = 63 - System.Numerics.BitOperations.LeadingZeroCount(bits);
        for (int b = top - 1; b >= 0; b--)
        {
            f = Steps(pairs, f, addition: false);
            if (((bits >> b) & 1) != 0) f = Steps(pairs, f, addition: true);
            f = f.Square();
        }
        f = Steps(pairs, f, addition: false);
        // z is negative.
        return f.Conjugate();
    }

    /// <summary>
    /// Replaces every value by its inverse with one variable-time inversion; zeros stay zero, and ones (affine
    /// points: decoded keys and signatures) take no part, so that a verify whose G1 points are all affine inverts
    /// nothing in Fp. Public values only.
    /// </summary>
    internal static void InvertAllPublic<F>(Span<F> values) where F : unmanaged, IField<F>
    {
        Span<F> prefix = values.Length <= 16 ? stackalloc F[values.Length] : new F[values.Length];
        var running = F.One;
        bool any = false;
        for (int i = 0; i < values.Length; i++)
        {
            prefix[i] = running;
            if (Skipped(values[i])) continue;
            running *= values[i];
            any = true;
        }
        if (!any) return;
        var inverse = running.InvertPublic();
        for (int i = values.Length - 1; i >= 0; i--)
        {
            if (Skipped(values[i])) continue;
            var value = values[i];
            values[i] = inverse * prefix[i];
            inverse *= value;
        }

        static bool Skipped(in F value) => value.IsZero || value == F.One;
    }

    /// <summary>
    /// One doubling (or addition) step of every pair, their lines multiplied into f. Lines are taken two at a
    /// time: the product of two sparse lines (6 Fp2 products) multiplied into f (17) costs less than two
    /// sparse multiplications (13 each).
    /// </summary>
    private static Fp12 Steps(Span<Pair> pairs, Fp12 f, bool addition)
    {
        int i = 0;
        for (; i + 1 < pairs.Length; i += 2)
        {
            var a = addition ? AdditionStep(ref pairs[i]) : DoublingStep(ref pairs[i]);
            var b = addition ? AdditionStep(ref pairs[i + 1]) : DoublingStep(ref pairs[i + 1]);
            f = f.MulByLines(a.C0, a.C1, a.C4, b.C0, b.C1, b.C4);
        }
        if (i < pairs.Length)
        {
            var a = addition ? AdditionStep(ref pairs[i]) : DoublingStep(ref pairs[i]);
            f = f.MulBy014(a.C0, a.C1, a.C4);
        }
        return f;
    }

    /// <summary>A line value c0 + c1 v + c4 v w: its only non-zero slots.</summary>
    private readonly record struct Line(Fp2 C0, Fp2 C1, Fp2 C4);

    private static Line Ell(in Pair p, in Fp2 c0, in Fp2 c1, in Fp2 c2) => new(c2, c1 * p.Px, c0 * p.Py);

    // Jacobian doubling of R with the tangent line at R, after Costello-Lange-Naehrig (eprint 2010/354, algorithm 26).
    private static Line DoublingStep(ref Pair s)
    {
        var tmp0 = s.Rx.Square();
        var tmp1 = s.Ry.Square();
        var tmp2 = tmp1.Square();
        var tmp3 = (tmp1 + s.Rx).Square() - tmp0 - tmp2;
        tmp3 += tmp3;
        var tmp4 = tmp0 + tmp0 + tmp0;
        var tmp6 = s.Rx + tmp4;
        var tmp5 = tmp4.Square();
        var zsquared = s.Rz.Square();
        s.Rx = tmp5 - tmp3 - tmp3;
        s.Rz = (s.Rz + s.Ry).Square() - tmp1 - zsquared;
        s.Ry = (tmp3 - s.Rx) * tmp4;
        tmp2 = tmp2.Double().Double().Double();
        s.Ry -= tmp2;
        tmp3 = tmp4 * zsquared;
        tmp3 = -tmp3.Double();
        tmp6 = tmp6.Square() - tmp0 - tmp5;
        tmp1 = tmp1.Double().Double();
        tmp6 -= tmp1;
        tmp0 = (s.Rz * zsquared).Double();
        return Ell(s, tmp0, tmp3, tmp6);
    }

    // Mixed Jacobian-affine addition R + Q with the chord line (eprint 2010/354, algorithm 27).
    private static Line AdditionStep(ref Pair s)
    {
        var zsquared = s.Rz.Square();
        var ysquared = s.Qy.Square();
        var t0 = zsquared * s.Qx;
        var t1 = ((s.Qy + s.Rz).Square() - ysquared - zsquared) * zsquared;
        var t2 = t0 - s.Rx;
        var t3 = t2.Square();
        var t4 = t3.Double().Double();
        var t5 = t4 * t2;
        var t6 = t1 - s.Ry - s.Ry;
        var t9 = t6 * s.Qx;
        var t7 = t4 * s.Rx;
        s.Rx = t6.Square() - t5 - t7 - t7;
        s.Rz = (s.Rz + t2).Square() - zsquared - t3;
        var t10 = s.Qy + s.Rz;
        var t8 = (t7 - s.Rx) * t6;
        t0 = (s.Ry * t5).Double();
        s.Ry = t8 - t0;
        t10 = t10.Square() - ysquared;
        var ztsquared = s.Rz.Square();
        t10 -= ztsquared;
        t9 = t9.Double() - t10;
        t10 = s.Rz.Double();
        t6 = -t6;
        t1 = t6.Double();
        return Ell(s, t10, t1, t9);
    }

    private static (Fp2, Fp2) Fp4Square(in Fp2 a, in Fp2 b)
    {
        var t0 = a.Square();
        var t1 = b.Square();
        var c0 = t1.MulByXi() + t0;
        var c1 = (a + b).Square() - t0 - t1;
        return (c0, c1);
    }

    /// <summary>Granger-Scott squaring, valid for elements of the cyclotomic subgroup (after the easy part).</summary>
    internal static Fp12 CyclotomicSquare(in Fp12 f)
    {
        var z0 = f.C0.C0;
        var z1 = f.C1.C1;
        var (t0, t1) = Fp4Square(z0, z1);
        z0 = t0 - z0;
        z0 = z0 + z0 + t0;
        z1 = t1 + z1;
        z1 = z1 + z1 + t1;
        var g = new Compressed(f);
        g.Square();
        return new Fp12(new Fp6(z0, g.G4, g.G3), new Fp6(g.G2, z1, g.G5));
    }

    /// <summary>
    /// The four coefficients g2, g3, g4, g5 that determine an element of the cyclotomic subgroup, in the
    /// basis 1, w, ..., w^5 (g0 + g2 w + g4 w^2 + g1 w^3 + g3 w^4 + g5 w^5, so g2 = C1.C0, g3 = C0.C2,
    /// g4 = C0.C1, g5 = C1.C2). Squaring needs only these four (Karabina, eprint 2010/542): the same
    /// formulas as Granger-Scott's for them, six Fp2 squarings instead of nine.
    /// </summary>
    private struct Compressed
    {
        internal Fp2 G2, G3, G4, G5;

        internal Compressed(in Fp12 f)
        {
            G2 = f.C1.C0;
            G3 = f.C0.C2;
            G4 = f.C0.C1;
            G5 = f.C1.C2;
        }

        internal void Square()
        {
            var (t0, t1) = Fp4Square(G2, G3);
            var (t2, t3) = Fp4Square(G4, G5);
            var g4 = t0 - G4;
            G4 = g4 + g4 + t0;
            var g5 = t1 + G5;
            G5 = g5 + g5 + t1;
            t0 = t3.MulByXi();
            var g2 = t0 + G2;
            G2 = g2 + g2 + t0;
            var g3 = t2 - G3;
            G3 = g3 + g3 + t2;
        }

        /// <summary>
        /// The whole element, given 1 / (4 g2) (g2 must not be zero): g1 = (xi g5^2 + 3 g4^2 - 2 g3) / (4 g2)
        /// and g0 = xi (2 g1^2 + g2 g5 - 3 g3 g4) + 1 (eprint 2010/542, theorem 3.1).
        /// </summary>
        internal readonly Fp12 Decompress(in Fp2 inverseOf4G2)
        {
            var g4Squared = G4.Square();
            var g1 = (G5.Square().MulByXi() + g4Squared + g4Squared + g4Squared - G3 - G3) * inverseOf4G2;
            var g3g4 = G3 * G4;
            var g1Squared = g1.Square();
            var g0 = (g1Squared + g1Squared + G2 * G5 - g3g4 - g3g4 - g3g4).MulByXi() + Fp2.One;
            return new Fp12(new Fp6(g0, G4, G3), new Fp6(G2, g1, G5));
        }
    }

    /// <summary>
    /// f^z for f in the cyclotomic subgroup (z negative, so the conjugate of f^|z|): the product of the
    /// f^(2^i) for the set bits i of |z|, squared in compressed form and decompressed together with one
    /// inversion (Montgomery's trick). Inputs are public, so the inversion is the variable-time one. If one
    /// of those squares has g2 = 0 (the identity does), the plain square-and-multiply takes over.
    /// </summary>
    internal static Fp12 CyclotomicExpByZ(in Fp12 f)
    {
        // One power per set bit of |z|; bit 0 is clear, so every power is a square of f at least once.
        int count = System.Numerics.BitOperations.PopCount(G1.AbsZ);
        Span<Compressed> powers = stackalloc Compressed[count];
        var g = new Compressed(f);
        for (int i = 1, next = 0; i < 64; i++)
        {
            g.Square();
            if (((G1.AbsZ >> i) & 1) != 0) powers[next++] = g;
        }
        // Montgomery's trick: one inversion for the denominators 4 g2.
        Span<Fp2> denominators = stackalloc Fp2[count];
        Span<Fp2> prefix = stackalloc Fp2[count];
        var running = Fp2.One;
        for (int k = 0; k < count; k++)
        {
            denominators[k] = powers[k].G2.Double().Double();
            if (denominators[k].IsZero) return CyclotomicExpByZSquareAndMultiply(f);
            prefix[k] = running;
            running *= denominators[k];
        }
        var inverse = running.InvertPublic();
        var acc = powers[count - 1].Decompress(inverse * prefix[count - 1]);
        for (int k = count - 2; k >= 0; k--)
        {
            inverse *= denominators[k + 1];
            acc *= powers[k].Decompress(inverse * prefix[k]);
        }
        return acc.Conjugate();
    }

    /// <summary>f^z by Granger-Scott squarings and multiplications, for the cases compression cannot take.</summary>
    internal static Fp12 CyclotomicExpByZSquareAndMultiply(in Fp12 f)
    {
        var acc = Fp12.One;
        bool started = false;
        for (int i = 63; i >= 0; i--)
        {
            bool bit = ((G1.AbsZ >> i) & 1) != 0;
            if (started) acc = CyclotomicSquare(acc);
            else started = bit;
            if (bit) acc *= f;
        }
        return acc.Conjugate();
    }

    /// <summary>
    /// f^(3 (p^12 - 1) / r): the easy part (p^6 - 1)(p^2 + 1), then the hard part as the addition chain
    /// in z of Hayashida, Hayasaka and Teruya (eprint 2020/875), which yields the cube; 3 is coprime to r,
    /// so "the product is 1" and equality between results mean the same as with the textbook exponent.
    /// </summary>
    internal static Fp12 FinalExponentiation(in Fp12 f)
    {
        var t0 = f.Conjugate();
        var t1 = f.Invert(publicValue: true);
        var t2 = t0 * t1;
        t1 = t2;
        t2 = t2.Frobenius().Frobenius() * t1;
        t1 = CyclotomicSquare(t2).Conjugate();
        var t3 = CyclotomicExpByZ(t2);
        var t4 = CyclotomicSquare(t3);
        var t5 = t1 * t3;
        t1 = CyclotomicExpByZ(t5);
        t0 = CyclotomicExpByZ(t1);
        var t6 = CyclotomicExpByZ(t0);
        t6 *= t4;
        t4 = CyclotomicExpByZ(t6);
        t5 = t5.Conjugate();
        t4 *= t5 * t2;
        t5 = t2.Conjugate();
        t1 *= t2;
        t1 = t1.Frobenius().Frobenius().Frobenius();
        t6 *= t5;
        t6 = t6.Frobenius();
        t3 *= t0;
        t3 = t3.Frobenius().Frobenius();
        t3 *= t1;
        t3 *= t6;
        return t3 * t4;
    }
}
