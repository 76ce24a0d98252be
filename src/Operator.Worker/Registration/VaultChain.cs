using System.Numerics;
using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Abi;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;

namespace DvtBus.Operator.Registration;

/// <summary>What the registration reads from the chain: the deposit registry root, the keeper's minimum, the time.</summary>
public sealed class VaultChain(EthRpcClient rpc, Network network, RegistrationTarget target)
{
    private static readonly AbiFunction ValidatorsMinOracles = AbiFunction.Parse("validatorsMinOracles()", "(uint256)");

    public EthRpcClient Rpc => rpc;
    public Network Network => network;
    public RegistrationTarget Target => target;

    public async Task<Bytes32> RegistryRootAsync(CancellationToken ct) =>
        StakeWiseCalls.DecodeDepositRoot(await rpc.CallAsync(new CallRequest(network.DepositContract, StakeWiseCalls.GetDepositRoot.EncodeCall()), default, ct));

    public async Task<int> MinOraclesAsync(CancellationToken ct) =>
        (int)(BigInteger)(await rpc.CallAsync(target.Keeper, ValidatorsMinOracles, [], default, ct))[0];

    private static readonly AbiFunction IsOracle = AbiFunction.Parse("isOracle(address)", "(bool)");
    private static readonly AbiFunction IsHarvestRequired = AbiFunction.Parse("isHarvestRequired(address)", "(bool)");

    /// <summary>The vault's validatorsManager(): the only account whose registrations it takes without a signature.</summary>
    public async Task<Address> ValidatorsManagerAsync(CancellationToken ct) =>
        StakeWiseCalls.DecodeValidatorsManager(await rpc.CallAsync(
            new CallRequest(target.Vault, StakeWiseCalls.ValidatorsManager.EncodeCall()), BlockTag.Latest, ct));

    /// <summary>
    /// Whether the keeper says the vault missed a rewards update, so that it refuses deposits (NotHarvested) until
    /// its state is updated. Null when the keeper does not answer the question (a keeper without it).
    /// </summary>
    public async Task<bool?> HarvestRequiredAsync(CancellationToken ct)
    {
        try
        {
            return (bool)(await rpc.CallAsync(target.Keeper, IsHarvestRequired, [target.Vault], default, ct))[0];
        }
        catch (Exception e) when (e is RpcException { IsRevert: true } or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The keeper's registered oracles among <paramref name="candidates"/>.</summary>
    public async Task<IReadOnlySet<Address>> RegisteredOraclesAsync(IEnumerable<Address> candidates, CancellationToken ct)
    {
        var registered = new HashSet<Address>();
        foreach (var candidate in candidates.Distinct())
            if ((bool)(await rpc.CallAsync(target.Keeper, IsOracle, [candidate], default, ct))[0]) registered.Add(candidate);
        return registered;
    }

    public async Task<long> LatestTimestampAsync(CancellationToken ct) =>
        (long)((await rpc.GetBlockByNumberAsync(BlockTag.Latest, ct))?.Timestamp
            ?? throw new InvalidOperationException("the node returned no latest block"));

    public Bytes32 KeeperValidatorsHash(Bytes32 registryRoot, byte[] validators, string ipfsHash, BigInteger deadline) =>
        StakeWiseTypedData.KeeperValidatorsHash(network.ChainId, target.Keeper, registryRoot, target.Vault, validators, ipfsHash, deadline);
}
