using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.Sidecar.Worker.Keys;
using Microsoft.Extensions.Options;

namespace DvtBus.Sidecar.Worker.Exits;

/// <summary>
/// Signs voluntary exits with every held share, always with the Capella-pinned signing root of this
/// sidecar's own network (the one place both transports sign). BLS signatures are deterministic, so a
/// bounded cache makes a repeated request free and a restart that forgets it harmless.
/// </summary>
internal sealed class ExitSigner(SidecarKeys keys, Network network, SidecarMetrics metrics, IOptions<SidecarOptions> options)
{
    private readonly SignatureCache _cache = new(options.Value.SignatureCacheSize);

    public Network Network => network;

    public bool IsOwnNetwork(string? name) => string.Equals(name?.Trim(), network.Name, StringComparison.OrdinalIgnoreCase);

    public bool Holds(BlsPublicKey validator) => keys.Ring.Find(validator) is not null;

    /// <summary>The held shares' signatures of the exit of <paramref name="validator"/> at <paramref name="validatorIndex"/>; empty when no share is held.</summary>
    public IReadOnlyList<IndexedSignature> Sign(BlsPublicKey validator, ulong validatorIndex)
    {
        var held = keys.Ring.Find(validator);
        if (held is null)
        {
            metrics.IgnoredNotHeld();
            return [];
        }
        if (_cache.TryGet(validator, validatorIndex, out var cached))
        {
            metrics.CacheHit();
            return cached;
        }
        var root = ExitSigning.SigningRoot(network, ExitSigning.Exit(network, validatorIndex));
        var signatures = held.Sign(root.Span);
        metrics.Signed(signatures.Count);
        _cache.Add(validator, validatorIndex, signatures);
        return signatures;
    }

    private sealed class SignatureCache(int capacity)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<(BlsPublicKey, ulong), IReadOnlyList<IndexedSignature>> _entries = [];
        private readonly Queue<(BlsPublicKey, ulong)> _order = new();

        public bool TryGet(BlsPublicKey validator, ulong index, out IReadOnlyList<IndexedSignature> signatures)
        {
            lock (_gate)
            {
                if (_entries.TryGetValue((validator, index), out var found))
                {
                    signatures = found;
                    return true;
                }
            }
            signatures = [];
            return false;
        }

        // Two concurrent requests for one exit may both sign; the second Add keeps the first entry.
        public void Add(BlsPublicKey validator, ulong index, IReadOnlyList<IndexedSignature> signatures)
        {
            lock (_gate)
            {
                if (!_entries.TryAdd((validator, index), signatures)) return;
                _order.Enqueue((validator, index));
                while (_order.Count > capacity) _entries.Remove(_order.Dequeue());
            }
        }
    }
}
