namespace DvtBus.Bls;

/// <summary>Fp12 = Fp6[w] / (w^2 - v), the target group's field.</summary>
internal readonly struct Fp12
{
    internal readonly Fp6 C0, C1;

    internal Fp12(Fp6 c0, Fp6 c1)
    {
        C0 = c0;
        C1 = c1;
    }

    internal static Fp12 One { get; } = new(Fp6.One, Fp6.Zero);

    public static Fp12 operator *(in Fp12 a, in Fp12 b)
    {
        var aa = a.C0 * b.C0;
        var bb = a.C1 * b.C1;
        var c1 = (a.C0 + a.C1) * (b.C0 + b.C1) - aa - bb;
        return new Fp12(aa + bb.MulByV(), c1);
    }

    internal Fp12 Square()
    {
        var ab = C0 * C1;
        var c0 = (C0 + C1) * (C0 + C1.MulByV()) - ab - ab.MulByV();
        return new Fp12(c0, ab + ab);
    }

    /// <summary>Multiplication by a line value c0 + c1 v + c4 v w (the only non-zero slots of a Miller-loop line).</summary>
    internal Fp12 MulBy014(in Fp2 c0, in Fp2 c1, in Fp2 c4)
    {
        var aa = C0.MulBy01(c0, c1);
        var bb = C1.MulBy1(c4);
        var o = c1 + c4;
        var t = (C1 + C0).MulBy01(c0, o) - aa - bb;
        return new Fp12(bb.MulByV() + aa, t);
    }

    /// <summary>
    /// Multiplication by the product of two line values a0 + a1 v + a4 v w and b0 + b1 v + b4 v w. Their
    /// product X + Y w has X = a0 b0 + a4 b4 xi + (a0 b1 + a1 b0) v + a1 b1 v^2 and Y = (a0 b4 + a4 b0) v +
    /// (a1 b4 + a4 b1) v^2, six Fp2 products by Karatsuba; then Y's zero constant slot saves one more.
    /// </summary>
    internal Fp12 MulByLines(in Fp2 a0, in Fp2 a1, in Fp2 a4, in Fp2 b0, in Fp2 b1, in Fp2 b4)
    {
        var a0b0 = a0 * b0;
        var a1b1 = a1 * b1;
        var a4b4 = a4 * b4;
        var x = new Fp6(a4b4.MulByXi() + a0b0, (a0 + a1) * (b0 + b1) - a0b0 - a1b1, a1b1);
        var y1 = (a0 + a4) * (b0 + b4) - a0b0 - a4b4;
        var y2 = (a1 + a4) * (b1 + b4) - a1b1 - a4b4;
        // (C0 + C1 w)(X + Y w) = (C0 X + C1 Y v) + ((C0 + C1)(X + Y) - C0 X - C1 Y) w
        var aa = C0 * x;
        var bb = C1.MulBy12(y1, y2);
        var c1 = (C0 + C1) * new Fp6(x.C0, x.C1 + y1, x.C2 + y2) - aa - bb;
        return new Fp12(aa + bb.MulByV(), c1);
    }

    internal Fp12 Conjugate() => new(C0, -C1);

    /// <summary>The inverse; with publicValue the Fp inversion inside is the fast variable-time one.</summary>
    internal Fp12 Invert(bool publicValue = false)
    {
        var inv = (C0.Square() - C1.Square().MulByV()).Invert(publicValue);
        return new Fp12(C0 * inv, -(C1 * inv));
    }

    internal Fp12 Frobenius()
    {
        var c1 = C1.Frobenius();
        var w = Frob.W1;
        return new Fp12(C0.Frobenius(), new Fp6(c1.C0 * w, c1.C1 * w, c1.C2 * w));
    }

    internal bool IsOne => this == One;

    public static bool operator ==(in Fp12 a, in Fp12 b) => (a.C0 == b.C0) & (a.C1 == b.C1);
    public static bool operator !=(in Fp12 a, in Fp12 b) => !(a == b);
    public override bool Equals(object? obj) => obj is Fp12 other && this == other;
    public override int GetHashCode() => HashCode.Combine(C0, C1);
}
