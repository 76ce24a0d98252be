using System.Security.Cryptography;
using System.Text;

namespace DvtBus.Bls;

/// <summary>
/// RFC 9380 hash_to_curve with expand_message_xmd(SHA-256): BLS12381G2_XMD:SHA-256_SSWU_RO_ (3-isogeny)
/// and BLS12381G1_XMD:SHA-256_SSWU_RO_ (11-isogeny). Messages are public, so plain branches are fine here.
/// </summary>
internal static class HashToCurve
{
    internal static readonly byte[] PopDst = Encoding.ASCII.GetBytes("BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_");

    /// <summary>RFC 9380 section 5.3.1.</summary>
    internal static byte[] ExpandMessageXmd(ReadOnlySpan<byte> msg, ReadOnlySpan<byte> dst, int lenInBytes)
    {
        const int bInBytes = 32, sInBytes = 64;
        byte[] dstBytes = dst.Length > 255
            ? SHA256.HashData([.. Encoding.ASCII.GetBytes("H2C-OVERSIZE-DST-"), .. dst])
            : dst.ToArray();
        int ell = (lenInBytes + bInBytes - 1) / bInBytes;
        if (ell > 255 || lenInBytes > 65535) throw new ArgumentException("requested too many bytes");
        byte[] dstPrime = [.. dstBytes, (byte)dstBytes.Length];

        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(new byte[sInBytes]);
        h.AppendData(msg);
        h.AppendData([(byte)(lenInBytes >> 8), (byte)lenInBytes, 0]);
        h.AppendData(dstPrime);
        byte[] b0 = h.GetHashAndReset();

        var output = new byte[ell * bInBytes];
        Span<byte> prev = stackalloc byte[bInBytes];
        h.AppendData(b0);
        h.AppendData([1]);
        h.AppendData(dstPrime);
        h.GetHashAndReset(prev);
        prev.CopyTo(output);
        Span<byte> mixed = stackalloc byte[bInBytes];
        for (int i = 2; i <= ell; i++)
        {
            for (int j = 0; j < bInBytes; j++) mixed[j] = (byte)(b0[j] ^ prev[j]);
            h.AppendData(mixed);
            h.AppendData([(byte)i]);
            h.AppendData(dstPrime);
            h.GetHashAndReset(prev);
            prev.CopyTo(output.AsSpan((i - 1) * bInBytes));
        }
        return output.AsSpan(0, lenInBytes).ToArray();
    }

    internal static Point<Fp2> HashToG2(ReadOnlySpan<byte> msg, ReadOnlySpan<byte> dst)
    {
        var uniform = ExpandMessageXmd(msg, dst, 256);
        var u0 = new Fp2(Fp.FromWideBytes(uniform.AsSpan(0, 64)), Fp.FromWideBytes(uniform.AsSpan(64, 64)));
        var u1 = new Fp2(Fp.FromWideBytes(uniform.AsSpan(128, 64)), Fp.FromWideBytes(uniform.AsSpan(192, 64)));
        return G2.ClearCofactor(MapToG2Pair(u0, u1));
    }

    /// <summary>
    /// map_to_curve(u0) + map_to_curve(u1) with one inversion for both SSWU denominators (Montgomery's trick); a zero
    /// denominator (the exceptional u) takes no part in it and gets its own x.
    /// </summary>
    internal static Point<Fp2> MapToG2Pair(Fp2 u0, Fp2 u1)
    {
        var zu0 = G2Z * u0.Square();
        var zu1 = G2Z * u1.Square();
        var den0 = zu0.Square() + zu0;
        var den1 = zu1.Square() + zu1;
        var inverse = ((den0.IsZero ? Fp2.One : den0) * (den1.IsZero ? Fp2.One : den1)).InvertPublic();
        return MapToG2(u0, zu0, den0.IsZero ? null : den1.IsZero ? inverse : inverse * den1)
            + MapToG2(u1, zu1, den1.IsZero ? null : den0.IsZero ? inverse : inverse * den0);
    }

    internal static Point<Fp> HashToG1(ReadOnlySpan<byte> msg, ReadOnlySpan<byte> dst)
    {
        var uniform = ExpandMessageXmd(msg, dst, 128);
        var q = MapToG1(Fp.FromWideBytes(uniform.AsSpan(0, 64))) + MapToG1(Fp.FromWideBytes(uniform.AsSpan(64, 64)));
        // h_eff for G1 is 1 - z = 0xd201000000010001.
        return q.MulPublic(G1.AbsZ + 1);
    }

    /// <summary>Evaluates an isogeny given as ascending coefficient lists; returns the image in projective form.</summary>
    private static Point<F> Isogeny<F>(F x, F y, F[] xNum, F[] xDen, F[] yNum, F[] yDen) where F : unmanaged, IField<F>
    {
        static F Horner(F[] k, F x)
        {
            var acc = k[^1];
            for (int i = k.Length - 2; i >= 0; i--) acc = acc * x + k[i];
            return acc;
        }
        var xn = Horner(xNum, x);
        var xd = Horner(xDen, x);
        var yn = Horner(yNum, x);
        var yd = Horner(yDen, x);
        // (xn / xd, y yn / yd) = (xn yd : y yn xd : xd yd)
        return new Point<F>(xn * yd, y * yn * xd, xd * yd);
    }

