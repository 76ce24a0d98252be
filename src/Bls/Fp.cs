using System.Numerics;
using System.Runtime.CompilerServices;

namespace DvtBus.Bls;

/// <summary>
/// An element of the BLS12-381 base field in Montgomery form (six 64-bit limbs, little-endian).
/// Arithmetic is branch-free on the values so that it can carry secret-dependent data.
/// </summary>
internal readonly struct Fp : IField<Fp>
{
    internal readonly ulong L0, L1, L2, L3, L4, L5;

    internal Fp(ulong l0, ulong l1, ulong l2, ulong l3, ulong l4, ulong l5)
    {
        L0 = l0; L1 = l1; L2 = l2; L3 = l3; L4 = l4; L5 = l5;
    }

    private const ulong P0 = 0xb9feffffffffaaab, P1 = 0x1eabfffeb153ffff, P2 = 0x6730d2a0f6b0f624,
        P3 = 0x64774b84f38512bf, P4 = 0x4b1ba7b6434bacd7, P5 = 0x1a0111ea397fe69a;
    private const ulong PInv = 0x89f3fffcfffcfffd;

    private static readonly Fp R2 = new(0xf4df1f341c341746, 0x0a76e6a609d104f1, 0x8de5476c4c95b6d5,
        0x67eb88a9939d83c0, 0x9a793e85b519952d, 0x11988fe592cae3aa);
    internal static readonly BigInteger Modulus = BigInteger.Parse(
        "01a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
        System.Globalization.NumberStyles.HexNumber);

    public static Fp Zero => default;
    public static Fp One { get; } = new(0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba,
        0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493);
    public static Fp CurveB { get; } = FromUInt64(4);
    // 2^256 mod p: folds the high half of a 64-byte hash output (RFC 9380 hash_to_field).
    private static readonly Fp TwoTo256 = FromBigInteger(BigInteger.Pow(2, 256));
    private static readonly ulong[] PMinus2 = Limbs(Modulus - 2);
    private static readonly ulong[] SqrtExponent = Limbs((Modulus + 1) / 4);
    private static readonly ulong[] InverseSqrtExponent = Limbs((Modulus - 3) / 4);
    // (p - 1) / 2
    private const ulong H0 = 0xdcff7fffffffd555, H1 = 0xf55ffff58a9ffff, H2 = 0xb39869507b587b12,
        H3 = 0xb23ba5c279c2895f, H4 = 0x258dd3db21a5d66b, H5 = 0xd0088f51cbff34d;

    public bool IsZero => (L0 | L1 | L2 | L3 | L4 | L5) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong MulAdd(ulong x, ulong y, ulong z, ulong w, out ulong lo)
    {
        // mulx for the high half and imul for the low half keep both in registers; Math.BigMul's out
        // parameter makes the JIT spill the low half to the stack on every product.
        ulong hi = System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported
            ? System.Runtime.Intrinsics.X86.Bmi2.X64.MultiplyNoFlags(x, y)
            : Math.BigMul(x, y, out _);
        ulong l = x * y;
        l += z;
        hi += l < z ? 1UL : 0UL;
        l += w;
        hi += l < w ? 1UL : 0UL;
        lo = l;
        return hi;
    }

    /// <summary>
    /// The high word of m P0 + t0 for m = t0 PInv: the low word is zero by the choice of m, so the addition
    /// carries exactly when t0 is not zero, and the low half of m P0 need not be computed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReductionCarry(ulong m, ulong t0)
    {
        ulong hi = System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported
            ? System.Runtime.Intrinsics.X86.Bmi2.X64.MultiplyNoFlags(m, P0)
            : Math.BigMul(m, P0, out _);
        // 1 when t0 is not zero, by arithmetic: t0 carries secret data.
        return hi + ((t0 | (0UL - t0)) >> 63);
    }

    // Carries and borrows from the top bits (Hacker's Delight 2-13): no flags, no compare-and-set chains.
    // Shared with Fr and the scalar splitting in Point.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong AddC(ulong a, ulong b, ref ulong carry)
    {
        ulong s = a + b + carry;
        carry = ((a & b) | ((a | b) & ~s)) >> 63;
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong SubB(ulong a, ulong b, ref ulong borrow)
    {
        ulong d = a - b - borrow;
        borrow = ((~a & b) | (~(a ^ b) & d)) >> 63;
        return d;
    }

    /// <summary>Subtracts p once when the value is at least p, without branching.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Fp Reduce(ulong t0, ulong t1, ulong t2, ulong t3, ulong t4, ulong t5)
    {
        ulong b = 0;
        ulong s0 = SubB(t0, P0, ref b), s1 = SubB(t1, P1, ref b), s2 = SubB(t2, P2, ref b);
        ulong s3 = SubB(t3, P3, ref b), s4 = SubB(t4, P4, ref b), s5 = SubB(t5, P5, ref b);
        ulong keep = 0UL - b; // all ones when t < p
        return new Fp((t0 & keep) | (s0 & ~keep), (t1 & keep) | (s1 & ~keep), (t2 & keep) | (s2 & ~keep),
            (t3 & keep) | (s3 & ~keep), (t4 & keep) | (s4 & ~keep), (t5 & keep) | (s5 & ~keep));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp operator +(in Fp a, in Fp b)
    {
        ulong c = 0;
        ulong t0 = AddC(a.L0, b.L0, ref c), t1 = AddC(a.L1, b.L1, ref c), t2 = AddC(a.L2, b.L2, ref c);
        ulong t3 = AddC(a.L3, b.L3, ref c), t4 = AddC(a.L4, b.L4, ref c), t5 = AddC(a.L5, b.L5, ref c);
        return Reduce(t0, t1, t2, t3, t4, t5);
    }

    /// <summary>
    /// a + b without the final subtraction of p: the result is below 2p, which the Montgomery product
    /// accepts as an input (with 4p &lt; 2^384, (2p)^2 + p 2^384 &lt; 2p 2^384, so its output still needs
    /// only one conditional subtraction). Only for operands of a multiplication.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Fp AddUnreduced(Fp a, Fp b)
    {
        ulong c = 0;
        ulong t0 = AddC(a.L0, b.L0, ref c), t1 = AddC(a.L1, b.L1, ref c), t2 = AddC(a.L2, b.L2, ref c);
        ulong t3 = AddC(a.L3, b.L3, ref c), t4 = AddC(a.L4, b.L4, ref c), t5 = AddC(a.L5, b.L5, ref c);
        return new Fp(t0, t1, t2, t3, t4, t5);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fp operator -(in Fp a, in Fp b)
    {
        ulong br = 0;
        ulong t0 = SubB(a.L0, b.L0, ref br), t1 = SubB(a.L1, b.L1, ref br), t2 = SubB(a.L2, b.L2, ref br);
        ulong t3 = SubB(a.L3, b.L3, ref br), t4 = SubB(a.L4, b.L4, ref br), t5 = SubB(a.L5, b.L5, ref br);
        ulong mask = 0UL - br;
        ulong c = 0;
        t0 = AddC(t0, P0 & mask, ref c); t1 = AddC(t1, P1 & mask, ref c); t2 = AddC(t2, P2 & mask, ref c);
        t3 = AddC(t3, P3 & mask, ref c); t4 = AddC(t4, P4 & mask, ref c); t5 = AddC(t5, P5 & mask, ref c);
        return new Fp(t0, t1, t2, t3, t4, t5);
    }

    public static Fp operator -(in Fp a) => Zero - a;

    public static Fp operator *(in Fp a, in Fp b)
    {
        ulong t0, t1, t2, t3, t4, t5, A, C, m;
        A = MulAdd(a.L0, b.L0, 0, 0, out t0);
        m = t0 * PInv;
        C = ReductionCarry(m, t0);
        A = MulAdd(a.L1, b.L0, A, 0, out t1);
        C = MulAdd(m, P1, t1, C, out t0);
        A = MulAdd(a.L2, b.L0, A, 0, out t2);
        C = MulAdd(m, P2, t2, C, out t1);
        A = MulAdd(a.L3, b.L0, A, 0, out t3);
        C = MulAdd(m, P3, t3, C, out t2);
        A = MulAdd(a.L4, b.L0, A, 0, out t4);
        C = MulAdd(m, P4, t4, C, out t3);
        A = MulAdd(a.L5, b.L0, A, 0, out t5);
        C = MulAdd(m, P5, t5, C, out t4);
        t5 = C + A;
        A = MulAdd(a.L0, b.L1, t0, 0, out t0);
        m = t0 * PInv;
        C = ReductionCarry(m, t0);
        A = MulAdd(a.L1, b.L1, t1, A, out t1);
        C = MulAdd(m, P1, t1, C, out t0);
        A = MulAdd(a.L2, b.L1, t2, A, out t2);
        C = MulAdd(m, P2, t2, C, out t1);
        A = MulAdd(a.L3, b.L1, t3, A, out t3);
        C = MulAdd(m, P3, t3, C, out t2);
        A = MulAdd(a.L4, b.L1, t4, A, out t4);
        C = MulAdd(m, P4, t4, C, out t3);
        A = MulAdd(a.L5, b.L1, t5, A, out t5);
        C = MulAdd(m, P5, t5, C, out t4);
        t5 = C + A;
        A = MulAdd(a.L0, b.L2, t0, 0, out t0);
        m = t0 * PInv;
        C = ReductionCarry(m, t0);
        A = MulAdd(a.L1, b.L2, t1, A, out t1);
        C = MulAdd(m, P1, t1, C, out t0);
        A = MulAdd(a.L2, b.L2, t2, A, out t2);
        C = MulAdd(m, P2, t2, C, out t1);
        A = MulAdd(a.L3, b.L2, t3, A, out t3);
        C = MulAdd(m, P3, t3, C, out t2);
        A = MulAdd(a.L4, b.L2, t4, A, out t4);
        C = MulAdd(m, P4, t4, C, out t3);
        A = MulAdd(a.L5, b.L2, t5, A, out t5);
        C = MulAdd(m, P5, t5, C, out t4);
        t5 = C + A;
        A = MulAdd(a.L0, b.L3, t0, 0, out t0);
        m = t0 * PInv;
        C = ReductionCarry(m, t0);
        A = MulAdd(a.L1, b.L3, t1, A, out t1);
        C = MulAdd(m, P1, t1, C, out t0);
        A = MulAdd(a.L2, b.L3, t2, A, out t2);
        C = MulAdd(m, P2, t2, C, out t1);
        A = MulAdd(a.L3, b.L3, t3, A, out t3);
        C = MulAdd(m, P3, t3, C, out t2);
        A = MulAdd(a.L4, b.L3, t4, A, out t4);
        C = MulAdd(m, P4, t4, C, out t3);
        A = MulAdd(a.L5, b.L3, t5, A, out t5);
        C = MulAdd(m, P5, t5, C, out t4);
        t5 = C + A;
        A = MulAdd(a.L0, b.L4, t0, 0, out t0);
        m = t0 * PInv;
        C = ReductionCarry(m, t0);
        A = MulAdd(a.L1, b.L4, t1, A, out t1);
        C = MulAdd(m, P1, t1, C, out t0);
        A = MulAdd(a.L2, b.L4, t2, A, out t2);
        C = MulAdd(m, P2, t2, C, out t1);
        A = MulAdd(a.L3, b.L4, t3, A, out t3);
        C = MulAdd(m, P3, t3, C, out t2);
        A = MulAdd(a.L4, b.L4, t4, A, out t4);
        C = MulAdd(m, P4, t4, C, out t3);
        A = MulAdd(a.L5, b.L4, t5, A, out t5);
        C = MulAdd(m, P5, t5, C, out t4);
        t5 = C + A;
        A = MulAdd(a.L0, b.L5, t0, 0, out t0);
        m = t0 * PInv;
        C = ReductionCarry(m, t0);
        A = MulAdd(a.L1, b.L5, t1, A, out t1);
        C = MulAdd(m, P1, t1, C, out t0);
        A = MulAdd(a.L2, b.L5, t2, A, out t2);
        C = MulAdd(m, P2, t2, C, out t1);
        A = MulAdd(a.L3, b.L5, t3, A, out t3);
        C = MulAdd(m, P3, t3, C, out t2);
        A = MulAdd(a.L4, b.L5, t4, A, out t4);
        C = MulAdd(m, P4, t4, C, out t3);
        A = MulAdd(a.L5, b.L5, t5, A, out t5);
        C = MulAdd(m, P5, t5, C, out t4);
        t5 = C + A;

        return Reduce(t0, t1, t2, t3, t4, t5);
    }

    /// <summary>
    /// The Montgomery square: 21 products for the 12-limb square instead of 36, then the same 36-product
    /// reduction as the interleaved product. Row i multiplies a_i by V_i = a_i + 2 (a_(i+1) + a_(i+2) 2^64
    /// + ...), whose limbs are those of 2a from limb i + 1 on, except that limb i + 1 does not take the top
    /// bit of a_i (that bit belongs to row i's own doubled cross products). a^2 = sum_i a_i V_i 2^(128 i).
    /// Inputs below 2p (AddUnreduced) are fine: 2a &lt; 4p &lt; 2^384 has no seventh limb, and a^2 &lt; 4p^2
    /// &lt; p 2^384 is what the reduction needs.
    /// </summary>
    public Fp Square()
    {
        ulong a0 = L0, a1 = L1, a2 = L2, a3 = L3, a4 = L4, a5 = L5;
        ulong e1 = a1 << 1, e2 = a2 << 1, e3 = a3 << 1, e4 = a4 << 1, e5 = a5 << 1;
        ulong d2 = e2 | (a1 >> 63), d3 = e3 | (a2 >> 63), d4 = e4 | (a3 >> 63), d5 = e5 | (a4 >> 63);
        ulong t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, c;
        c = MulAdd(a0, a0, 0, 0, out t0);
        c = MulAdd(a0, e1, c, 0, out t1);
        c = MulAdd(a0, d2, c, 0, out t2);
        c = MulAdd(a0, d3, c, 0, out t3);
        c = MulAdd(a0, d4, c, 0, out t4);
        c = MulAdd(a0, d5, c, 0, out t5);
        t6 = c;
        c = MulAdd(a1, a1, t2, 0, out t2);
        c = MulAdd(a1, e2, t3, c, out t3);
        c = MulAdd(a1, d3, t4, c, out t4);
        c = MulAdd(a1, d4, t5, c, out t5);
        c = MulAdd(a1, d5, t6, c, out t6);
        t7 = c;
        c = MulAdd(a2, a2, t4, 0, out t4);
        c = MulAdd(a2, e3, t5, c, out t5);
        c = MulAdd(a2, d4, t6, c, out t6);
        c = MulAdd(a2, d5, t7, c, out t7);
        t8 = c;
        c = MulAdd(a3, a3, t6, 0, out t6);
        c = MulAdd(a3, e4, t7, c, out t7);
        c = MulAdd(a3, d5, t8, c, out t8);
        t9 = c;
        c = MulAdd(a4, a4, t8, 0, out t8);
        c = MulAdd(a4, e5, t9, c, out t9);
        t10 = c;
        c = MulAdd(a5, a5, t10, 0, out t10);
        t11 = c;
        return Redc(t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11);
    }

    /// <summary>
    /// Montgomery reduction of a 12-limb T &lt; p 2^384: T 2^-384 mod p, canonical. Six reduction rounds run on
    /// the low six limbs alone (each keeps that window below 2^320 + p &lt; 2^384) and leave w = (T_low + M p)
    /// / 2^384 &lt;= p; the high half T_high &lt; p is added after, so the sum is below 2p and one conditional
    /// subtraction of p makes it canonical.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Fp Redc(ulong t0, ulong t1, ulong t2, ulong t3, ulong t4, ulong t5,
        ulong t6, ulong t7, ulong t8, ulong t9, ulong t10, ulong t11)
    {
        ulong c, m;
        m = t0 * PInv;
        c = ReductionCarry(m, t0);
        c = MulAdd(m, P1, t1, c, out t0);
        c = MulAdd(m, P2, t2, c, out t1);
        c = MulAdd(m, P3, t3, c, out t2);
        c = MulAdd(m, P4, t4, c, out t3);
        c = MulAdd(m, P5, t5, c, out t4);
        t5 = c;
        m = t0 * PInv;
        c = ReductionCarry(m, t0);
        c = MulAdd(m, P1, t1, c, out t0);
        c = MulAdd(m, P2, t2, c, out t1);
        c = MulAdd(m, P3, t3, c, out t2);
        c = MulAdd(m, P4, t4, c, out t3);
        c = MulAdd(m, P5, t5, c, out t4);
        t5 = c;
        m = t0 * PInv;
        c = ReductionCarry(m, t0);
        c = MulAdd(m, P1, t1, c, out t0);
        c = MulAdd(m, P2, t2, c, out t1);
        c = MulAdd(m, P3, t3, c, out t2);
        c = MulAdd(m, P4, t4, c, out t3);
        c = MulAdd(m, P5, t5, c, out t4);
        t5 = c;
        m = t0 * PInv;
        c = ReductionCarry(m, t0);
        c = MulAdd(m, P1, t1, c, out t0);
        c = MulAdd(m, P2, t2, c, out t1);
        c = MulAdd(m, P3, t3, c, out t2);
        c = MulAdd(m, P4, t4, c, out t3);
        c = MulAdd(m, P5, t5, c, out t4);
        t5 = c;
        m = t0 * PInv;
        c = ReductionCarry(m, t0);
        c = MulAdd(m, P1, t1, c, out t0);
        c = MulAdd(m, P2, t2, c, out t1);
        c = MulAdd(m, P3, t3, c, out t2);
        c = MulAdd(m, P4, t4, c, out t3);
        c = MulAdd(m, P5, t5, c, out t4);
        t5 = c;
        m = t0 * PInv;
        c = ReductionCarry(m, t0);
        c = MulAdd(m, P1, t1, c, out t0);
        c = MulAdd(m, P2, t2, c, out t1);
        c = MulAdd(m, P3, t3, c, out t2);
        c = MulAdd(m, P4, t4, c, out t3);
        c = MulAdd(m, P5, t5, c, out t4);
        t5 = c;
        c = 0;
        t0 = AddC(t0, t6, ref c); t1 = AddC(t1, t7, ref c); t2 = AddC(t2, t8, ref c);
        t3 = AddC(t3, t9, ref c); t4 = AddC(t4, t10, ref c); t5 = AddC(t5, t11, ref c);
        return Reduce(t0, t1, t2, t3, t4, t5);
    }

    /// <summary>A 12-limb value (little-endian), a product before its Montgomery reduction.</summary>
    internal readonly struct Wide
    {
        internal readonly ulong W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11;

        internal Wide(ulong w0, ulong w1, ulong w2, ulong w3, ulong w4, ulong w5,
            ulong w6, ulong w7, ulong w8, ulong w9, ulong w10, ulong w11)
        {
            W0 = w0; W1 = w1; W2 = w2; W3 = w3; W4 = w4; W5 = w5;
            W6 = w6; W7 = w7; W8 = w8; W9 = w9; W10 = w10; W11 = w11;
        }
    }

    /// <summary>The 12-limb product a b, not reduced (row by row, 36 products); a, b &lt; 2^384.</summary>
    internal static Wide MulWide(in Fp a, in Fp b)
    {
        ulong t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, c;
        c = MulAdd(a.L0, b.L0, 0, 0, out t0);
        c = MulAdd(a.L1, b.L0, c, 0, out t1);
        c = MulAdd(a.L2, b.L0, c, 0, out t2);
        c = MulAdd(a.L3, b.L0, c, 0, out t3);
        c = MulAdd(a.L4, b.L0, c, 0, out t4);
        c = MulAdd(a.L5, b.L0, c, 0, out t5);
        t6 = c;
        c = MulAdd(a.L0, b.L1, t1, 0, out t1);
        c = MulAdd(a.L1, b.L1, t2, c, out t2);
        c = MulAdd(a.L2, b.L1, t3, c, out t3);
        c = MulAdd(a.L3, b.L1, t4, c, out t4);
        c = MulAdd(a.L4, b.L1, t5, c, out t5);
        c = MulAdd(a.L5, b.L1, t6, c, out t6);
        t7 = c;
        c = MulAdd(a.L0, b.L2, t2, 0, out t2);
        c = MulAdd(a.L1, b.L2, t3, c, out t3);
        c = MulAdd(a.L2, b.L2, t4, c, out t4);
        c = MulAdd(a.L3, b.L2, t5, c, out t5);
        c = MulAdd(a.L4, b.L2, t6, c, out t6);
        c = MulAdd(a.L5, b.L2, t7, c, out t7);
        t8 = c;
        c = MulAdd(a.L0, b.L3, t3, 0, out t3);
        c = MulAdd(a.L1, b.L3, t4, c, out t4);
        c = MulAdd(a.L2, b.L3, t5, c, out t5);
        c = MulAdd(a.L3, b.L3, t6, c, out t6);
        c = MulAdd(a.L4, b.L3, t7, c, out t7);
        c = MulAdd(a.L5, b.L3, t8, c, out t8);
        t9 = c;
        c = MulAdd(a.L0, b.L4, t4, 0, out t4);
        c = MulAdd(a.L1, b.L4, t5, c, out t5);
        c = MulAdd(a.L2, b.L4, t6, c, out t6);
        c = MulAdd(a.L3, b.L4, t7, c, out t7);
        c = MulAdd(a.L4, b.L4, t8, c, out t8);
        c = MulAdd(a.L5, b.L4, t9, c, out t9);
        t10 = c;
        c = MulAdd(a.L0, b.L5, t5, 0, out t5);
        c = MulAdd(a.L1, b.L5, t6, c, out t6);
        c = MulAdd(a.L2, b.L5, t7, c, out t7);
        c = MulAdd(a.L3, b.L5, t8, c, out t8);
        c = MulAdd(a.L4, b.L5, t9, c, out t9);
        c = MulAdd(a.L5, b.L5, t10, c, out t10);
        t11 = c;
        return new Wide(t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11);
    }

    /// <summary>x + y; the caller guarantees that the sum is below 2^768.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Wide AddWide(in Wide x, in Wide y)
    {
        ulong c = 0;
        ulong t0 = AddC(x.W0, y.W0, ref c); ulong t1 = AddC(x.W1, y.W1, ref c); ulong t2 = AddC(x.W2, y.W2, ref c);
        ulong t3 = AddC(x.W3, y.W3, ref c); ulong t4 = AddC(x.W4, y.W4, ref c); ulong t5 = AddC(x.W5, y.W5, ref c);
        ulong t6 = AddC(x.W6, y.W6, ref c); ulong t7 = AddC(x.W7, y.W7, ref c); ulong t8 = AddC(x.W8, y.W8, ref c);
        ulong t9 = AddC(x.W9, y.W9, ref c); ulong t10 = AddC(x.W10, y.W10, ref c); ulong t11 = AddC(x.W11, y.W11, ref c);
        return new Wide(t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11);
    }

    /// <summary>x - y; the caller guarantees x &gt;= y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Wide SubWide(in Wide x, in Wide y)
    {
        ulong b = 0;
        ulong t0 = SubB(x.W0, y.W0, ref b); ulong t1 = SubB(x.W1, y.W1, ref b); ulong t2 = SubB(x.W2, y.W2, ref b);
        ulong t3 = SubB(x.W3, y.W3, ref b); ulong t4 = SubB(x.W4, y.W4, ref b); ulong t5 = SubB(x.W5, y.W5, ref b);
        ulong t6 = SubB(x.W6, y.W6, ref b); ulong t7 = SubB(x.W7, y.W7, ref b); ulong t8 = SubB(x.W8, y.W8, ref b);
        ulong t9 = SubB(x.W9, y.W9, ref b); ulong t10 = SubB(x.W10, y.W10, ref b); ulong t11 = SubB(x.W11, y.W11, ref b);
        return new Wide(t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11);
    }

    /// <summary>
    /// (x - y) 2^-384 mod p, canonical, for x, y &lt; p 2^384: when x &lt; y, p 2^384 is added to the difference
    /// (to its high half, under a mask), which puts it in [0, p 2^384) either way, as <see cref="Redc(in Wide)"/> needs.
    /// </summary>
    internal static Fp RedcDifference(in Wide x, in Wide y)
    {
        ulong b = 0;
        ulong t0 = SubB(x.W0, y.W0, ref b); ulong t1 = SubB(x.W1, y.W1, ref b); ulong t2 = SubB(x.W2, y.W2, ref b);
        ulong t3 = SubB(x.W3, y.W3, ref b); ulong t4 = SubB(x.W4, y.W4, ref b); ulong t5 = SubB(x.W5, y.W5, ref b);
        ulong t6 = SubB(x.W6, y.W6, ref b); ulong t7 = SubB(x.W7, y.W7, ref b); ulong t8 = SubB(x.W8, y.W8, ref b);
        ulong t9 = SubB(x.W9, y.W9, ref b); ulong t10 = SubB(x.W10, y.W10, ref b); ulong t11 = SubB(x.W11, y.W11, ref b);
        ulong mask = 0UL - b, c = 0;
        t6 = AddC(t6, P0 & mask, ref c); t7 = AddC(t7, P1 & mask, ref c); t8 = AddC(t8, P2 & mask, ref c);
        t9 = AddC(t9, P3 & mask, ref c); t10 = AddC(t10, P4 & mask, ref c); t11 = AddC(t11, P5 & mask, ref c);
        return Redc(t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11);
    }

    /// <summary>t 2^-384 mod p, canonical, for t &lt; p 2^384.</summary>
    internal static Fp Redc(in Wide t) => Redc(t.W0, t.W1, t.W2, t.W3, t.W4, t.W5, t.W6, t.W7, t.W8, t.W9, t.W10, t.W11);

    public Fp Double() => this + this;

    /// <summary>3b x = 12 x by additions.</summary>
    public static Fp MulByB3(Fp x)
    {
        var x4 = x.Double().Double();
        return x4.Double() + x4;
    }

    public static Fp Select(Fp a, Fp b, ulong mask) => new(
        (a.L0 & ~mask) | (b.L0 & mask), (a.L1 & ~mask) | (b.L1 & mask), (a.L2 & ~mask) | (b.L2 & mask),
        (a.L3 & ~mask) | (b.L3 & mask), (a.L4 & ~mask) | (b.L4 & mask), (a.L5 & ~mask) | (b.L5 & mask));

    public static bool operator ==(Fp a, Fp b) =>
        ((a.L0 ^ b.L0) | (a.L1 ^ b.L1) | (a.L2 ^ b.L2) | (a.L3 ^ b.L3) | (a.L4 ^ b.L4) | (a.L5 ^ b.L5)) == 0;
    public static bool operator !=(Fp a, Fp b) => !(a == b);
    public override bool Equals(object? obj) => obj is Fp other && this == other;
    public override int GetHashCode() => HashCode.Combine(L0, L1, L5);

    /// <summary>
    /// Left-to-right sliding-window exponentiation (window 5, odd powers only): about 64 multiplications
    /// for a 381-bit exponent instead of 190. Which table entry is used and when depends on the exponent
    /// alone, which is public, so the base may be secret.
    /// </summary>
    internal Fp Pow(ReadOnlySpan<ulong> exponent)
    {
        const int window = 5;
        Span<Fp> odd = stackalloc Fp[1 << (window - 1)];
        odd[0] = this;
        var square = Square();
        for (int j = 1; j < odd.Length; j++) odd[j] = odd[j - 1] * square;
        Fp r = One;
        int i = exponent.Length * 64 - 1;
        while (i >= 0)
        {
            if (Bit(exponent, i) == 0)
            {
                r = r.Square();
                i--;
                continue;
            }
            // The longest run of at most `window` bits from i down that ends in a one.
            int low = Math.Max(i - window + 1, 0);
            while (Bit(exponent, low) == 0) low++;
            int value = 0;
            for (int b = i; b >= low; b--)
            {
                r = r.Square();
                value = (value << 1) | Bit(exponent, b);
            }
            r *= odd[value >> 1];
            i = low - 1;
        }
        odd.Clear();
        return r;
    }

    private static int Bit(ReadOnlySpan<ulong> limbs, int i) => (int)((limbs[i / 64] >> (i % 64)) & 1);

    /// <summary>The inverse by Fermat's little theorem; zero maps to zero. Constant time.</summary>
    public Fp Invert() => Pow(PMinus2);

    // R^3 mod p as raw limbs: multiplying the plain inverse of the raw limbs a R by it gives a^-1 R.
    private static readonly Fp RCubed = FromBigInteger(BigInteger.ModPow(BigInteger.One << 384, 2, Modulus));

    /// <summary>
    /// The inverse by the binary extended Euclidean algorithm (Menezes et al., Handbook of Applied
    /// Cryptography, algorithm 14.61): several times faster than Fermat, but its running time depends on
    /// the value, so it is only for public values (hashing, verification). Zero maps to zero.
    /// </summary>
    public Fp InvertPublic()
    {
        if (IsZero) return Zero;
        // Invariants: x1 A = u and x2 A = v (mod p), for A the raw limbs of this value.
        Span<ulong> u = [L0, L1, L2, L3, L4, L5];
        Span<ulong> v = [P0, P1, P2, P3, P4, P5];
        Span<ulong> x1 = [1, 0, 0, 0, 0, 0];
        Span<ulong> x2 = [0, 0, 0, 0, 0, 0];
        while (!IsOne(u) && !IsOne(v))
        {
            while ((u[0] & 1) == 0)
            {
                ShiftRight1(u);
                HalveModP(x1);
            }
            while ((v[0] & 1) == 0)
            {
                ShiftRight1(v);
                HalveModP(x2);
            }
            if (!LessThan(u, v))
            {
                SubInPlace(u, v);
                SubModP(x1, x2);
            }
            else
            {
                SubInPlace(v, u);
                SubModP(x2, x1);
            }
        }
        var x = IsOne(u) ? x1 : x2;
        return new Fp(x[0], x[1], x[2], x[3], x[4], x[5]) * RCubed;
    }

    private static bool IsOne(ReadOnlySpan<ulong> a) => a[0] == 1 && (a[1] | a[2] | a[3] | a[4] | a[5]) == 0;

    private static bool LessThan(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        for (int i = 5; i >= 0; i--)
            if (a[i] != b[i]) return a[i] < b[i];
        return false;
    }

    private static ulong SubInPlace(Span<ulong> a, ReadOnlySpan<ulong> b)
    {
        ulong borrow = 0;
        for (int i = 0; i < 6; i++) a[i] = SubB(a[i], b[i], ref borrow);
        return borrow;
    }

    private static void ShiftRight1(Span<ulong> a)
    {
        for (int i = 0; i < 5; i++) a[i] = (a[i] >> 1) | (a[i + 1] << 63);
        a[5] >>= 1;
    }

    private static void AddPInPlace(Span<ulong> a)
    {
        ReadOnlySpan<ulong> p = [P0, P1, P2, P3, P4, P5];
        ulong carry = 0;
        for (int i = 0; i < 6; i++) a[i] = AddC(a[i], p[i], ref carry);
    }

    /// <summary>a / 2 mod p for a &lt; p: (a + p) / 2 when a is odd (the sum fits in 382 bits).</summary>
    private static void HalveModP(Span<ulong> a)
    {
        if ((a[0] & 1) != 0) AddPInPlace(a);
        ShiftRight1(a);
    }

    /// <summary>a = a - b mod p for a, b &lt; p.</summary>
    private static void SubModP(Span<ulong> a, ReadOnlySpan<ulong> b)
    {
        if (SubInPlace(a, b) != 0) AddPInPlace(a);
    }

    /// <summary>The square root for p = 3 (mod 4), or false when the value is not a square.</summary>
    internal bool TrySqrt(out Fp root)
    {
        root = Pow(SqrtExponent);
        return root.Square() == this;
    }

    /// <summary>
    /// The square root and its inverse from one exponentiation: with s = a^((p-3)/4), a s is a root and
    /// s is its inverse whenever a is a non-zero square. False when a is not a square or is zero.
    /// </summary>
    internal bool TrySqrtAndInverse(out Fp root, out Fp inverseRoot)
    {
        inverseRoot = Pow(InverseSqrtExponent);
        root = this * inverseRoot;
        return !IsZero && root.Square() == this;
    }

    /// <summary>The canonical (non-Montgomery) limbs.</summary>
    internal Fp FromMontgomery() => this * new Fp(1, 0, 0, 0, 0, 0);

    internal static Fp FromCanonical(Fp raw) => raw * R2;

    internal static Fp FromUInt64(ulong v) => FromCanonical(new Fp(v, 0, 0, 0, 0, 0));

    /// <summary>Reads 48 big-endian bytes; false when the value is not below p.</summary>
    internal static bool TryFromBytes(ReadOnlySpan<byte> be48, out Fp value)
    {
        var raw = RawFromBytes(be48);
        ulong b = 0;
        SubB(raw.L0, P0, ref b); SubB(raw.L1, P1, ref b); SubB(raw.L2, P2, ref b);
        SubB(raw.L3, P3, ref b); SubB(raw.L4, P4, ref b); SubB(raw.L5, P5, ref b);
        value = FromCanonical(raw);
        return b == 1;
    }

    private static Fp RawFromBytes(ReadOnlySpan<byte> be48) => new(
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(be48[40..]),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(be48[32..]),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(be48[24..]),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(be48[16..]),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(be48[8..]),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(be48));

    /// <summary>A 64-byte big-endian integer reduced mod p (RFC 9380 hash_to_field with L = 64).</summary>
    internal static Fp FromWideBytes(ReadOnlySpan<byte> be64)
    {
        Span<byte> buf = stackalloc byte[48];
        buf.Clear();
        be64[..32].CopyTo(buf[16..]);
        var hi = FromCanonical(RawFromBytes(buf));
        be64[32..].CopyTo(buf[16..]);
        var lo = FromCanonical(RawFromBytes(buf));
        return hi * TwoTo256 + lo;
    }

    internal void WriteBytes(Span<byte> be48)
    {
        var c = FromMontgomery();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(be48, c.L5);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(be48[8..], c.L4);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(be48[16..], c.L3);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(be48[24..], c.L2);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(be48[32..], c.L1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(be48[40..], c.L0);
    }

    internal BigInteger ToBigInteger()
    {
        Span<byte> b = stackalloc byte[48];
        WriteBytes(b);
        return new BigInteger(b, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>For one-off constant derivation only.</summary>
    internal static Fp FromBigInteger(BigInteger v)
    {
        v %= Modulus;
        if (v.Sign < 0) v += Modulus;
        Span<byte> b = stackalloc byte[48];
        b.Clear();
        int len = v.GetByteCount(isUnsigned: true);
        v.TryWriteBytes(b[(48 - len)..], out _, isUnsigned: true, isBigEndian: true);
        return FromCanonical(RawFromBytes(b));
    }

    internal static Fp FromHex(string hex) => FromBigInteger(BigInteger.Parse("0" + hex.Replace("0x", ""), System.Globalization.NumberStyles.HexNumber));

    /// <summary>The low bit of the canonical value (RFC 9380 sgn0 for one Fp limb).</summary>
    internal ulong Parity => FromMontgomery().L0 & 1;

    /// <summary>True when the canonical value is greater than (p - 1) / 2 (ZCash "lexicographically largest").</summary>
    internal bool IsLexicographicallyLargest
    {
        get
        {
            var c = FromMontgomery();
            ulong b = 0;
            SubB(H0, c.L0, ref b); SubB(H1, c.L1, ref b); SubB(H2, c.L2, ref b);
            SubB(H3, c.L3, ref b); SubB(H4, c.L4, ref b); SubB(H5, c.L5, ref b);
            return b == 1;
        }
    }

    internal static ulong[] Limbs(BigInteger v)
    {
        var limbs = new ulong[(int)((v.GetBitLength() + 63) / 64)];
        for (int i = 0; i < limbs.Length; i++)
        {
            limbs[i] = (ulong)(v & ulong.MaxValue);
            v >>= 64;
        }
        return limbs;
    }

    /// <summary>A uniformly random non-zero element (rejection sampling on 381-bit strings), for blinding.</summary>
    public static Fp RandomNonZero()
    {
        while (true)
            if (Random() is { IsZero: false } v) return v;
    }

    /// <summary>A uniformly random element, zero included (rejection sampling on 381-bit strings).</summary>
    internal static Fp Random()
    {
        Span<byte> buf = stackalloc byte[48];
        while (true)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(buf);
            buf[0] &= 0x1f;
            if (TryFromBytes(buf, out var v)) return v;
        }
    }

    public override string ToString() => "0x" + ToBigInteger().ToString("x");
}
