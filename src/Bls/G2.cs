namespace DvtBus.Bls;

/// <summary>The order-r subgroup of the twist E'(Fp2): y^2 = x^3 + 4(1 + u). Signatures live here.</summary>
internal static class G2
{
    internal static readonly Point<Fp2> Generator = Point<Fp2>.FromAffine(
        Fp2.FromHex("024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8",
            "13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"),
        Fp2.FromHex("0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801",
            "0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be"));

    private static readonly Fp2 Xi = new(Fp.One, Fp.One);
    // psi = untwist-Frobenius-twist (RFC 9380 appendix G.3): (x, y) -> (conj(x) / xi^((p-1)/3), conj(y) / xi^((p-1)/2)).
    private static readonly Fp2 PsiX = Xi.Pow((Fp.Modulus - 1) / 3).Invert();
    private static readonly Fp2 PsiY = Xi.Pow((Fp.Modulus - 1) / 2).Invert();

    internal static Point<Fp2> Psi(Point<Fp2> p) =>
        new(p.X.Conjugate() * PsiX, p.Y.Conjugate() * PsiY, p.Z.Conjugate());

    // psi^2 (x, y) = (x PsiX conj(PsiX), y PsiY conj(PsiY)): the two norms are in Fp, and the second is -1.
    private static readonly Fp Psi2X = PsiX.Norm;

    /// <summary>psi(psi(P)) as (Psi2X X : -Y : Z): two Fp products instead of the four Fp2 products of two psi maps.</summary>
    internal static Point<Fp2> Psi2(Point<Fp2> p) => new(p.X * Psi2X, -p.Y, p.Z);

    private static Point<Fp2> MulByZ(Point<Fp2> p) => p.MulPublic(G1.AbsZ).Negate();

    /// <summary>Scott's test (eprint 2021/1130): P is in G2 exactly when psi(P) = [z] P.</summary>
    internal static bool IsInSubgroup(Point<Fp2> p) =>
        p.IsIdentity || (p.IsOnCurve() && Psi(p).Equals(MulByZ(p)));

    /// <summary>
    /// Multiplication by h_eff through psi (Budroni-Pintore, RFC 9380 appendix G.3):
    /// [z^2 - z - 1] P + [z - 1] psi(P) + psi^2(2P).
    /// </summary>
    internal static Point<Fp2> ClearCofactor(Point<Fp2> p)
    {
        var t1 = MulByZ(p);
        var t2 = Psi(p);
        var t3 = Psi2(p.Double());
        t3 -= t2;
        t2 = MulByZ(t1 + t2);
        t3 += t2;
        t3 -= t1;
        return t3 - p;
    }

    /// <summary>
    /// Constant-time [k] P for P in G2 with a 4-way GLS decomposition (Galbraith-Lin-Scott, eprint
    /// 2008/194): psi acts on G2 as [z], so k = a + b z^2 = (a0 - a1 z) + (b0 - b1 z) z^2 with a = a0 + a1 |z|
    /// and b = b0 + b1 |z|, every digit below 2^64. [k] P is then the sum of four 64-bit multiples of
    /// P, -psi(P), psi^2(P) and -psi^3(P), walked together in 13 signed 5-bit windows: 60 doublings instead
    /// of 128, and 52 additions. The splits are fixed-length divisions with masks, every table read touches
    /// all 17 entries, and the complete formulas need no branch on the identity or on doubling.
    /// </summary>
    internal static Point<Fp2> MulSecret(Point<Fp2> p, Fr k)
    {
        Span<ulong> digits = stackalloc ulong[4];
        Span<Point<Fp2>> tables = stackalloc Point<Fp2>[4 * Point<Fp2>.TableSize];
        try
        {
            FillGls(p, k, tables, digits);
            return Point<Fp2>.SumOfMultiples(tables, digits, limbsEach: 1);
        }
        finally
        {
            digits.Clear();
            tables.Clear();
        }
    }

    /// <summary>
    /// Constant-time sum of [k_i] P_i, as <see cref="MulSecret"/> does one product: the four GLS tables of every
    /// point walk the same 13 windows, so the 60 doublings are shared by all the products (Lagrange recovery
    /// of a signature from its shares).
    /// </summary>
    internal static Point<Fp2> MulSecretSum(ReadOnlySpan<Point<Fp2>> points, ReadOnlySpan<Fr> scalars)
    {
        if (points.Length != scalars.Length) throw new ArgumentException("as many scalars as points are needed");
        var digits = new ulong[4 * points.Length];
        var tables = new Point<Fp2>[4 * Point<Fp2>.TableSize * points.Length];
        try
        {
            for (int i = 0; i < points.Length; i++)
                FillGls(points[i], scalars[i], tables.AsSpan(4 * Point<Fp2>.TableSize * i, 4 * Point<Fp2>.TableSize), digits.AsSpan(4 * i, 4));
            return Point<Fp2>.SumOfMultiples(tables, digits, limbsEach: 1);
        }
        finally
        {
            Array.Clear(digits);
            Array.Clear(tables);
        }
    }

