using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Rpc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DvtBus.Operator;

/// <summary>
/// At start-up, asks the execution node which chain it serves: a node of another chain than
/// <c>Operator:Network</c> stops the daemon as a bad setting, before it reads a deposit or signs anything.
/// A node that does not answer in time is not a reason to stay down (it may come back): that is logged,
/// and every later call to it fails on its own.
/// </summary>
internal sealed partial class ChainCheck(EthRpcClient rpc, Network network, IOptions<OperatorOptions> options, ILogger<ChainCheck> logger) : IHostedService
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ulong served;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(Patience);
        try
        {
            served = await rpc.ChainIdAsync(wait.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RpcException or RpcTransportException or OperationCanceledException)
        {
            Unchecked(logger, options.Value.RpcUrl, e.Message);
            return;
        }
        if (served != network.ChainId)
            throw new OptionsValidationException(OperatorOptions.Section, typeof(OperatorOptions),
                [$"Operator:RpcUrl {options.Value.RpcUrl} serves chain {served}, but Operator:Network '{network.Name}' is chain {network.ChainId}"]);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask {RpcUrl} for its chain id at start-up ({Reason}); it is not checked")]
    private static partial void Unchecked(ILogger logger, string rpcUrl, string reason);
}
