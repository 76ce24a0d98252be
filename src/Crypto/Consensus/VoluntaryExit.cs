using DvtBus.Primitives;

namespace DvtBus.Crypto.Consensus;

/// <summary>SSZ <c>VoluntaryExit</c>. Build exits for this project through <see cref="ExitSigning.Exit"/>.</summary>
public readonly record struct VoluntaryExit(ulong Epoch, ulong ValidatorIndex)
{
    public Bytes32 HashTreeRoot()
    {
        Span<byte> epoch = stackalloc byte[32];
        Span<byte> index = stackalloc byte[32];
        Ssz.UInt64Chunk(Epoch, epoch);
        Ssz.UInt64Chunk(ValidatorIndex, index);
        return Ssz.Root(epoch, index);
    }
}
