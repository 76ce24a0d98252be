using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math.EC;
using BcInteger = Org.BouncyCastle.Math.BigInteger;

namespace DvtBus.Ethereum.Crypto;

/// <summary>The curve arithmetic behind keys, signatures and recovery; kept internal so that callers only see value types.</summary>
internal static class Secp256k1
{
    private static readonly Org.BouncyCastle.Asn1.X9.X9ECParameters Curve = SecNamedCurves.GetByName("secp256k1");
    internal static readonly ECDomainParameters Domain = new(Curve.Curve, Curve.G, Curve.N, Curve.H);
    internal static readonly BcInteger N = Curve.N;
    private static readonly BcInteger HalfN = Curve.N.ShiftRight(1);

    internal static BcInteger ToInteger(ReadOnlySpan<byte> bigEndian) => new(1, bigEndian.ToArray());

    internal static byte[] To32Bytes(BcInteger value)
    {
        var raw = value.ToByteArrayUnsigned();
        var result = new byte[32];
        raw.CopyTo(result, 32 - raw.Length);
        return result;
    }

    internal static bool IsValidScalar(BcInteger d) => d.SignValue > 0 && d.CompareTo(N) < 0;

    /// <summary>The 64-byte uncompressed public key (x || y) without the 0x04 prefix.</summary>
    internal static byte[] PublicKey(BcInteger d)
    {
        var point = Domain.G.Multiply(d).Normalize();
        return point.GetEncoded(false)[1..];
    }

    /// <summary>RFC 6979 deterministic ECDSA, normalised to low s (EIP-2) with the recovery id that reproduces the key.</summary>
    internal static (byte[] R, byte[] S, int RecoveryId) Sign(BcInteger d, ReadOnlySpan<byte> hash32, byte[] publicKey64)
    {
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, new ECPrivateKeyParameters(d, Domain));
        var rs = signer.GenerateSignature(hash32.ToArray());
        var r = rs[0];
        var s = rs[1];
        if (s.CompareTo(HalfN) > 0) s = N.Subtract(s);
        for (var recId = 0; recId < 2; recId++)
        {
            var recovered = Recover(hash32, r, s, recId);
            if (recovered is not null && recovered.AsSpan().SequenceEqual(publicKey64))
                return (To32Bytes(r), To32Bytes(s), recId);
        }
        // Unreachable for a correct signature; refusing beats emitting one nobody can recover.
        throw new InvalidOperationException("signature recovery id could not be determined");
    }

    /// <summary>SEC 1 v2 section 4.1.6: the public key for (r, s) and the parity of R, or null when there is none.</summary>
    internal static byte[]? Recover(ReadOnlySpan<byte> hash32, BcInteger r, BcInteger s, int recId)
    {
        if (!IsValidScalar(r) || !IsValidScalar(s) || recId is < 0 or > 1) return null;
        // x = r only: r + n would exceed the field prime for all but a negligible set of values, which Ethereum's v cannot express.
        var prime = ((FpCurve)Domain.Curve).Q;
        if (r.CompareTo(prime) >= 0) return null;
        var encoded = new byte[33];
        encoded[0] = (byte)(0x02 | recId);
        To32Bytes(r).CopyTo(encoded, 1);
        ECPoint rPoint;
        try
        {
            rPoint = Domain.Curve.DecodePoint(encoded);
        }
        catch (ArgumentException)
        {
            return null;
        }
        var e = ToInteger(hash32);
        var rInv = r.ModInverse(N);
        var u1 = N.Subtract(e).Multiply(rInv).Mod(N);
        var u2 = s.Multiply(rInv).Mod(N);
        var q = ECAlgorithms.SumOfTwoMultiplies(Domain.G, u1, rPoint, u2).Normalize();
        if (q.IsInfinity) return null;
        return q.GetEncoded(false)[1..];
    }
}