    private static readonly Fp2 G2A = new(Fp.Zero, Fp.FromUInt64(240));
    private static readonly Fp2 G2B = new(Fp.FromUInt64(1012), Fp.FromUInt64(1012));
    private static readonly Fp2 G2Z = new(-Fp.FromUInt64(2), -Fp.One);
    // -B / A, and B / (Z A): the SSWU x when Z^2 u^4 + Z u^2 = 0.
    private static readonly Fp2 G2MinusBOverA = -G2B * G2A.Invert();
    private static readonly Fp2 G2BOverZa = G2B * (G2Z * G2A).Invert();

    // 5 sqrt(-5): N(Z)^3 = 125 and sqrt(125 N) = 5 sqrt(-5) sqrt(-N) (-5 is a square mod p: 5 and -1 are not).
    private static readonly Fp FiveRootMinusFive = Fp.FromUInt64(5) * RootOf(-Fp.FromUInt64(5));

    private static Fp RootOf(Fp v) => v.TrySqrt(out var r) ? r : throw new InvalidOperationException("constant must be a square");

    /// <summary>
    /// Simplified SWU onto E' over Fp2 (RFC 9380 section 6.6.2) with one norm root for both candidates:
    /// when g(x1) is not a square, g(x2) = (Z u^2)^3 g(x1), so the norm root of g(x2) is
    /// N(u)^3 5 sqrt(-5) times the value n with n^2 = -N(g(x1)) that the failed attempt left behind.
    /// </summary>
    /// <summary>map_to_curve for one u with its own inversion (the exceptional u = 0 included).</summary>
    internal static Point<Fp2> MapToG2(Fp2 u)
    {
        var zu2 = G2Z * u.Square();
        var den = zu2.Square() + zu2;
        return MapToG2(u, zu2, den.IsZero ? null : den.InvertPublic());
    }

    /// <param name="u">The field element to map.</param>
    /// <param name="zu2">Z u^2.</param>
    /// <param name="denominatorInverse">1 / (Z^2 u^4 + Z u^2), or null when that is zero.</param>
    private static Point<Fp2> MapToG2(Fp2 u, Fp2 zu2, Fp2? denominatorInverse)
    {
        var x = denominatorInverse is { } inverse ? G2MinusBOverA * (Fp2.One + inverse) : G2BOverZa;
        var gx = (x.Square() + G2A) * x + G2B;
        Fp2 y;
        if (gx.TryNormRoot(out var n))
        {
            if (!gx.TrySqrtGivenNormRoot(n, out y)) throw new InvalidOperationException("SSWU: g(x1) must have a root");
        }
        else
        {
            x = zu2 * x;
            gx = (x.Square() + G2A) * x + G2B;
            var normU = u.Norm;
            if (!gx.TrySqrtGivenNormRoot(normU.Square() * normU * FiveRootMinusFive * n, out y))
                throw new InvalidOperationException("SSWU: g(x2) must be square");
        }
        if (u.Sgn0 != y.Sgn0) y = -y;
        return Isogeny(x, y, Iso3.XNum, Iso3.XDen, Iso3.YNum, Iso3.YDen);
    }

    private static readonly Fp G1A = Fp.FromHex("144698a3b8e9433d693a02c96d4982b0ea985383ee66a8d8e8981aefd881ac98936f8da0e0f97f5cf428082d584c1d");
    private static readonly Fp G1B = Fp.FromHex("12e2908d11688030018b12e8753eee3b2016c1f0f24f4070a0b9c14fcef35ef55a23215a316ceaa5d1cc48e98e172be0");
    private static readonly Fp G1Z = Fp.FromUInt64(11);
    private static readonly Fp G1MinusBOverA = -G1B * G1A.Invert();
    private static readonly Fp G1BOverZa = G1B * (G1Z * G1A).Invert();

    /// <summary>Simplified SWU onto E' over Fp (RFC 9380 section 6.6.2), then the 11-isogeny.</summary>
    private static Point<Fp> MapToG1(Fp u)
    {
        var zu2 = G1Z * u.Square();
        var den = zu2.Square() + zu2;
        var x = den.IsZero ? G1BOverZa : G1MinusBOverA * (Fp.One + den.InvertPublic());
        if (!((x.Square() + G1A) * x + G1B).TrySqrt(out var y))
        {
            x = zu2 * x;
            if (!((x.Square() + G1A) * x + G1B).TrySqrt(out y)) throw new InvalidOperationException("SSWU: g(x2) must be square");
        }
        if (u.Parity != y.Parity) y = -y;
        return Isogeny(x, y, Iso11.XNum, Iso11.XDen, Iso11.YNum, Iso11.YDen);
    }
}
