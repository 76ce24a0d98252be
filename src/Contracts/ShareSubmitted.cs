using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>A sidecar's exit-signature share for one validator, made with the share at <see cref="ShareIndex"/>.</summary>
public sealed record ShareSubmitted
{
    public required string Network { get; init; }
    public required BlsPublicKey ValidatorPublicKey { get; init; }
    public required ulong ValidatorIndex { get; init; }
    /// <summary>The share's x-coordinate: Obol node index + 1, or the SSV operator id. Never 0.</summary>
    public required ulong ShareIndex { get; init; }
    public required BlsSignature ExitSignatureShare { get; init; }
    public required string SidecarId { get; init; }
}
