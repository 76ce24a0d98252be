namespace DvtBus.Bls;

/// <summary>
/// A point of y^2 = x^3 + b in homogeneous projective coordinates (X : Y : Z), identity (0 : 1 : 0).
/// Uses the complete a = 0 formulas of Renes, Costello and Batina (eprint 2015/1060, algorithms 7 and 9):
/// no exceptional cases, so the same code path serves the identity, doubling and secret scalars.
/// </summary>
internal readonly struct Point<F> where F : unmanaged, IField<F>
{
    internal readonly F X, Y, Z;

    internal Point(F x, F y, F z)
    {
        X = x;
        Y = y;
        Z = z;
    }

    internal static Point<F> Identity => new(F.Zero, F.One, F.Zero);

    internal static Point<F> FromAffine(F x, F y) => new(x, y, F.One);

    internal bool IsIdentity => Z.IsZero;

    internal Point<F> Negate() => new(X, -Y, Z);

    public static Point<F> operator +(in Point<F> p, in Point<F> q)
    {
        F t0 = p.X * q.X, t1 = p.Y * q.Y, t2 = p.Z * q.Z;
        F t3 = (p.X + p.Y) * (q.X + q.Y);
        F t4 = t0 + t1;
        t3 -= t4;
        t4 = (p.Y + p.Z) * (q.Y + q.Z);
        F x3 = t1 + t2;
        t4 -= x3;
        x3 = (p.X + p.Z) * (q.X + q.Z);
        F y3 = t0 + t2;
        y3 = x3 - y3;
        x3 = t0 + t0;
        t0 = x3 + t0;
        t2 = F.MulByB3(t2);
        F z3 = t1 + t2;
        t1 -= t2;
        y3 = F.MulByB3(y3);
        x3 = t4 * y3;
        t2 = t3 * t1;
        x3 = t2 - x3;
        y3 *= t0;
        t1 *= z3;
        y3 = t1 + y3;
        t0 *= t3;
        z3 *= t4;
        z3 += t0;
        return new Point<F>(x3, y3, z3);
    }

    public static Point<F> operator -(in Point<F> p, in Point<F> q) => p + q.Negate();

    internal Point<F> Double()
    {
        F t0 = Y.Square();
        F z3 = t0 + t0;
        z3 += z3;
        z3 += z3;
        F t1 = Y * Z;
        F t2 = Z.Square();
        t2 = F.MulByB3(t2);
        F x3 = t2 * z3;
        F y3 = t0 + t2;
        z3 = t1 * z3;
        t1 = t2 + t2;
        t2 = t1 + t2;
        t0 -= t2;
        y3 = t0 * y3;
        y3 = x3 + y3;
        t1 = X * Y;
        x3 = t0 * t1;
        x3 += x3;
        return new Point<F>(x3, y3, z3);
    }

    internal static Point<F> Select(Point<F> a, Point<F> b, ulong mask) =>
        new(F.Select(a.X, b.X, mask), F.Select(a.Y, b.Y, mask), F.Select(a.Z, b.Z, mask));

    /// <summary>Projective equality: X1 Z2 = X2 Z1 and Y1 Z2 = Y2 Z1 (identities are equal only to each other).</summary>
    internal bool Equals(Point<F> q)
    {
        if (IsIdentity || q.IsIdentity) return IsIdentity && q.IsIdentity;
        return (X * q.Z == q.X * Z) && (Y * q.Z == q.Y * Z);
    }

    /// <summary>Y^2 Z = X^3 + b Z^3 (the identity satisfies it).</summary>
    internal bool IsOnCurve()
    {
        var z2 = Z.Square();
        return Y.Square() * Z == X.Square() * X + F.CurveB * z2 * Z;
    }

    internal bool TryToAffine(out F x, out F y) => TryToAffine(out x, out y, publicValue: false);

    /// <summary>Affine coordinates through the fast variable-time inversion: for public points only.</summary>
    internal bool TryToAffinePublic(out F x, out F y) => TryToAffine(out x, out y, publicValue: true);

    private bool TryToAffine(out F x, out F y, bool publicValue)
    {
        if (IsIdentity)
        {
            x = F.Zero;
            y = F.Zero;
            return false;
        }
        if (Z == F.One)
        {
            x = X;
            y = Y;
            return true;
        }
        // A secret-dependent Z is blinded: r Z is uniform whatever Z is, so the variable-time inversion of it
        // tells nothing about Z, and 1 / Z = r / (r Z). Several times cheaper than the Fermat inversion.
        F inv;
        if (publicValue) inv = Z.InvertPublic();
        else
        {
            var r = F.RandomNonZero();
            inv = (Z * r).InvertPublic() * r;
        }
        x = X * inv;
        y = Y * inv;
        return true;
    }

    /// <summary>
    /// Double-and-add for public scalars only (batch weights, cofactor clearing, subgroup checks), in
    /// Jacobian coordinates: a doubling there costs 2M + 5S against 6M + 2S for the complete projective
    /// formula, and doublings are almost all of the work. The exceptional cases of the Jacobian addition
    /// are handled by branches, which is fine because the scalar and the point are public.
    /// </summary>
    internal Point<F> MulPublic(ulong k)
    {
        if (k == 0 || IsIdentity) return Identity;
        // (X : Y : Z) homogeneous is (X Z, Y Z^2, Z) Jacobian: both mean (X / Z, Y / Z).
        var z2 = Z.Square();
        var bx = X * Z;
        var by = Y * z2;
        var bz = Z;
        F x = bx, y = by, z = bz;
        for (int i = 62 - System.Numerics.BitOperations.LeadingZeroCount(k); i >= 0; i--)
        {
            JacobianDouble(ref x, ref y, ref z);
            if (((k >> i) & 1) != 0) JacobianAdd(ref x, ref y, ref z, bx, by, bz);
        }
        if (z.IsZero) return Identity;
        // Jacobian (x, y, z) means (x / z^2, y / z^3) = (x z : y : z^3) homogeneous.
        return new Point<F>(x * z, y, z.Square() * z);
    }

    /// <summary>dbl-2009-l (Explicit-Formulas Database, a = 0): 2M + 5S; the identity (z = 0) stays the identity.</summary>
    private static void JacobianDouble(ref F x, ref F y, ref F z)
    {
        var a = x.Square();
        var b = y.Square();
        var c = b.Square();
        var d = (x + b).Square() - a - c;
        d += d;
        var e = a + a + a;
        var f = e.Square();
        var z3 = y * z;
        z = z3 + z3;
        x = f - d - d;
        var c8 = c + c;
        c8 += c8;
        c8 += c8;
        y = e * (d - x) - c8;
    }

    /// <summary>add-2007-bl (Explicit-Formulas Database): 11M + 5S, with the identity and P = +-Q handled apart.</summary>
    private static void JacobianAdd(ref F x1, ref F y1, ref F z1, F x2, F y2, F z2)
    {
        if (z1.IsZero)
        {
            x1 = x2;
            y1 = y2;
            z1 = z2;
            return;
        }
        var z1z1 = z1.Square();
        var z2z2 = z2.Square();
        var u1 = x1 * z2z2;
        var u2 = x2 * z1z1;
        var s1 = y1 * z2 * z2z2;
        var s2 = y2 * z1 * z1z1;
        var h = u2 - u1;
        var r = s2 - s1;
        if (h.IsZero)
        {
            if (r.IsZero) JacobianDouble(ref x1, ref y1, ref z1);
            else
            {
                x1 = F.One;
                y1 = F.One;
                z1 = F.Zero;
            }
            return;
        }
        r += r;
        var i = (h + h).Square();
        var j = h * i;
        var v = u1 * i;
        var x3 = r.Square() - j - v - v;
        var s1j = s1 * j;
        y1 = r * (v - x3) - s1j - s1j;
        z1 = ((z1 + z2).Square() - z1z1 - z2z2) * h;
        x1 = x3;
    }

    /// <summary>Double-and-add over little-endian limbs, for public scalars only (the plain reference for tests).</summary>
    internal Point<F> MulPublic(ReadOnlySpan<ulong> limbs)
    {
        var acc = Identity;
        for (int i = limbs.Length * 64 - 1; i >= 0; i--)
        {
            acc = acc.Double();
            if (((limbs[i / 64] >> (i % 64)) & 1) != 0) acc += this;
        }
        return acc;
    }

    internal Point<F> MulPublic(Fr scalar)
    {
        var c = scalar.ToCanonical();
        return MulPublic([c.L0, c.L1, c.L2, c.L3]);
    }

    /// <summary>The entries of one table for <see cref="SumOfMultiples"/>: [0] B .. [16] B.</summary>
    internal const int TableSize = 17;

    /// <summary>table[i] = [i] p for i = 0 .. table.Length - 1: doublings for the even entries, as they cost less.</summary>
    internal static void FillMultiples(Span<Point<F>> table, Point<F> p)
    {
        table[0] = Identity;
        if (table.Length > 1) table[1] = p;
        for (int i = 2; i < table.Length; i++) table[i] = (i & 1) == 0 ? table[i / 2].Double() : table[i - 1] + p;
    }

    /// <summary>
    /// Constant time: the sum of [k_j] B_j for tables[17 j .. 17 j + 16] = [0 .. 16] B_j (see
    /// <see cref="FillMultiples"/>), with k_j the <paramref name="limbsEach"/> little-endian limbs at
    /// scalars[j limbsEach ..]. Each k_j is recoded into signed 5-bit digits in [-15, 16] (one more window
    /// than the bits need, for the last carry), and all of them walk the same windows under one run of
    /// doublings. Every step reads all 17 entries of each table and keeps one with masks, then negates it with
    /// a mask; the formulas are complete, so neither the identity nor a doubling needs a branch.
    /// </summary>
    internal static Point<F> SumOfMultiples(ReadOnlySpan<Point<F>> tables, ReadOnlySpan<ulong> scalars, int limbsEach)
    {
        int count = tables.Length / TableSize;
        int windows = SignedWindows(limbsEach);
        int cells = count * windows;
        Span<ulong> magnitudes = cells <= 256 ? stackalloc ulong[cells] : new ulong[cells];
        Span<ulong> negative = cells <= 256 ? stackalloc ulong[cells] : new ulong[cells];
        try
        {
            for (int j = 0; j < count; j++)
                Recode(scalars.Slice(j * limbsEach, limbsEach), magnitudes.Slice(j * windows, windows), negative.Slice(j * windows, windows));
            var acc = Identity;
            for (int w = windows - 1; w >= 0; w--)
            {
                if (w != windows - 1) acc = acc.Double().Double().Double().Double().Double();
                for (int j = 0; j < count; j++)
                {
                    var pick = Pick(tables.Slice(TableSize * j, TableSize), magnitudes[j * windows + w]);
                    acc += new Point<F>(pick.X, F.Select(pick.Y, -pick.Y, negative[j * windows + w]), pick.Z);
                }
            }
            return acc;
        }
        finally
        {
            magnitudes.Clear();
            negative.Clear();
        }
    }

    /// <summary>How many signed 5-bit digits <see cref="Recode"/> writes for a scalar of that many limbs: one past the bits, for the last carry.</summary>
    internal static int SignedWindows(int limbsEach) => 64 * limbsEach / 5 + 1;

    /// <summary>
    /// k = sum of d_w 2^(5 w) with d_w in [-15, 16], written as |d_w| and an all-ones mask where d_w &lt; 0.
    /// Window positions are public; the digits are computed with arithmetic only (no branch on k).
    /// </summary>
    internal static void Recode(ReadOnlySpan<ulong> k, Span<ulong> magnitudes, Span<ulong> negative)
    {
        ulong carry = 0;
        for (int w = 0; w < magnitudes.Length; w++)
        {
            ulong d = Bits5(k, 5 * w) + carry;
            carry = (16 - d) >> 63; // 1 when d > 16
            ulong digit = d - (carry << 5); // d or d - 32, as two's complement
            ulong mask = 0UL - (digit >> 63);
            magnitudes[w] = (digit ^ mask) - mask;
            negative[w] = mask;
        }
    }

    private static ulong Bits5(ReadOnlySpan<ulong> k, int start)
    {
        int limb = start / 64, shift = start % 64;
        if (limb >= k.Length) return 0;
        ulong v = k[limb] >> shift;
        if (shift > 59 && limb + 1 < k.Length) v |= k[limb + 1] << (64 - shift);
        return v & 31;
    }

    /// <summary>table[index] read in constant time: every entry is read and all but one masked away.</summary>
    private static Point<F> Pick(ReadOnlySpan<Point<F>> table, ulong index)
    {
        var pick = Identity;
        for (ulong j = 0; j < (ulong)table.Length; j++)
        {
            ulong d = j ^ index;
            ulong mask = ((d | (0UL - d)) >> 63) - 1;
            pick = Select(pick, table[(int)j], mask);
        }
        return pick;
    }

    // z^2 = 0xac45a4010001a402_0000000100000000
    private const ulong ZSquared0 = 0x0000000100000000, ZSquared1 = 0xac45a4010001a402;

    /// <summary>
    /// k = k0 + k1 z^2 by restoring binary long division with a fixed number of steps and masked
    /// subtraction (no branch on k). Writes k0 to limbs 0-1 and k1 to limbs 2-3; both fit in 128 bits as k &lt; r.
    /// </summary>
    internal static void SplitByZSquared(Fr canonical, Span<ulong> output)
    {
        ReadOnlySpan<ulong> k = [canonical.L0, canonical.L1, canonical.L2, canonical.L3];
        ulong r0 = 0, r1 = 0, r2 = 0, q0 = 0, q1 = 0;
        for (int i = 255; i >= 0; i--)
        {
            ulong bit = (k[i / 64] >> (i % 64)) & 1;
            r2 = (r2 << 1) | (r1 >> 63);
            r1 = (r1 << 1) | (r0 >> 63);
            r0 = (r0 << 1) | bit;
            ulong b = 0;
            ulong s0 = Fp.SubB(r0, ZSquared0, ref b), s1 = Fp.SubB(r1, ZSquared1, ref b), s2 = Fp.SubB(r2, 0, ref b);
            ulong take = b - 1; // all ones when R >= z^2
            r0 = (r0 & ~take) | (s0 & take);
            r1 = (r1 & ~take) | (s1 & take);
            r2 = (r2 & ~take) | (s2 & take);
            // Quotient bits at 128 and above are zero for k < r.
            ulong qbit = take & 1;
            q0 |= i < 64 ? qbit << i : 0;
            q1 |= i >= 64 && i < 128 ? qbit << (i - 64) : 0;
        }
        output[0] = r0;
        output[1] = r1;
        output[2] = q0;
        output[3] = q1;
    }

    /// <summary>
    /// (hi:lo) = q |z| + rem by restoring long division in 128 fixed steps with masked subtraction (no
    /// branch on the value). The quotient must fit in 64 bits, as it does for any input below z^2.
    /// </summary>
    internal static ulong DivRemAbsZ(ulong lo, ulong hi, out ulong rem)
    {
        const ulong d = G1.AbsZ;
        ulong r = 0, q = 0;
        for (int i = 127; i >= 0; i--)
        {
            ulong bit = i >= 64 ? (hi >> (i - 64)) & 1 : (lo >> i) & 1;
            ulong top = r >> 63;
            r = (r << 1) | bit;
            ulong borrow = 0;
            ulong diff = Fp.SubB(r, d, ref borrow);
            ulong take = top | (borrow ^ 1);
            ulong mask = 0UL - take;
            r = (r & ~mask) | (diff & mask);
            q = (q << 1) | take;
        }
        rem = r;
        return q;
    }
}
