using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>
/// The operator asks for exit signatures of a batch. The relayer records one exit per validator and
/// the sidecars sign: each sidecar computes the signing root itself from the network and the index.
/// </summary>
public sealed record ExitRequested
{
    public required Guid BatchId { get; init; }
    public required string Network { get; init; }
    public required Address Vault { get; init; }
    public required IReadOnlyList<RequestedExit> Validators { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
}

/// <summary>A validator and the index it is predicted to get (the exit signature binds it).</summary>
public sealed record RequestedExit(BlsPublicKey PublicKey, ulong ValidatorIndex);
