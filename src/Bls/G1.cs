namespace DvtBus.Bls;

/// <summary>The order-r subgroup of E(Fp): y^2 = x^3 + 4. Public keys live here.</summary>
internal static class G1
{
    /// <summary>|z| for the BLS parameter z = -0xd201000000010000.</summary>
    internal const ulong AbsZ = 0xd201000000010000;

    internal static readonly Point<Fp> Generator = Point<Fp>.FromAffine(
        Fp.FromHex("17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"),
        Fp.FromHex("08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1"));

    // A primitive cube root of unity; sigma(x, y) = (beta x, y) acts on G1 as multiplication by -z^2.
    // Of the two roots, keep the one whose eigenvalue on the generator is -z^2.
    private static readonly Fp Beta = ChooseBeta();

    private static Fp ChooseBeta()
    {
        if (!(-Fp.FromUInt64(3)).TrySqrt(out var s)) throw new InvalidOperationException("-3 must be a square mod p");
        var omega = (s - Fp.One) * Fp.FromUInt64(2).Invert();
        var expected = MulByMinusZSquared(Generator);
        return Sigma(Generator, omega).Equals(expected) ? omega : omega.Square();
    }

    private static Point<Fp> Sigma(Point<Fp> p, Fp beta) => new(p.X * beta, p.Y, p.Z);

    private static Point<Fp> MulByMinusZSquared(Point<Fp> p) => p.MulPublic(AbsZ).MulPublic(AbsZ).Negate();

    /// <summary>Scott's endomorphism test (eprint 2021/1130): P is in G1 exactly when sigma(P) = [-z^2] P.</summary>
    internal static bool IsInSubgroup(Point<Fp> p) =>
        p.IsIdentity || (p.IsOnCurve() && Sigma(p, Beta).Equals(MulByMinusZSquared(p)));

    /// <summary>
    /// Constant-time [k] P for P in G1: with [z^2] P = -sigma(P), k = k0 + k1 z^2 with 128-bit halves
    /// halves the doublings. The split is a fixed-length division with masks (no branch on k).
    /// </summary>
    internal static Point<Fp> MulSecret(Point<Fp> p, Fr k)
    {
        Span<Point<Fp>> tables = stackalloc Point<Fp>[2 * Point<Fp>.TableSize];
        Span<ulong> halves = stackalloc ulong[4];
        try
        {
            Point<Fp>.SplitByZSquared(k.ToCanonical(), halves);
            Point<Fp>.FillMultiples(tables[..Point<Fp>.TableSize], p);
            Point<Fp>.FillMultiples(tables[Point<Fp>.TableSize..], Sigma(p, Beta).Negate());
            return Point<Fp>.SumOfMultiples(tables, halves, limbsEach: 2);
        }
        finally
        {
            tables.Clear();
            halves.Clear();
        }
    }

    internal static void Compress(Point<Fp> p, Span<byte> out48)
    {
        if (!p.TryToAffine(out var x, out var y))
        {
            out48.Clear();
            out48[0] = 0xc0;
            return;
        }
        x.WriteBytes(out48);
        out48[0] |= (byte)(0x80 | (y.IsLexicographicallyLargest ? 0x20 : 0));
    }

    internal static byte[] Compress(Point<Fp> p)
    {
        var b = new byte[48];
        Compress(p, b);
        return b;
    }

    internal static byte[] Uncompressed(Point<Fp> p)
    {
        var b = new byte[96];
        if (!p.TryToAffine(out var x, out var y))
        {
            b[0] = 0x40;
            return b;
        }
        x.WriteBytes(b);
        y.WriteBytes(b.AsSpan(48));
        return b;
    }

    /// <summary>
    /// ZCash encoding, compressed (48 bytes, C flag set) or uncompressed (96 bytes, C flag clear):
    /// canonical coordinates, on the curve, and an identity only as the exact flag pattern.
    /// The subgroup is not checked here.
    /// </summary>
    internal static bool TryDecode(ReadOnlySpan<byte> bytes, out Point<Fp> point)
    {
        point = Point<Fp>.Identity;
        Span<byte> buf = stackalloc byte[48];
        if (!ZcashEncoding.TryReadHeader(bytes, 48, buf, out bool compressed, out bool identity, out bool sort)) return false;
        if (identity) return true;
        if (!Fp.TryFromBytes(buf, out var x)) return false;
        if (compressed)
        {
            if (!(x.Square() * x + Fp.CurveB).TrySqrt(out var y)) return false;
            if (y.IsLexicographicallyLargest != sort) y = -y;
            point = Point<Fp>.FromAffine(x, y);
            return true;
        }
        if (!Fp.TryFromBytes(bytes[48..], out var yu)) return false;
        point = Point<Fp>.FromAffine(x, yu);
        return point.IsOnCurve();
    }

    /// <summary>Decoding plus the subgroup check: what every externally supplied point must pass.</summary>
    internal static bool TryDecodeInSubgroup(ReadOnlySpan<byte> bytes, out Point<Fp> point) =>
        TryDecode(bytes, out point) && IsInSubgroup(point);
}
