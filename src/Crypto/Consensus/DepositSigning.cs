using DvtBus.Bls;
using DvtBus.Primitives;

namespace DvtBus.Crypto.Consensus;

/// <summary>
/// Deposit signatures: a DepositMessage signed under DOMAIN_DEPOSIT with the network's genesis fork
/// version and a zero genesis_validators_root, because deposits must stay valid on every fork and
/// before genesis.
/// </summary>
public static class DepositSigning
{
    public static Bytes32 Domain(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Domains.Compute(Domains.Deposit, network.GenesisForkVersion, ZeroRoot);
    }

    public static Bytes32 SigningRoot(Network network, DepositMessage message) =>
        Domains.SigningRoot(message.HashTreeRoot(), Domain(network));

    public static BlsSignature Sign(Network network, BlsSecretKey key, DepositMessage message)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Sign(SigningRoot(network, message).Span);
    }

    /// <summary>Checks the signature against the message's own public key; false on any bad input.</summary>
    public static bool Verify(Network network, DepositMessage message, BlsSignature signature) =>
        BlsScheme.Verify(message.PublicKey, SigningRoot(network, message).Span, signature);

    private static readonly Bytes32 ZeroRoot = Bytes32.From(new byte[32]);
}
