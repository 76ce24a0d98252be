using DvtBus.Bls;
using DvtBus.Primitives;

namespace DvtBus.Sidecar.Worker.Keys;

/// <summary>
/// A validator this process holds shares of: its cluster (threshold and every public share, by share
/// index) and the secret shares held here, each already checked against its public share.
/// </summary>
internal sealed class HeldValidator
{
    private readonly SortedDictionary<ulong, BlsSecretKey> _shares = [];

    public HeldValidator(BlsPublicKey publicKey, int threshold, IReadOnlyList<IndexedPublicKey> publicShares, string source)
    {
        PublicKey = publicKey;
        Threshold = threshold;
        PublicShares = publicShares.OrderBy(s => s.Id).ToArray();
        Source = source;
    }

    public BlsPublicKey PublicKey { get; }
    public int Threshold { get; }
    public IReadOnlyList<IndexedPublicKey> PublicShares { get; }

    /// <summary>The file the cluster was first read from, for error messages.</summary>
    public string Source { get; }

    public IReadOnlyCollection<ulong> HeldShareIndexes => _shares.Keys;

    /// <summary>One signature per held share, each bound to its share index.</summary>
    public IReadOnlyList<IndexedSignature> Sign(ReadOnlySpan<byte> message)
    {
        var signatures = new IndexedSignature[_shares.Count];
        var i = 0;
        foreach (var (index, share) in _shares) signatures[i++] = new IndexedSignature(index, share.Sign(message));
        return signatures;
    }

    internal bool SameCluster(int threshold, IReadOnlyList<IndexedPublicKey> publicShares) =>
        threshold == Threshold && publicShares.OrderBy(s => s.Id).SequenceEqual(PublicShares);

    internal bool TryAdd(ulong shareIndex, BlsSecretKey share) => _shares.TryAdd(shareIndex, share);

    internal void DisposeShares()
    {
        foreach (var share in _shares.Values) share.Dispose();
        _shares.Clear();
    }
}

/// <summary>Every validator share this sidecar holds, loaded and checked at start-up by <see cref="KeyLoader"/>.</summary>
internal sealed class KeyRing : IDisposable
{
    private readonly Dictionary<BlsPublicKey, HeldValidator> _validators = [];

    public IReadOnlyCollection<HeldValidator> Validators => _validators.Values;

    public int ShareCount => _validators.Values.Sum(v => v.HeldShareIndexes.Count);

    public HeldValidator? Find(BlsPublicKey validator) => _validators.GetValueOrDefault(validator);

    /// <summary>
    /// Adds a share. The same validator may come from several nodes or operators of one cluster, but
    /// then its threshold and public shares must agree, and no share index may be given twice.
    /// Takes ownership of <paramref name="share"/>.
    /// </summary>
    internal void Add(BlsPublicKey validator, int threshold, IReadOnlyList<IndexedPublicKey> publicShares,
        ulong shareIndex, BlsSecretKey share, string source)
    {
        if (!_validators.TryGetValue(validator, out var held))
        {
            // A file whose public shares are not the validator's (a keyshares file put together wrongly) would have
            // this node announce, and sign for, a cluster that is not the key's: refused before anything is signed.
            if (PublicSharesProblem(validator, threshold, publicShares) is { } problem)
            {
                share.Dispose();
                throw new KeyLoadException($"{source}: validator {validator}: {problem}");
            }
            held = new HeldValidator(validator, threshold, publicShares, source);
            _validators.Add(validator, held);
        }
        else if (!held.SameCluster(threshold, publicShares))
        {
            share.Dispose();
            throw new KeyLoadException($"{source}: validator {validator} has a different threshold or public shares than in {held.Source}");
        }
        if (!held.TryAdd(shareIndex, share))
        {
            share.Dispose();
            throw new KeyLoadException($"{source}: share index {shareIndex} of validator {validator} is configured twice");
        }
    }

    private static string? PublicSharesProblem(BlsPublicKey validator, int threshold, IReadOnlyList<IndexedPublicKey> publicShares)
    {
        if (threshold < 1 || threshold > publicShares.Count) return $"threshold {threshold} is not between 1 and its {publicShares.Count} public shares";
        try
        {
            return BlsThreshold.InconsistentWindow(validator, threshold, publicShares) is { } window
                ? $"public shares {string.Join(",", window.Select(s => s.Id))} do not interpolate to the validator key"
                : null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    public void Dispose()
    {
        foreach (var held in _validators.Values) held.DisposeShares();
    }
}

/// <summary>
/// Key shares that cannot be used: the daemon refuses to start with one line naming the file and the
/// validator, and exit code 78 (a person must fix it; restarting would only decrypt the keystores again).
/// </summary>
public sealed class KeyLoadException : InvalidOperationException, DvtBus.Hosting.IConfigurationProblem
{
    public KeyLoadException(string message) : base(message) { }

    public KeyLoadException(string message, Exception inner) : base(message, inner) { }
}
