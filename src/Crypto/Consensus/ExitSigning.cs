using DvtBus.Bls;
using DvtBus.Primitives;

namespace DvtBus.Crypto.Consensus;

/// <summary>
/// The one place voluntary exits are built, signed and checked: sidecars, the relayer and anything
/// that plays an oracle go through here so that the domain rule cannot drift between them.
/// EIP-7044 pins the exit domain to the Capella fork, so a pre-signed exit stays valid across forks.
/// </summary>
public static class ExitSigning
{
    /// <summary>The exit DvtBus pre-signs for a validator: at the network's Capella epoch, the earliest epoch every client accepts.</summary>
    public static VoluntaryExit Exit(Network network, ulong validatorIndex)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new VoluntaryExit(network.CapellaEpoch, validatorIndex);
    }

    public static Bytes32 Domain(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Domains.Compute(Domains.VoluntaryExit, network.CapellaForkVersion, network.GenesisValidatorsRoot);
    }

    public static Bytes32 SigningRoot(Network network, VoluntaryExit exit) =>
        Domains.SigningRoot(exit.HashTreeRoot(), Domain(network));

    /// <summary>Signs with a full key or with a key share; a share's signature verifies under its public share.</summary>
    public static BlsSignature Sign(Network network, BlsSecretKey key, VoluntaryExit exit)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Sign(SigningRoot(network, exit).Span);
    }

    /// <summary>False for a wrong or malformed signature or key; never throws on bad input.</summary>
    public static bool Verify(Network network, BlsPublicKey publicKey, VoluntaryExit exit, BlsSignature signature) =>
        BlsScheme.Verify(publicKey, SigningRoot(network, exit).Span, signature);
}