    /// <summary>
    /// The four 64-bit digits of k (k = a0 - a1 z + (b0 - b1 z) z^2, see <see cref="MulSecret"/>) and the
    /// tables [0 .. 16] of P, -psi(P), psi^2(P) and -psi^3(P) they select from; no branch on k.
    /// </summary>
    private static void FillGls(Point<Fp2> p, Fr k, Span<Point<Fp2>> tables, Span<ulong> digits)
    {
        Span<ulong> halves = stackalloc ulong[4];
        Point<Fp2>.SplitByZSquared(k.ToCanonical(), halves);
        digits[1] = Point<Fp2>.DivRemAbsZ(halves[0], halves[1], out digits[0]);
        digits[3] = Point<Fp2>.DivRemAbsZ(halves[2], halves[3], out digits[2]);
        halves.Clear();
        const int n = Point<Fp2>.TableSize;
        var t0 = tables[..n];
        var t1 = tables[n..(2 * n)];
        var t2 = tables[(2 * n)..(3 * n)];
        var t3 = tables[(3 * n)..];
        Point<Fp2>.FillMultiples(t0, p);
        for (int i = 0; i < n; i++)
        {
            t1[i] = Psi(t0[i]).Negate();
            t2[i] = Psi2(t0[i]);
            t3[i] = Psi(t2[i]).Negate();
        }
    }

    internal static void Compress(Point<Fp2> p, Span<byte> out96)
    {
        if (!p.TryToAffine(out var x, out var y))
        {
            out96.Clear();
            out96[0] = 0xc0;
            return;
        }
        x.C1.WriteBytes(out96);
        x.C0.WriteBytes(out96[48..]);
        out96[0] |= (byte)(0x80 | (y.IsLexicographicallyLargest ? 0x20 : 0));
    }

    internal static byte[] Compress(Point<Fp2> p)
    {
        var b = new byte[96];
        Compress(p, b);
        return b;
    }

    internal static byte[] Uncompressed(Point<Fp2> p)
    {
        var b = new byte[192];
        if (!p.TryToAffine(out var x, out var y))
        {
            b[0] = 0x40;
            return b;
        }
        x.C1.WriteBytes(b);
        x.C0.WriteBytes(b.AsSpan(48));
        y.C1.WriteBytes(b.AsSpan(96));
        y.C0.WriteBytes(b.AsSpan(144));
        return b;
    }

    /// <summary>
    /// ZCash encoding, compressed (96 bytes) or uncompressed (192 bytes); each Fp2 is imaginary part first.
    /// Same flag rules as G1. The subgroup is not checked here.
    /// </summary>
    internal static bool TryDecode(ReadOnlySpan<byte> bytes, out Point<Fp2> point)
    {
        point = Point<Fp2>.Identity;
        Span<byte> buf = stackalloc byte[48];
        if (!ZcashEncoding.TryReadHeader(bytes, 96, buf, out bool compressed, out bool identity, out bool sort)) return false;
        if (identity) return true;
        if (!Fp.TryFromBytes(buf, out var x1) || !Fp.TryFromBytes(bytes.Slice(48, 48), out var x0)) return false;
        var x = new Fp2(x0, x1);
        if (compressed)
        {
            if (!(x.Square() * x + Fp2.CurveB).TrySqrt(out var y)) return false;
            if (y.IsLexicographicallyLargest != sort) y = -y;
            point = Point<Fp2>.FromAffine(x, y);
            return true;
        }
        if (!Fp.TryFromBytes(bytes.Slice(96, 48), out var y1) || !Fp.TryFromBytes(bytes.Slice(144, 48), out var y0)) return false;
        point = Point<Fp2>.FromAffine(x, new Fp2(y0, y1));
        return point.IsOnCurve();
    }

    internal static bool TryDecodeInSubgroup(ReadOnlySpan<byte> bytes, out Point<Fp2> point) =>
        TryDecode(bytes, out point) && IsInSubgroup(point);
}
