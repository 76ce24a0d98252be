using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>
/// A sidecar says which validators it holds shares of, with every public share of each cluster and
/// its threshold, so the relayer can verify each submitted share before it stores it.
/// </summary>
public sealed record KeySharesAnnounced
{
    public required string SidecarId { get; init; }
    public required string Network { get; init; }
    public required IReadOnlyList<AnnouncedValidator> Validators { get; init; }
}

/// <param name="PublicShares">Every member's public share, at its share index (x-coordinate).</param>
/// <param name="HeldShareIndexes">The share indexes this sidecar signs with.</param>
public sealed record AnnouncedValidator(
    BlsPublicKey ValidatorPublicKey,
    int Threshold,
    IReadOnlyList<IndexedPublicShare> PublicShares,
    IReadOnlyList<ulong> HeldShareIndexes);

public sealed record IndexedPublicShare(ulong ShareIndex, BlsPublicKey PublicKey);
