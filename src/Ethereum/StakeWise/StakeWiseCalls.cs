using System.Buffers.Binary;
using System.Numerics;
using DvtBus.Ethereum.Abi;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.StakeWise;

/// <summary>The keeper parameters of registerValidators, in the vault's struct order.</summary>
public sealed record KeeperParams(Bytes32 ValidatorsRegistryRoot, BigInteger Deadline, byte[] Validators, byte[] Signatures, string ExitSignaturesIpfsHash);

/// <summary>A DepositEvent of the beacon deposit contract, with its little-endian amount and index read as numbers.</summary>
public sealed record DepositEventData(BlsPublicKey PublicKey, Bytes32 WithdrawalCredentials, ulong AmountGwei, BlsSignature Signature, ulong Index);

/// <summary>Calldata and event decoding for the contracts a registration touches: vault, deposit contract.</summary>
public static class StakeWiseCalls
{
    public static readonly AbiFunction RegisterValidators = AbiFunction.Parse(
        "registerValidators((bytes32 validatorsRegistryRoot,uint256 deadline,bytes validators,bytes signatures,string exitSignaturesIpfsHash) keeperParams,bytes validatorsManagerSignature)");

    public static readonly AbiFunction GetDepositRoot = AbiFunction.Parse("get_deposit_root()", "(bytes32)");

    public static readonly AbiFunction ValidatorsManager = AbiFunction.Parse("validatorsManager()", "(address)");

    public static readonly AbiEvent DepositEvent = AbiEvent.Parse(
        "DepositEvent(bytes pubkey,bytes withdrawal_credentials,bytes amount,bytes signature,bytes index)");

    public static readonly AbiEvent ValidatorRegistered = AbiEvent.Parse("ValidatorRegistered(bytes publicKey)");

    public static byte[] EncodeRegisterValidators(KeeperParams keeper, ReadOnlySpan<byte> validatorsManagerSignature) =>
        RegisterValidators.EncodeCall(
            new object[] { keeper.ValidatorsRegistryRoot, keeper.Deadline, keeper.Validators, keeper.Signatures, keeper.ExitSignaturesIpfsHash },
            validatorsManagerSignature.ToArray());

    public static Bytes32 DecodeDepositRoot(ReadOnlySpan<byte> returnData) =>
        Bytes32.From((byte[])GetDepositRoot.DecodeOutput(returnData)[0]);

    public static Address DecodeValidatorsManager(ReadOnlySpan<byte> returnData) =>
        (Address)ValidatorsManager.DecodeOutput(returnData)[0];

    /// <summary>Reads a deposit contract log; false for other logs or fields of the wrong size.</summary>
    public static bool TryDecodeDepositEvent(LogEntry log, out DepositEventData deposit)
    {
        deposit = null!;
        if (!DepositEvent.TryDecode(log, out var decoded)) return false;
        var pubkey = (byte[])decoded["pubkey"];
        var credentials = (byte[])decoded["withdrawal_credentials"];
        var amount = (byte[])decoded["amount"];
        var signature = (byte[])decoded["signature"];
        var index = (byte[])decoded["index"];
        if (pubkey.Length != 48 || credentials.Length != 32 || amount.Length != 8 || signature.Length != 96 || index.Length != 8) return false;
        deposit = new DepositEventData(
            BlsPublicKey.From(pubkey), Bytes32.From(credentials), BinaryPrimitives.ReadUInt64LittleEndian(amount),
            BlsSignature.From(signature), BinaryPrimitives.ReadUInt64LittleEndian(index));
        return true;
    }

    /// <summary>Reads a vault's ValidatorRegistered log; false for other logs or a key that is not 48 bytes.</summary>
    public static bool TryDecodeValidatorRegistered(LogEntry log, out BlsPublicKey publicKey)
    {
        publicKey = default;
        if (!ValidatorRegistered.TryDecode(log, out var decoded) || decoded["publicKey"] is not byte[] { Length: 48 } bytes) return false;
        publicKey = BlsPublicKey.From(bytes);
        return true;
    }
}
