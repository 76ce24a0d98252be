using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace DvtBus.Bls;

/// <summary>
/// An element of the scalar field Fr (the order r of G1, G2 and GT) in Montgomery form, four 64-bit limbs.
/// Carries secret keys and polynomial coefficients, so all arithmetic is branch-free on values.
/// </summary>
internal readonly struct Fr
{
    internal readonly ulong L0, L1, L2, L3;

    internal Fr(ulong l0, ulong l1, ulong l2, ulong l3)
    {
        L0 = l0; L1 = l1; L2 = l2; L3 = l3;
    }

    private const ulong R0 = 0xffffffff00000001, R1 = 0x53bda402fffe5bfe, R2 = 0x3339d80809a1d805, R3 = 0x73eda753299d7d48;
    private const ulong RInv = 0xfffffffeffffffff;

    internal static readonly BigInteger Modulus = BigInteger.Parse(
        "073eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", System.Globalization.NumberStyles.HexNumber);

    internal static Fr Zero => default;
    internal static Fr One { get; } = new(0x00000001fffffffe, 0x5884b7fa00034802, 0x998c4fefecbc4ff5, 0x1824b159acc5056f);
    private static readonly Fr RR = new(0xc999e990f3f29c6d, 0x2b6cedcb87925c23, 0x05d314967254398f, 0x0748d9d99f59ff11);
    private static readonly ulong[] RMinus2 = Fp.Limbs(Modulus - 2);

    internal bool IsZero => (L0 | L1 | L2 | L3) == 0;

    private static ulong MulAdd(ulong x, ulong y, ulong z, ulong w, out ulong lo) => Fp.MulAdd(x, y, z, w, out lo);

    private static ulong AddC(ulong a, ulong b, ref ulong carry) => Fp.AddC(a, b, ref carry);

    private static ulong SubB(ulong a, ulong b, ref ulong borrow) => Fp.SubB(a, b, ref borrow);

    private static Fr Reduce(ulong t0, ulong t1, ulong t2, ulong t3)
    {
        ulong b = 0;
        ulong s0 = SubB(t0, R0, ref b), s1 = SubB(t1, R1, ref b), s2 = SubB(t2, R2, ref b), s3 = SubB(t3, R3, ref b);
        ulong keep = 0UL - b;
        return new Fr((t0 & keep) | (s0 & ~keep), (t1 & keep) | (s1 & ~keep), (t2 & keep) | (s2 & ~keep), (t3 & keep) | (s3 & ~keep));
    }

    public static Fr operator +(Fr a, Fr b)
    {
        ulong c = 0;
        ulong t0 = AddC(a.L0, b.L0, ref c), t1 = AddC(a.L1, b.L1, ref c), t2 = AddC(a.L2, b.L2, ref c), t3 = AddC(a.L3, b.L3, ref c);
        return Reduce(t0, t1, t2, t3);
    }

    public static Fr operator -(Fr a, Fr b)
    {
        ulong br = 0;
        ulong t0 = SubB(a.L0, b.L0, ref br), t1 = SubB(a.L1, b.L1, ref br), t2 = SubB(a.L2, b.L2, ref br), t3 = SubB(a.L3, b.L3, ref br);
        ulong mask = 0UL - br;
        ulong c = 0;
        t0 = AddC(t0, R0 & mask, ref c); t1 = AddC(t1, R1 & mask, ref c); t2 = AddC(t2, R2 & mask, ref c); t3 = AddC(t3, R3 & mask, ref c);
        return new Fr(t0, t1, t2, t3);
    }

    public static Fr operator -(Fr a) => Zero - a;

    public static Fr operator *(Fr a, Fr b)
    {
        ulong t0, t1, t2, t3, A, C, m;
        A = MulAdd(a.L0, b.L0, 0, 0, out t0);
        m = t0 * RInv;
        C = MulAdd(m, R0, t0, 0, out _);
        A = MulAdd(a.L1, b.L0, A, 0, out t1);
        C = MulAdd(m, R1, t1, C, out t0);
        A = MulAdd(a.L2, b.L0, A, 0, out t2);
        C = MulAdd(m, R2, t2, C, out t1);
        A = MulAdd(a.L3, b.L0, A, 0, out t3);
        C = MulAdd(m, R3, t3, C, out t2);
        t3 = C + A;
        A = MulAdd(a.L0, b.L1, t0, 0, out t0);
        m = t0 * RInv;
        C = MulAdd(m, R0, t0, 0, out _);
        A = MulAdd(a.L1, b.L1, t1, A, out t1);
        C = MulAdd(m, R1, t1, C, out t0);
        A = MulAdd(a.L2, b.L1, t2, A, out t2);
        C = MulAdd(m, R2, t2, C, out t1);
        A = MulAdd(a.L3, b.L1, t3, A, out t3);
        C = MulAdd(m, R3, t3, C, out t2);
        t3 = C + A;
        A = MulAdd(a.L0, b.L2, t0, 0, out t0);
        m = t0 * RInv;
        C = MulAdd(m, R0, t0, 0, out _);
        A = MulAdd(a.L1, b.L2, t1, A, out t1);
        C = MulAdd(m, R1, t1, C, out t0);
        A = MulAdd(a.L2, b.L2, t2, A, out t2);
        C = MulAdd(m, R2, t2, C, out t1);
        A = MulAdd(a.L3, b.L2, t3, A, out t3);
        C = MulAdd(m, R3, t3, C, out t2);
        t3 = C + A;
        A = MulAdd(a.L0, b.L3, t0, 0, out t0);
        m = t0 * RInv;
        C = MulAdd(m, R0, t0, 0, out _);
        A = MulAdd(a.L1, b.L3, t1, A, out t1);
        C = MulAdd(m, R1, t1, C, out t0);
        A = MulAdd(a.L2, b.L3, t2, A, out t2);
        C = MulAdd(m, R2, t2, C, out t1);
        A = MulAdd(a.L3, b.L3, t3, A, out t3);
        C = MulAdd(m, R3, t3, C, out t2);
        t3 = C + A;

        return Reduce(t0, t1, t2, t3);
    }

    /// <summary>The inverse by Fermat's little theorem (constant time); zero maps to zero.</summary>
    internal Fr Invert()
    {
        Fr r = One;
        for (int i = RMinus2.Length * 64 - 1; i >= 0; i--)
        {
            r *= r;
            if (((RMinus2[i / 64] >> (i % 64)) & 1) != 0) r *= this;
        }
        return r;
    }

    public static bool operator ==(Fr a, Fr b) => ((a.L0 ^ b.L0) | (a.L1 ^ b.L1) | (a.L2 ^ b.L2) | (a.L3 ^ b.L3)) == 0;
    public static bool operator !=(Fr a, Fr b) => !(a == b);
    public override bool Equals(object? obj) => obj is Fr other && this == other;
    public override int GetHashCode() => HashCode.Combine(L0, L1, L2, L3);

    internal static Fr FromUInt64(ulong v) => new Fr(v, 0, 0, 0) * RR;

    /// <summary>The canonical integer as four little-endian limbs (for scalar multiplication).</summary>
    internal Fr ToCanonical() => this * new Fr(1, 0, 0, 0);

    /// <summary>Reads 32 big-endian bytes; false (without saying why) when the value is not below r.</summary>
    internal static bool TryFromBytes(ReadOnlySpan<byte> be32, out Fr value)
    {
        var raw = new Fr(BinaryPrimitives.ReadUInt64BigEndian(be32[24..]), BinaryPrimitives.ReadUInt64BigEndian(be32[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(be32[8..]), BinaryPrimitives.ReadUInt64BigEndian(be32));
        ulong b = 0;
        SubB(raw.L0, R0, ref b); SubB(raw.L1, R1, ref b); SubB(raw.L2, R2, ref b); SubB(raw.L3, R3, ref b);
        value = raw * RR;
        return b == 1;
    }

    internal void WriteBytes(Span<byte> be32)
    {
        var c = ToCanonical();
        BinaryPrimitives.WriteUInt64BigEndian(be32, c.L3);
        BinaryPrimitives.WriteUInt64BigEndian(be32[8..], c.L2);
        BinaryPrimitives.WriteUInt64BigEndian(be32[16..], c.L1);
        BinaryPrimitives.WriteUInt64BigEndian(be32[24..], c.L0);
    }

    /// <summary>A uniformly random non-zero scalar (rejection sampling on 255-bit strings).</summary>
    internal static Fr Random()
    {
        Span<byte> buf = stackalloc byte[32];
        try
        {
            while (true)
            {
                RandomNumberGenerator.Fill(buf);
                buf[0] &= 0x7f;
                if (TryFromBytes(buf, out var v) && !v.IsZero) return v;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buf);
        }
    }

    public override string ToString() => "Fr(redacted)";
}
