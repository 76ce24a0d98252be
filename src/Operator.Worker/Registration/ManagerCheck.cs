using DvtBus.Ethereum.Rpc;
using DvtBus.Keystores;
using DvtBus.Primitives;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DvtBus.Operator.Registration;

/// <summary>
/// At start-up, after <see cref="DvtBus.Deposits.ChainCheck"/>: the validators manager's key is decrypted, and the
/// vault is asked who its validators manager is. A keystore that does not open with its password file, or a key
/// that is not the vault's validators manager, stops the daemon as a bad setting, instead of failing every batch
/// at its last step, after its exits and approvals. A node that does not answer in time is logged, not a reason to
/// stay down; a vault that does not answer <c>validatorsManager()</c> is logged too.
/// </summary>
internal sealed partial class ManagerCheck(ManagerKey manager, VaultChain chain, IOptions<OperatorOptions> options, ILogger<ManagerCheck> logger)
    : IHostedService
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        Address key;
        try
        {
            key = manager.Key.Address;
        }
        catch (KeyMaterialException e)
        {
            throw Refused($"Operator:ManagerKeystore {settings.ManagerKeystore} does not open with Operator:ManagerPasswordFile: {e.Message}");
        }

        Address onChain;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(Patience);
        try
        {
            onChain = await chain.ValidatorsManagerAsync(wait.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested
            && e is RpcException or RpcTransportException or OperationCanceledException or FormatException or ArgumentException)
        {
            Unchecked(logger, chain.Target.Vault.ToString(), e.Message);
            return;
        }
        if (onChain != key)
            throw Refused($"Operator:ManagerKeystore holds {key}, but the validators manager of vault {chain.Target.Vault} is {onChain}: the vault would refuse its registrations");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static OptionsValidationException Refused(string failure) =>
        new(OperatorOptions.Section, typeof(OperatorOptions), [failure]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask vault {Vault} for its validators manager at start-up ({Reason}); it is not checked")]
    private static partial void Unchecked(ILogger logger, string vault, string reason);
}
