using System.Numerics;
using DvtBus.Ethereum.Abi;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Rpc;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.Transactions;

/// <summary>What to send; the sender fills nonce, fees and (unless given) the gas limit.</summary>
public sealed record TransactionRequest(Address? To, byte[] Data, BigInteger Value = default, ulong? GasLimit = null);

public sealed class TransactionSenderOptions
{
    /// <summary>Added to the node's gas estimate, in percent.</summary>
    public int GasHeadroomPercent { get; init; } = 20;

    /// <summary>Fee increase when replacing a stuck transaction; nodes require at least 10.</summary>
    public int ReplacementBumpPercent { get; init; } = 15;

    /// <summary>Refuse to offer more than this per gas (protects the account from a fee spike); null for no cap.</summary>
    public BigInteger? MaxFeePerGasCap { get; init; }
}

/// <summary>
/// Sends EIP-1559 transactions from one account: nonce from the node (pending) and a local counter,
/// priority fee from eth_maxPriorityFeePerGas (fee history as fallback), max fee = 2 x base fee + tip,
/// gas from eth_estimateGas plus headroom, then signs, sends, and can wait for a receipt or replace a
/// stuck transaction with the same nonce.
/// </summary>
public sealed class TransactionSender
{
    private readonly EthRpcClient _rpc;
    private readonly EthPrivateKey _key;
    private readonly ulong _chainId;
    private readonly TransactionSenderOptions _options;
    private readonly SemaphoreSlim _nonceLock = new(1, 1);
    private ulong? _nextNonce;

    public TransactionSender(EthRpcClient rpc, EthPrivateKey key, ulong chainId, TransactionSenderOptions? options = null)
    {
        _rpc = rpc;
        _key = key;
        _chainId = chainId;
        _options = options ?? new TransactionSenderOptions();
        if (_options.ReplacementBumpPercent < 10) throw new ArgumentException("replacement bump must be at least 10 percent", nameof(options));
    }

    public Address Address => _key.Address;

    /// <summary>
    /// Fills, signs and broadcasts. A call that would revert fails here, at gas estimation, with the
    /// decoded reason, before any fee is spent.
    /// </summary>
    public async Task<SignedEip1559Transaction> SendAsync(TransactionRequest request, CancellationToken cancellationToken = default)
    {
        var gas = request.GasLimit ?? await EstimateAsync(request, cancellationToken);
        var (tip, maxFee) = await CappedMarketFeesAsync(cancellationToken);
        await _nonceLock.WaitAsync(cancellationToken);
        try
        {
            var pending = await _rpc.GetTransactionCountAsync(_key.Address, BlockTag.Pending, cancellationToken);
            var nonce = _nextNonce is { } local && local > pending ? local : pending;
            var signed = new Eip1559Transaction(_chainId, nonce, tip, maxFee, gas, request.To, request.Value, request.Data).Sign(_key);
            await BroadcastAsync(signed, cancellationToken);
            _nextNonce = nonce + 1;
            return signed;
        }
        finally
        {
            _nonceLock.Release();
        }
    }

    /// <summary>
    /// Re-sends a transaction that is not getting mined: same nonce and payload, both fees raised by the
    /// configured bump (and never below what the market asks now), so that nodes accept it as a replacement.
    /// </summary>
    public async Task<SignedEip1559Transaction> ReplaceAsync(SignedEip1559Transaction stuck, CancellationToken cancellationToken = default)
    {
        var old = stuck.Transaction;
        var (marketTip, marketMax) = await CappedMarketFeesAsync(cancellationToken);
        var tip = BigInteger.Max(Bump(old.MaxPriorityFeePerGas, _options.ReplacementBumpPercent), marketTip);
        var maxFee = BigInteger.Max(BigInteger.Max(Bump(old.MaxFeePerGas, _options.ReplacementBumpPercent), marketMax), tip);
        CheckCap(maxFee);
        var replacement = (old with { MaxPriorityFeePerGas = tip, MaxFeePerGas = maxFee }).Sign(_key);
        await BroadcastAsync(replacement, cancellationToken);
        return replacement;
    }

    public Task<TransactionReceipt> WaitAsync(Bytes32 hash, int confirmations = 1, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default) =>
        _rpc.WaitForReceiptAsync(hash, confirmations, pollInterval, cancellationToken);

