using DvtBus.Primitives;

namespace DvtBus.Bls;

/// <summary>Shamir shares of a BLS key at 1-based x-coordinates, Lagrange recovery at x = 0, oracle re-sharing.</summary>
public static class BlsThreshold
{
    /// <summary>
    /// A random polynomial of degree threshold - 1 whose constant term is the key; share i is its value at ids[i]
    /// (charon node positions 1..n or SSV operator ids). Ids must be non-zero and distinct.
    /// </summary>
    public static IReadOnlyList<BlsKeyShare> Split(BlsSecretKey key, int threshold, IReadOnlyList<ulong> ids)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(ids);
        if (threshold < 1 || threshold > ids.Count)
            throw new ArgumentException($"threshold must be between 1 and the number of shares ({ids.Count}), got {threshold}", nameof(threshold));
        CheckIds(ids, nameof(ids));
        var coefficients = new Fr[threshold];
        try
        {
            coefficients[0] = key.Scalar;
            for (int k = 1; k < threshold; k++) coefficients[k] = Fr.Random();
            var shares = new BlsKeyShare[ids.Count];
            for (int i = 0; i < ids.Count; i++)
            {
                var x = Fr.FromUInt64(ids[i]);
                var y = coefficients[threshold - 1];
                for (int k = threshold - 2; k >= 0; k--) y = y * x + coefficients[k];
                shares[i] = new BlsKeyShare(ids[i], BlsSecretKey.FromScalar(y));
            }
            return shares;
        }
        finally
        {
            Array.Clear(coefficients);
        }
    }

    /// <summary>
    /// Lagrange interpolation at x = 0 over exactly the given shares (pass threshold of them). The
    /// coefficients are public, but full-size scalars go fastest through the endomorphism-split
    /// multiplication, here with one run of doublings for all the shares.
    /// </summary>
    public static BlsSignature RecoverSignature(IReadOnlyList<IndexedSignature> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        var ids = shares.Select(s => s.Id).ToArray();
        var lambdas = LagrangeAtZero(ids, nameof(shares));
        var points = new Point<Fp2>[shares.Count];
        for (int i = 0; i < shares.Count; i++)
            if (!BlsScheme.TrySignature(shares[i].Signature, out points[i]))
                throw new ArgumentException($"signature share {shares[i].Id} is not a valid G2 point", nameof(shares));
        return BlsSignature.From(G2.Compress(G2.MulSecretSum(points, lambdas)));
    }

    public static BlsPublicKey RecoverPublicKey(IReadOnlyList<IndexedPublicKey> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        var ids = shares.Select(s => s.Id).ToArray();
        var lambdas = LagrangeAtZero(ids, nameof(shares));
        var sum = Point<Fp>.Identity;
        for (int i = 0; i < shares.Count; i++)
        {
            if (!BlsScheme.TryPublicKey(shares[i].PublicKey, out var p))
                throw new ArgumentException($"public key share {shares[i].Id} is not a valid G1 point", nameof(shares));
            sum += G1.MulSecret(p, lambdas[i]);
        }
        return BlsPublicKey.From(G1.Compress(sum));
    }

    /// <summary>
    /// The first window of <paramref name="threshold"/> consecutive public shares (by id) that does not interpolate
    /// to <paramref name="key"/>, or null when every one does. Neighbouring windows share t - 1 points, so two that
    /// both give the key lie on one polynomial of degree t - 1: the n - t + 1 windows prove every share consistent with
    /// the key. The shares must be valid G1 points with distinct non-zero ids and threshold at most their count.
    /// </summary>
    public static IReadOnlyList<IndexedPublicKey>? InconsistentWindow(BlsPublicKey key, int threshold, IReadOnlyList<IndexedPublicKey> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (threshold < 1 || threshold > shares.Count) throw new ArgumentOutOfRangeException(nameof(threshold));
        var ordered = shares.OrderBy(s => s.Id).ToArray();
        for (var start = 0; start + threshold <= ordered.Length; start++)
        {
            var window = ordered[start..(start + threshold)];
            if (RecoverPublicKey(window) != key) return window;
        }
        return null;
    }

    /// <summary>
    /// Re-shares a full signature S of message under PK into count shards for oracles without the secret key
    /// (PROTOCOL.md): with random r_1..r_{t-1} and H = hash_to_G2(message), sigma_x = S + sum x^k r_k H and
    /// pk_x = PK + sum x^k r_k G1 for x = 1..count. Throws ArgumentException unless S verifies under PK.
    /// </summary>
    public static OracleShards Reshare(BlsSignature signature, BlsPublicKey publicKey, ReadOnlySpan<byte> message, int threshold, int count)
    {
        if (threshold < 1 || count < threshold)
            throw new ArgumentException($"need 1 <= threshold <= count, got threshold {threshold} and count {count}", nameof(threshold));
        if (!BlsScheme.TryPublicKey(publicKey, out var pk))
            throw new ArgumentException("the public key is not a valid G1 point", nameof(publicKey));
        if (!BlsScheme.TrySignature(signature, out var sig))
            throw new ArgumentException("the signature is not a valid G2 point", nameof(signature));
        if (!BlsScheme.CoreVerify(pk, message, sig))
            throw new ArgumentException("the signature does not verify under the public key for this message", nameof(signature));

        var h = HashToCurve.HashToG2(message, HashToCurve.PopDst);
        var g2Coefficients = new Point<Fp2>[threshold];
        var g1Coefficients = new Point<Fp>[threshold];
        g2Coefficients[0] = sig;
        g1Coefficients[0] = pk;
        for (int k = 1; k < threshold; k++)
        {
            var r = Fr.Random();
            g2Coefficients[k] = G2.MulSecret(h, r);
            g1Coefficients[k] = G1.MulSecret(G1.Generator, r);
        }
        var pks = new BlsPublicKey[count];
        var sigs = new BlsSignature[count];
        for (int i = 0; i < count; i++)
        {
            ulong x = (ulong)i + 1;
            var s = g2Coefficients[threshold - 1];
            var p = g1Coefficients[threshold - 1];
            for (int k = threshold - 2; k >= 0; k--)
            {
                s = s.MulPublic(x) + g2Coefficients[k];
                p = p.MulPublic(x) + g1Coefficients[k];
            }
            sigs[i] = BlsSignature.From(G2.Compress(s));
            pks[i] = BlsPublicKey.From(G1.Compress(p));
        }
        Array.Clear(g2Coefficients);
        Array.Clear(g1Coefficients);
        return new OracleShards(pks, sigs);
    }

    private static void CheckIds(IReadOnlyList<ulong> ids, string paramName)
    {
        if (ids.Count == 0) throw new ArgumentException("no share ids given", paramName);
        var seen = new HashSet<ulong>();
        foreach (var id in ids)
        {
            if (id == 0) throw new ArgumentException("share id 0 is the secret itself and never a valid share id", paramName);
            if (!seen.Add(id)) throw new ArgumentException($"share id {id} appears twice", paramName);
        }
    }

    /// <summary>lambda_i = prod_{j != i} x_j / (x_j - x_i).</summary>
    internal static Fr[] LagrangeAtZero(IReadOnlyList<ulong> ids, string paramName)
    {
        CheckIds(ids, paramName);
        var xs = ids.Select(Fr.FromUInt64).ToArray();
        var lambdas = new Fr[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            Fr num = Fr.One, den = Fr.One;
            for (int j = 0; j < xs.Length; j++)
            {
                if (j == i) continue;
                num *= xs[j];
                den *= xs[j] - xs[i];
            }
            lambdas[i] = num * den.Invert();
        }
        return lambdas;
    }
}

public sealed record BlsKeyShare(ulong Id, BlsSecretKey Key);
public readonly record struct IndexedSignature(ulong Id, BlsSignature Signature);
public readonly record struct IndexedPublicKey(ulong Id, BlsPublicKey PublicKey);

/// <summary>Shard k (0-based) belongs to oracle k and carries x = k + 1.</summary>
public sealed record OracleShards(IReadOnlyList<BlsPublicKey> PublicKeys, IReadOnlyList<BlsSignature> Signatures);
