namespace DvtBus.Bls;

/// <summary>
/// What the curve code needs from the field it runs over, so that one set of complete point
/// formulas serves both G1 (over Fp) and G2 (over Fp2).
/// </summary>
internal interface IField<T> where T : unmanaged, IField<T>
{
    static abstract T Zero { get; }
    static abstract T One { get; }
    static abstract T operator +(in T a, in T b);
    static abstract T operator -(in T a, in T b);
    static abstract T operator -(in T a);
    static abstract T operator *(in T a, in T b);
    static abstract bool operator ==(T a, T b);
    static abstract bool operator !=(T a, T b);
    /// <summary>a where the mask is zero, b where it is all ones; no branch on the mask.</summary>
    static abstract T Select(T a, T b, ulong mask);
    /// <summary>b of the BLS12-381 curve over this field: 4 for E(Fp), 4(1 + u) for the twist E'(Fp2).</summary>
    static abstract T CurveB { get; }
    /// <summary>Multiplication by 3b, as the complete formulas use it (additions only: b is small).</summary>
    static abstract T MulByB3(T x);
    T Square();
    T Invert();
    /// <summary>The inverse in time that depends on the value: for public values only.</summary>
    T InvertPublic();
    /// <summary>A uniformly random non-zero element from the system's secure generator (to blind an inversion).</summary>
    static abstract T RandomNonZero();
    bool IsZero { get; }
}
