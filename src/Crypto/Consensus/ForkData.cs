using DvtBus.Primitives;

namespace DvtBus.Crypto.Consensus;

/// <summary>SSZ <c>ForkData</c>: what a signing domain commits to besides its type.</summary>
public readonly record struct ForkData(Bytes4 CurrentVersion, Bytes32 GenesisValidatorsRoot)
{
    public Bytes32 HashTreeRoot()
    {
        Span<byte> version = stackalloc byte[32];
        version.Clear();
        CurrentVersion.WriteTo(version);
        return Ssz.Root(version, GenesisValidatorsRoot.Span);
    }
}
