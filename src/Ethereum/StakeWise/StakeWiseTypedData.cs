using System.Numerics;
using DvtBus.Ethereum.Crypto;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.StakeWise;

/// <summary>The two EIP-712 messages of a StakeWise V3 validator registration (see PROTOCOL.md, "The vault call").</summary>
public static class StakeWiseTypedData
{
    /// <summary>
    /// The validators manager's approval: domain VaultValidators / 1 / chainId / vault, type
    /// <c>VaultValidators(bytes32 nonce,bytes validators)</c> as StakeWise vaults have typed it since their 2025
    /// release (before it, the first field was named validatorsRegistryRoot); for registerValidators the nonce is
    /// the validators registry root. Only a caller that is not the validators manager needs it.
    /// </summary>
    public static (Eip712Domain Domain, Eip712Struct Message) VaultValidators(ulong chainId, Address vault, Bytes32 validatorsRegistryRoot, byte[] validators) =>
        (new Eip712Domain("VaultValidators", "1", chainId, vault),
         new Eip712Struct("VaultValidators",
             new Eip712Field("nonce", "bytes32", validatorsRegistryRoot),
             new Eip712Field("validators", "bytes", validators)));

    /// <summary>What each oracle signs: domain KeeperOracles / 1 / chainId / keeper.</summary>
    public static (Eip712Domain Domain, Eip712Struct Message) KeeperValidators(
        ulong chainId, Address keeper, Bytes32 validatorsRegistryRoot, Address vault, byte[] validators, string exitSignaturesIpfsHash, BigInteger deadline) =>
        (new Eip712Domain("KeeperOracles", "1", chainId, keeper),
         new Eip712Struct("KeeperValidators",
             new Eip712Field("validatorsRegistryRoot", "bytes32", validatorsRegistryRoot),
             new Eip712Field("vault", "address", vault),
             new Eip712Field("validators", "bytes", validators),
             new Eip712Field("exitSignaturesIpfsHash", "string", exitSignaturesIpfsHash),
             new Eip712Field("deadline", "uint256", deadline)));

    public static Bytes32 VaultValidatorsHash(ulong chainId, Address vault, Bytes32 validatorsRegistryRoot, byte[] validators)
    {
        var (domain, message) = VaultValidators(chainId, vault, validatorsRegistryRoot, validators);
        return Eip712.Hash(domain, message);
    }

    public static Bytes32 KeeperValidatorsHash(
        ulong chainId, Address keeper, Bytes32 validatorsRegistryRoot, Address vault, byte[] validators, string exitSignaturesIpfsHash, BigInteger deadline)
    {
        var (domain, message) = KeeperValidators(chainId, keeper, validatorsRegistryRoot, vault, validators, exitSignaturesIpfsHash, deadline);
        return Eip712.Hash(domain, message);
    }

    /// <summary>The 65-byte validatorsManagerSignature for registerValidators.</summary>
    public static EthSignature SignVaultValidators(EthPrivateKey validatorsManager, ulong chainId, Address vault, Bytes32 validatorsRegistryRoot, byte[] validators) =>
        validatorsManager.Sign(VaultValidatorsHash(chainId, vault, validatorsRegistryRoot, validators));
}