    public async Task<TransactionReceipt> SendAndWaitAsync(
        TransactionRequest request, int confirmations = 1, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        var signed = await SendAsync(request, cancellationToken);
        return await WaitAsync(signed.Hash, confirmations, pollInterval, cancellationToken);
    }

    /// <summary>
    /// Why a mined transaction failed: replays it as eth_call on the state before its block and decodes
    /// the revert. The replay is an approximation (transactions earlier in the same block are not
    /// applied), which is what explorers do too. Null when the replay does not revert.
    /// </summary>
    public async Task<RevertReason?> ExplainFailureAsync(SignedEip1559Transaction transaction, TransactionReceipt receipt, CancellationToken cancellationToken = default)
    {
        var tx = transaction.Transaction;
        var call = new CallRequest(tx.To, tx.Data, _key.Address, tx.Value, tx.GasLimit);
        try
        {
            await _rpc.CallAsync(call, receipt.BlockNumber == 0 ? BlockTag.Number(0) : BlockTag.Number(receipt.BlockNumber - 1), cancellationToken);
            return null;
        }
        catch (RpcException ex) when (ex.IsRevert)
        {
            return ex.Revert ?? RevertReason.Decode([], _rpc.CustomErrors);
        }
    }

    private async Task BroadcastAsync(SignedEip1559Transaction signed, CancellationToken cancellationToken)
    {
        try
        {
            var hash = await _rpc.SendRawTransactionAsync(signed.Raw, cancellationToken);
            if (hash != signed.Hash) throw new InvalidOperationException($"node reported transaction hash {hash}, expected {signed.Hash}");
        }
        catch (RpcException ex) when (ex.IsAlreadyKnown)
        {
            // A retried send whose first attempt did arrive: the node holds exactly these bytes.
        }
    }

    private async Task<ulong> EstimateAsync(TransactionRequest request, CancellationToken cancellationToken)
    {
        var estimate = await _rpc.EstimateGasAsync(new CallRequest(request.To, request.Data, _key.Address, request.Value), cancellationToken);
        return estimate + estimate * (ulong)_options.GasHeadroomPercent / 100;
    }

    /// <summary>
    /// What the market asks now, with no cap: the tip from eth_maxPriorityFeePerGas (the median of the last
    /// five blocks' median tips when the node lacks it) and a max fee of twice the latest base fee plus the tip.
    /// </summary>
    public static async Task<(BigInteger Tip, BigInteger MaxFee)> MarketFeesAsync(EthRpcClient rpc, CancellationToken cancellationToken = default)
    {
        var block = await rpc.GetBlockByNumberAsync(BlockTag.Latest, cancellationToken)
            ?? throw new InvalidOperationException("the node has no latest block");
        var baseFee = block.BaseFeePerGas ?? throw new InvalidOperationException("the chain has no base fee: EIP-1559 is not active");
        BigInteger tip;
        try
        {
            tip = await rpc.MaxPriorityFeePerGasAsync(cancellationToken);
        }
        catch (RpcException)
        {
            var history = await rpc.FeeHistoryAsync(5, BlockTag.Latest, [50], cancellationToken);
            var rewards = history.Reward.Select(r => r.Count > 0 ? r[0] : BigInteger.Zero).Order().ToArray();
            tip = rewards.Length > 0 ? rewards[rewards.Length / 2] : BigInteger.Zero;
        }
        return (tip, baseFee * 2 + tip);
    }

    /// <summary>A fee raised by <paramref name="percent"/>, rounded up and by at least one wei: what a same-nonce replacement offers.</summary>
    public static BigInteger Bump(BigInteger fee, int percent)
    {
        var bumped = (fee * (100 + percent) + 99) / 100;
        return bumped > fee ? bumped : fee + 1;
    }

    private async Task<(BigInteger Tip, BigInteger MaxFee)> CappedMarketFeesAsync(CancellationToken cancellationToken)
    {
        var fees = await MarketFeesAsync(_rpc, cancellationToken);
        CheckCap(fees.MaxFee);
        return fees;
    }

    private void CheckCap(BigInteger maxFee)
    {
        if (_options.MaxFeePerGasCap is { } cap && maxFee > cap)
            throw new InvalidOperationException($"max fee per gas {maxFee} exceeds the configured cap {cap}");
    }

}
