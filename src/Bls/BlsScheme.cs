using System.Security.Cryptography;
using DvtBus.Primitives;

namespace DvtBus.Bls;

/// <summary>
/// The Ethereum proof-of-possession ciphersuite (BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_).
/// The one class a native backend would replace. Verification never throws on bad input.
/// </summary>
public static class BlsScheme
{
    public static bool Verify(BlsPublicKey publicKey, ReadOnlySpan<byte> message, BlsSignature signature) =>
        TryPublicKey(publicKey, out var pk) && TrySignature(signature, out var sig) && CoreVerify(pk, message, sig);

    /// <summary>IETF KeyValidate: a canonical encoding of a non-identity point of G1.</summary>
    public static bool KeyValidate(BlsPublicKey publicKey) => TryPublicKey(publicKey, out _);

    /// <summary>A canonical encoding of a point of G2 (the identity included, as the IETF subgroup check allows it).</summary>
    public static bool SignatureValidate(BlsSignature signature) => TrySignature(signature, out _);

    /// <summary>Sum of the signatures; throws ArgumentException when the list is empty or holds an invalid point.</summary>
    public static BlsSignature Aggregate(IReadOnlyList<BlsSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        if (signatures.Count == 0) throw new ArgumentException("nothing to aggregate", nameof(signatures));
        var sum = Point<Fp2>.Identity;
        for (int i = 0; i < signatures.Count; i++)
        {
            if (!TrySignature(signatures[i], out var s))
                throw new ArgumentException($"signature {i} is not a valid G2 point", nameof(signatures));
            sum += s;
        }
        return BlsSignature.From(G2.Compress(sum));
    }

    /// <summary>Sum of the keys; throws ArgumentException when the list is empty or a key fails KeyValidate.</summary>
    public static BlsPublicKey AggregatePublicKeys(IReadOnlyList<BlsPublicKey> publicKeys)
    {
        ArgumentNullException.ThrowIfNull(publicKeys);
        if (publicKeys.Count == 0) throw new ArgumentException("nothing to aggregate", nameof(publicKeys));
        return BlsPublicKey.From(G1.Compress(SumPublicKeys(publicKeys)
            ?? throw new ArgumentException("a public key is not a valid G1 point", nameof(publicKeys))));
    }

    public static bool FastAggregateVerify(IReadOnlyList<BlsPublicKey> publicKeys, ReadOnlySpan<byte> message, BlsSignature signature)
    {
        if (publicKeys is null || publicKeys.Count == 0) return false;
        return SumPublicKeys(publicKeys) is { } pk && TrySignature(signature, out var sig) && CoreVerify(pk, message, sig);
    }

    /// <summary>One signature over distinct or equal messages, one per key (the POP scheme needs no distinctness).</summary>
    public static bool AggregateVerify(IReadOnlyList<BlsPublicKey> publicKeys, IReadOnlyList<byte[]> messages, BlsSignature signature)
    {
        if (publicKeys is null || messages is null || publicKeys.Count == 0 || publicKeys.Count != messages.Count) return false;
        if (!TrySignature(signature, out var sig)) return false;
        var ps = new Point<Fp>[publicKeys.Count + 1];
        var qs = new Point<Fp2>[publicKeys.Count + 1];
        for (int i = 0; i < publicKeys.Count; i++)
        {
            if (messages[i] is null || !TryPublicKey(publicKeys[i], out ps[i])) return false;
            qs[i] = HashToCurve.HashToG2(messages[i], HashToCurve.PopDst);
        }
        ps[^1] = G1.Generator.Negate();
        qs[^1] = sig;
        return Pairing.ProductIsOne(ps, qs);
    }

    /// <summary>
    /// All sets valid or not, in one multi-pairing: each set is weighted by a fresh random non-zero 64-bit
    /// scalar so that invalid sets cannot cancel each other out.
    /// </summary>
    public static bool BatchVerify(IReadOnlyList<SignatureSet> sets)
    {
        if (sets is null || sets.Count == 0) return false;
        var ps = new Point<Fp>[sets.Count + 1];
        var qs = new Point<Fp2>[sets.Count + 1];
        var sigSum = Point<Fp2>.Identity;
        Span<byte> rnd = stackalloc byte[8];
        for (int i = 0; i < sets.Count; i++)
        {
            var set = sets[i];
            if (set?.Message is null || !TryPublicKey(set.PublicKey, out var pk) || !TrySignature(set.Signature, out var sig))
                return false;
            ulong r;
            do
            {
                RandomNumberGenerator.Fill(rnd);
                r = BitConverter.ToUInt64(rnd);
            } while (r == 0);
            ps[i] = pk.MulPublic(r);
            qs[i] = HashToCurve.HashToG2(set.Message, HashToCurve.PopDst);
            sigSum += sig.MulPublic(r);
        }
        ps[^1] = G1.Generator.Negate();
        qs[^1] = sigSum;
        return Pairing.ProductIsOne(ps, qs);
    }

    internal static bool CoreVerify(Point<Fp> pk, ReadOnlySpan<byte> message, Point<Fp2> sig)
    {
        var h = HashToCurve.HashToG2(message, HashToCurve.PopDst);
        return Pairing.ProductIsOne([pk, G1.Generator.Negate()], [h, sig]);
    }

    private static Point<Fp>? SumPublicKeys(IReadOnlyList<BlsPublicKey> publicKeys)
    {
        var sum = Point<Fp>.Identity;
        foreach (var key in publicKeys)
        {
            if (!TryPublicKey(key, out var p)) return null;
            sum += p;
        }
        return sum;
    }

    internal static bool TryPublicKey(BlsPublicKey publicKey, out Point<Fp> point)
    {
        point = Point<Fp>.Identity;
        ReadOnlySpan<byte> bytes;
        try
        {
            bytes = publicKey.Span;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        return G1.TryDecodeInSubgroup(bytes, out point) && !point.IsIdentity;
    }

    internal static bool TrySignature(BlsSignature signature, out Point<Fp2> point)
    {
        point = Point<Fp2>.Identity;
        ReadOnlySpan<byte> bytes;
        try
        {
            bytes = signature.Span;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        return G2.TryDecodeInSubgroup(bytes, out point);
    }
}

public sealed record SignatureSet(BlsPublicKey PublicKey, byte[] Message, BlsSignature Signature);
