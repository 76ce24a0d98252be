namespace DvtBus.Bls;

/// <summary>Fp6 = Fp2[v] / (v^3 - xi), xi = 1 + u.</summary>
internal readonly struct Fp6
{
    internal readonly Fp2 C0, C1, C2;

    internal Fp6(Fp2 c0, Fp2 c1, Fp2 c2)
    {
        C0 = c0;
        C1 = c1;
        C2 = c2;
    }

    internal static Fp6 Zero => default;
    internal static Fp6 One { get; } = new(Fp2.One, Fp2.Zero, Fp2.Zero);

    internal bool IsZero => C0.IsZero & C1.IsZero & C2.IsZero;

    public static Fp6 operator +(in Fp6 a, in Fp6 b) => new(a.C0 + b.C0, a.C1 + b.C1, a.C2 + b.C2);
    public static Fp6 operator -(in Fp6 a, in Fp6 b) => new(a.C0 - b.C0, a.C1 - b.C1, a.C2 - b.C2);
    public static Fp6 operator -(in Fp6 a) => new(-a.C0, -a.C1, -a.C2);

    public static Fp6 operator *(in Fp6 a, in Fp6 b)
    {
        var aa = a.C0 * b.C0;
        var bb = a.C1 * b.C1;
        var cc = a.C2 * b.C2;
        var c0 = ((a.C1 + a.C2) * (b.C1 + b.C2) - bb - cc).MulByXi() + aa;
        var c1 = (a.C0 + a.C1) * (b.C0 + b.C1) - aa - bb + cc.MulByXi();
        var c2 = (a.C0 + a.C2) * (b.C0 + b.C2) - aa - cc + bb;
        return new Fp6(c0, c1, c2);
    }

    internal Fp6 Square() => this * this;

    /// <summary>Multiplication by v.</summary>
    internal Fp6 MulByV() => new(C2.MulByXi(), C0, C1);

    /// <summary>Multiplication by b0 + b1 v (a sparse line coefficient).</summary>
    internal Fp6 MulBy01(in Fp2 b0, in Fp2 b1)
    {
        var aa = C0 * b0;
        var bb = C1 * b1;
        var c0 = (C2 * b1).MulByXi() + aa;
        var c1 = (b0 + b1) * (C0 + C1) - aa - bb;
        var c2 = C2 * b0 + bb;
        return new Fp6(c0, c1, c2);
    }

    /// <summary>Multiplication by b1 v + b2 v^2 (the Karatsuba product with b0 = 0: five Fp2 products).</summary>
    internal Fp6 MulBy12(in Fp2 b1, in Fp2 b2)
    {
        var bb = C1 * b1;
        var cc = C2 * b2;
        var c0 = ((C1 + C2) * (b1 + b2) - bb - cc).MulByXi();
        var c1 = (C0 + C1) * b1 - bb + cc.MulByXi();
        var c2 = (C0 + C2) * b2 - cc + bb;
        return new Fp6(c0, c1, c2);
    }

    /// <summary>Multiplication by b1 v.</summary>
    internal Fp6 MulBy1(in Fp2 b1) => new((C2 * b1).MulByXi(), C0 * b1, C1 * b1);

    /// <summary>The inverse; with publicValue the Fp inversion inside is the fast variable-time one.</summary>
    internal Fp6 Invert(bool publicValue = false)
    {
        var t0 = C0.Square() - (C1 * C2).MulByXi();
        var t1 = C2.Square().MulByXi() - C0 * C1;
        var t2 = C1.Square() - C0 * C2;
        var norm = C0 * t0 + (C2 * t1 + C1 * t2).MulByXi();
        var inv = publicValue ? norm.InvertPublic() : norm.Invert();
        return new Fp6(t0 * inv, t1 * inv, t2 * inv);
    }

    internal Fp6 Frobenius() => new(
        C0.Conjugate(), C1.Conjugate() * Frob.V1, C2.Conjugate() * Frob.V2);

    public static bool operator ==(in Fp6 a, in Fp6 b) => (a.C0 == b.C0) & (a.C1 == b.C1) & (a.C2 == b.C2);
    public static bool operator !=(in Fp6 a, in Fp6 b) => !(a == b);
    public override bool Equals(object? obj) => obj is Fp6 other && this == other;
    public override int GetHashCode() => HashCode.Combine(C0, C1, C2);
}

/// <summary>Frobenius coefficients, derived once from xi = 1 + u.</summary>
internal static class Frob
{
    private static readonly Fp2 Xi = new(Fp.One, Fp.One);
    /// <summary>xi^((p-1)/3): v^p = V1 v.</summary>
    internal static readonly Fp2 V1 = Xi.Pow((Fp.Modulus - 1) / 3);
    /// <summary>xi^(2(p-1)/3): (v^2)^p = V2 v^2.</summary>
    internal static readonly Fp2 V2 = Xi.Pow(2 * (Fp.Modulus - 1) / 3);
    /// <summary>xi^((p-1)/6): w^p = W1 w.</summary>
    internal static readonly Fp2 W1 = Xi.Pow((Fp.Modulus - 1) / 6);
}
