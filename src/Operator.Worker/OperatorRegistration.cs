using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Rpc;
using DvtBus.Operator.Batches;
using DvtBus.Operator.Deposits;
using DvtBus.Operator.Intake;
using DvtBus.Primitives;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DvtBus.Operator;

public static class OperatorRegistration
{
    /// <summary>The operator's settings (checked before start), the watched folder, the deposit index and the batch store.</summary>
    public static IHostApplicationBuilder AddOperator(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<IValidateOptions<OperatorOptions>, OperatorOptionsValidator>();
        services.AddOptions<OperatorOptions>().Bind(builder.Configuration.GetSection(OperatorOptions.Section)).ValidateOnStart();
        services.AddSingleton(sp => Networks.Resolve(Options(sp).Network));
        services.AddSingleton<OperatorMetrics>();
        services.AddSingleton<BatchStore>();
        services.AddEthRpcClient(sp => new Uri(Options(sp).RpcUrl));
        services.AddSingleton(sp => new DepositIndex(
            sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<EthRpcClient>(), sp.GetRequiredService<Network>(),
            Options(sp).DepositStartBlock, Options(sp).LogChunkSize));
        services.AddHostedService(sp => new DepositScanner(
            sp.GetRequiredService<DepositIndex>(), Options(sp).ScanInterval, sp.GetRequiredService<ILogger<DepositScanner>>()));
        services.AddSingleton(sp => new DepositFolder(Options(sp).Folder));
        services.AddSingleton(sp => new DepositIntake(
            sp.GetRequiredService<DepositFolder>(), sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<Network>(),
            Address.Parse(Options(sp).Vault), Options(sp).MaxBatchSize, sp.GetRequiredService<DepositIndex>(),
            sp.GetRequiredService<IBus>(), sp.GetRequiredService<OperatorMetrics>(), sp.GetRequiredService<ILogger<DepositIntake>>()));
        services.AddHostedService(sp => new FolderWatcher(
            sp.GetRequiredService<DepositFolder>(), sp.GetRequiredService<DepositIntake>(),
            Options(sp).ScanInterval, Options(sp).StabilityDelay, sp.GetRequiredService<ILogger<FolderWatcher>>()));
        return builder;
    }

    private static OperatorOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<OperatorOptions>>().Value;
}
