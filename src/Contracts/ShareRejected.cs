using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>The relayer refused a share; the validator stays open for good shares.</summary>
public sealed record ShareRejected
{
    public required string Network { get; init; }
    public required BlsPublicKey ValidatorPublicKey { get; init; }
    public required ulong ValidatorIndex { get; init; }
    public required ulong ShareIndex { get; init; }
    public required string SidecarId { get; init; }
    public required ShareRejectionReason Reason { get; init; }
    public required string Detail { get; init; }
}

public enum ShareRejectionReason
{
    UnknownValidator,
    UnknownShareIndex,
    ZeroShareIndex,

    /// <summary>
    /// No longer sent: a verified share at an index that holds one is the same share sent again, and is taken
    /// (answered <see cref="ShareTaken"/>). Kept so that the reasons after it keep their numbers.
    /// </summary>
    Duplicate,
    DoesNotVerify,
    WrongNetwork,
    Superseded,
}
