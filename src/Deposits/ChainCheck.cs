using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Rpc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DvtBus.Deposits;

/// <summary>Where a daemon's execution node is configured, for the messages of <see cref="ChainCheck"/>.</summary>
/// <param name="Section">The options section whose check fails (<c>Operator</c>, <c>Chain</c>).</param>
/// <param name="OptionsType">The options class of that section.</param>
/// <param name="RpcUrl">The node's address as configured (messages show only its scheme, host and port).</param>
/// <param name="NetworkSetting">The setting that names the network (<c>Operator:Network</c>, <c>Network</c>).</param>
public sealed record ChainSetting(string Section, Type OptionsType, string RpcUrl, string NetworkSetting);

/// <summary>
/// At start-up, asks the execution node which chain it serves: a node of another chain than the configured
/// network stops the daemon as a bad setting, before it reads a deposit or signs anything. A node that does not
/// answer in time is not a reason to stay down (it may come back): that is logged, and every later call to it
/// fails on its own.
/// </summary>
public sealed partial class ChainCheck(EthRpcClient rpc, Network network, ChainSetting setting, ILogger<ChainCheck> logger) : IHostedService
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
            Unchecked(logger, RpcEndpoint.ForDisplay(setting.RpcUrl), e.Message);
            return;
        }
        if (served != network.ChainId)
            throw new OptionsValidationException(setting.Section, setting.OptionsType,
                [$"{setting.Section}:RpcUrl {RpcEndpoint.ForDisplay(setting.RpcUrl)} serves chain {served}, but {setting.NetworkSetting} '{network.Name}' is chain {network.ChainId}"]);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask {RpcUrl} for its chain id at start-up ({Reason}); it is not checked")]
    private static partial void Unchecked(ILogger logger, string rpcUrl, string reason);
}
