using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>An exit gathered too few valid shares within its lifetime.</summary>
public sealed record ExitExpired
{
    public required Guid ExitId { get; init; }
    public required string Network { get; init; }
    public required BlsPublicKey ValidatorPublicKey { get; init; }
    public required ulong ValidatorIndex { get; init; }
    public required int SharesAccepted { get; init; }
    public required int Threshold { get; init; }
}
