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
