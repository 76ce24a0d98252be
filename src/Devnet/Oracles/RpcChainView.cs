using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;

namespace DvtBus.Devnet.Oracles;

/// <summary>
/// The chain as the dev oracles see it, over JSON-RPC. The validator index is counted from DepositEvent
/// logs the way the beacon chain assigns indexes: each new public key whose deposit signature verifies
/// takes the next index. The scan is incremental and shared by all oracles of the process.
/// </summary>
public sealed class RpcChainView(EthRpcClient rpc, Network network) : IChainView
{
    private readonly SemaphoreSlim _scan = new(1, 1);
    private readonly HashSet<BlsPublicKey> _validators = [];
    private ulong _nextBlock;

    public async Task<Bytes32> DepositRootAsync(CancellationToken cancellationToken) =>
        StakeWiseCalls.DecodeDepositRoot(await rpc.CallAsync(
            new CallRequest(network.DepositContract, StakeWiseCalls.GetDepositRoot.EncodeCall()), BlockTag.Latest, cancellationToken));

    public async Task<ulong> NextValidatorIndexAsync(CancellationToken cancellationToken)
    {
        await _scan.WaitAsync(cancellationToken);
        try
        {
            var head = await rpc.BlockNumberAsync(cancellationToken);
            if (head >= _nextBlock)
            {
                var logs = await rpc.GetLogsInChunksAsync(
                    LogFilter.ForEvent(network.DepositContract, StakeWiseCalls.DepositEvent), _nextBlock, head, cancellationToken: cancellationToken);
                foreach (var log in logs)
                {
                    if (!StakeWiseCalls.TryDecodeDepositEvent(log, out var deposit) || _validators.Contains(deposit.PublicKey)) continue;
                    var message = new DepositMessage(deposit.PublicKey, deposit.WithdrawalCredentials, deposit.AmountGwei);
                    if (DepositSigning.Verify(network, message, deposit.Signature)) _validators.Add(deposit.PublicKey);
                }
                _nextBlock = head + 1;
            }
            return (ulong)_validators.Count;
        }
        finally
        {
            _scan.Release();
        }
    }

    public async Task<Address> ValidatorsManagerAsync(Address vault, CancellationToken cancellationToken) =>
        StakeWiseCalls.DecodeValidatorsManager(await rpc.CallAsync(
            new CallRequest(vault, StakeWiseCalls.ValidatorsManager.EncodeCall()), BlockTag.Latest, cancellationToken));
}
