using System.Numerics;

namespace DvtBus.Bls;

/// <summary>Fp2 = Fp[u] / (u^2 + 1).</summary>
internal readonly struct Fp2 : IField<Fp2>
{
    internal readonly Fp C0, C1;

    internal Fp2(Fp c0, Fp c1)
    {
        C0 = c0;
        C1 = c1;
    }

    public static Fp2 Zero => default;
    public static Fp2 One { get; } = new(Fp.One, Fp.Zero);
    public static Fp2 CurveB { get; } = new(Fp.FromUInt64(4), Fp.FromUInt64(4));
    private static readonly Fp InvTwo = Fp.FromUInt64(2).Invert();

    public bool IsZero => C0.IsZero & C1.IsZero;

    public static Fp2 operator +(in Fp2 a, in Fp2 b) => new(a.C0 + b.C0, a.C1 + b.C1);
    public static Fp2 operator -(in Fp2 a, in Fp2 b) => new(a.C0 - b.C0, a.C1 - b.C1);
    public static Fp2 operator -(in Fp2 a) => new(-a.C0, -a.C1);

    /// <summary>
    /// Karatsuba with one Montgomery reduction per coefficient: three 12-limb products (180 64 x 64 products
    /// with the two reductions, against 216 for three reduced products). Bounds, for a0, a1, b0, b1 &lt; p:
    /// a0 b0, a1 b1 &lt; p^2; the unreduced sums are below 2p, so the cross product is below 4p^2 &lt; 2^768.
    /// c1 = cross - a0 b0 - a1 b1 = a0 b1 + a1 b0 is in [0, 2p^2), and c0 = a0 b0 - a1 b1 is in (-p^2, p^2),
    /// lifted by p 2^384 when negative; both are then below p 2^384 (2p &lt; 2^384), which is what the
    /// reduction needs to give a value below 2p and, after one conditional subtraction, the canonical one.
    /// </summary>
    public static Fp2 operator *(in Fp2 a, in Fp2 b)
    {
        var aa = Fp.MulWide(a.C0, b.C0);
        var bb = Fp.MulWide(a.C1, b.C1);
        var cross = Fp.MulWide(Fp.AddUnreduced(a.C0, a.C1), Fp.AddUnreduced(b.C0, b.C1));
        return new Fp2(Fp.RedcDifference(aa, bb), Fp.Redc(Fp.SubWide(cross, Fp.AddWide(aa, bb))));
    }

    public static Fp2 operator *(in Fp2 a, in Fp b) => new(a.C0 * b, a.C1 * b);

    public Fp2 Square()
    {
        // (a + bu)^2 = (a + b)(a - b) + 2ab u
        var ab = C0 * C1;
        return new Fp2(Fp.AddUnreduced(C0, C1) * (C0 - C1), ab + ab);
    }

    public Fp2 Double() => this + this;

    /// <summary>3b x = 12 (1 + u) x by additions.</summary>
    public static Fp2 MulByB3(Fp2 x)
    {
        var t = x.MulByXi();
        var t4 = t.Double().Double();
        return t4.Double() + t4;
    }

    /// <summary>Multiplication by the sextic non-residue xi = 1 + u.</summary>
    internal Fp2 MulByXi() => new(C0 - C1, C0 + C1);

    internal Fp2 Conjugate() => new(C0, -C1);

    /// <summary>The norm c0^2 + c1^2 in Fp: this element times its conjugate.</summary>
    internal Fp Norm => C0.Square() + C1.Square();

    public Fp2 Invert() => ConjugateTimes(Norm.Invert());

    public Fp2 InvertPublic() => ConjugateTimes(Norm.InvertPublic());

    /// <summary>The conjugate scaled by the inverse of the norm, which is the inverse.</summary>
    private Fp2 ConjugateTimes(Fp inverseNorm) => new(C0 * inverseNorm, -(C1 * inverseNorm));

    public static Fp2 Select(Fp2 a, Fp2 b, ulong mask) => new(Fp.Select(a.C0, b.C0, mask), Fp.Select(a.C1, b.C1, mask));

    public static bool operator ==(Fp2 a, Fp2 b) => (a.C0 == b.C0) & (a.C1 == b.C1);
    public static bool operator !=(Fp2 a, Fp2 b) => !(a == b);
    public override bool Equals(object? obj) => obj is Fp2 other && this == other;
    public override int GetHashCode() => HashCode.Combine(C0, C1);

    /// <summary>
    /// Square root through the norm (p = 3 mod 4, Adj and Rodriguez-Henriquez, eprint 2012/685, section 3):
    /// with n = sqrt(c0^2 + c1^2) in Fp, x0 = sqrt((c0 + n) / 2) and x1 = c1 / (2 x0). Only used on
    /// public values (hashing, decompression).
    /// </summary>
    internal bool TrySqrt(out Fp2 root)
    {
        root = Zero;
        if (C1.IsZero)
        {
            if (C0.TrySqrt(out var s))
            {
                root = new Fp2(s, Fp.Zero);
                return true;
            }
            if ((-C0).TrySqrt(out s))
            {
                root = new Fp2(Fp.Zero, s);
                return true;
            }
            return false;
        }
        return TryNormRoot(out var n) && TrySqrtGivenNormRoot(n, out root);
    }

    /// <summary>
    /// n = N^((p+1)/4) for the norm N = c0^2 + c1^2; true when n^2 = N, which holds exactly when this
    /// element is a square in Fp2. When it is not, n^2 = -N.
    /// </summary>
    internal bool TryNormRoot(out Fp n)
    {
        var norm = Norm;
        norm.TrySqrt(out n);
        return n.Square() == norm;
    }

    /// <summary>
    /// The root from n with n^2 = c0^2 + c1^2 (either sign), in one Fp exponentiation: s = d^((p-3)/4) for
    /// d = (c0 + n) / 2. If d is a square, d s is its root and s the root's inverse, so x = d s + (c1 s / 2) u.
    /// If not, -d is the square (-1 is not a square in Fp) and (d s)^2 = -d: that is the other choice of
    /// n, where x1 = d s and x0 = c1 / (2 x1) = -c1 s / 2.
    /// </summary>
    internal bool TrySqrtGivenNormRoot(Fp n, out Fp2 root)
    {
        var d = (C0 + n) * InvTwo;
        if (d.IsZero) d = (C0 - n) * InvTwo;
        bool dIsSquare = d.TrySqrtAndInverse(out var r, out var s);
        var half = C1 * s * InvTwo;
        root = dIsSquare ? new Fp2(r, half) : new Fp2(-half, r);
        return root.Square() == this;
    }

    /// <summary>RFC 9380 sgn0 for m = 2.</summary>
    internal ulong Sgn0
    {
        get
        {
            ulong sign0 = C0.Parity;
            ulong zero0 = C0.IsZero ? 1UL : 0UL;
            return sign0 | (zero0 & C1.Parity);
        }
    }

    /// <summary>ZCash ordering: compare the imaginary part, and the real part only when it is zero.</summary>
    internal bool IsLexicographicallyLargest => C1.IsZero ? C0.IsLexicographicallyLargest : C1.IsLexicographicallyLargest;

    /// <summary>For one-off constant derivation only.</summary>
    internal Fp2 Pow(BigInteger exponent)
    {
        Fp2 r = One;
        for (long i = (long)exponent.GetBitLength() - 1; i >= 0; i--)
        {
            r = r.Square();
            if (!((exponent >> (int)i) & 1).IsZero) r *= this;
        }
        return r;
    }

    internal static Fp2 FromHex(string c0, string c1) => new(Fp.FromHex(c0), Fp.FromHex(c1));

    /// <summary>A uniformly random non-zero element, for blinding: both coefficients uniform, only (0, 0) drawn again.</summary>
    public static Fp2 RandomNonZero()
    {
        while (true)
            if (new Fp2(Fp.Random(), Fp.Random()) is { IsZero: false } r) return r;
    }

    public override string ToString() => $"({C0}, {C1})";
}
