using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>
/// The operator asks for exit signatures of a batch. The relayer records one exit per validator and
/// the sidecars sign: each sidecar computes the signing root itself from the network and the index.
/// The relayer publishes it too, without a vault, for the exits asked for over its HTTP API, so that sidecars on
/// the bus sign those; relayers leave such a message alone, since the HTTP call asked the exits' state machines itself.
/// </summary>
public sealed record ExitRequested
{
    public required Guid BatchId { get; init; }
    public required string Network { get; init; }
    /// <summary>The vault the batch registers in; null when the exits were asked for over the relayer's HTTP API, which names none.</summary>
    public Address? Vault { get; init; }
    public required IReadOnlyList<RequestedExit> Validators { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
}

/// <summary>A validator and the index it is predicted to get (the exit signature binds it).</summary>
public sealed record RequestedExit(BlsPublicKey PublicKey, ulong ValidatorIndex);
