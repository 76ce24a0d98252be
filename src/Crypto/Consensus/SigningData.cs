using DvtBus.Primitives;

namespace DvtBus.Crypto.Consensus;

/// <summary>SSZ <c>SigningData</c>: the message a BLS signature in the consensus layer actually signs.</summary>
public readonly record struct SigningData(Bytes32 ObjectRoot, Bytes32 Domain)
{
    public Bytes32 HashTreeRoot() => Ssz.Root(ObjectRoot.Span, Domain.Span);
}
