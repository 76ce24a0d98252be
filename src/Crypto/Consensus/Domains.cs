using DvtBus.Primitives;

namespace DvtBus.Crypto.Consensus;

/// <summary>compute_domain and the domain types this project signs under.</summary>
public static class Domains
{
    public static Bytes4 Deposit { get; } = new(0x03000000);
    public static Bytes4 VoluntaryExit { get; } = new(0x04000000);

    /// <summary>domain = domain_type || hash_tree_root(ForkData{fork_version, genesis_validators_root})[0:28].</summary>
    public static Bytes32 Compute(Bytes4 domainType, Bytes4 forkVersion, Bytes32 genesisValidatorsRoot)
    {
        var forkDataRoot = new ForkData(forkVersion, genesisValidatorsRoot).HashTreeRoot();
        Span<byte> domain = stackalloc byte[32];
        domainType.WriteTo(domain);
        forkDataRoot.Span[..28].CopyTo(domain[4..]);
        return Bytes32.From(domain);
    }

    public static Bytes32 SigningRoot(Bytes32 objectRoot, Bytes32 domain) => new SigningData(objectRoot, domain).HashTreeRoot();
}
