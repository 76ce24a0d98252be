using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Rpc;
using DvtBus.Operator.Batches;
using DvtBus.Deposits;
using DvtBus.Operator.Intake;
using DvtBus.Operator.Registration;
using DvtBus.Primitives;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using DvtBus.Sagas;
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
            Schema, Options(sp).DepositStartBlock, Options(sp).LogChunkSize));
        // First of the operator's hosted services: nothing reads the chain before the node is known to serve the right one.
        services.AddHostedService(sp => new ChainCheck(
            sp.GetRequiredService<EthRpcClient>(), sp.GetRequiredService<Network>(),
            new ChainSetting(OperatorOptions.Section, typeof(OperatorOptions), Options(sp).RpcUrl, "Operator:Network"),
            sp.GetRequiredService<ILogger<ChainCheck>>()));
        services.AddHostedService<ManagerCheck>();
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
        AddRegistration(services);
        builder.AddDurableTimeouts(Schema, DurableStageTimeouts.MessageTypes);
        return builder;
    }

    /// <summary>The operator's PostgreSQL schema: its migrations, its saga table and its timeouts.</summary>
    public const string Schema = "operator";

    /// <summary>
    /// The registration saga, stored in <c>operator.registration_sagas</c> (one row-locked transaction per
    /// event, in which its stage timeouts are written too), and the consumers of its commands.
    /// </summary>
    public static IBusRegistrationConfigurator AddOperatorConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddSagaStateMachine<RegistrationStateMachine, RegistrationState, RegistrationStateMachineDefinition>()
            .PostgresRepository(Schema, "registration_sagas", s => s.CurrentState);
        bus.AddConsumer<SignatureReadyConsumer, SignatureReadyConsumerDefinition>();
        bus.AddConsumer<CollectOracleApprovalsConsumer, CollectOracleApprovalsConsumerDefinition>();
        bus.AddConsumer<SubmitRegistrationConsumer, SubmitRegistrationConsumerDefinition>();
        bus.AddConsumer<CheckRegistrationReceiptConsumer, CheckRegistrationReceiptConsumerDefinition>();
        return bus;
    }

    /// <summary>
    /// The registration steps' services. The saga's stage timeouts need the operator's
    /// <see cref="DurableTimeouts"/>, which <see cref="AddOperator"/> registers with its sweep.
    /// </summary>
    private static void AddRegistration(IServiceCollection services)
    {
        services.AddSingleton(sp => new RegistrationTarget(Address.Parse(Options(sp).Vault), Address.Parse(Options(sp).Keeper)));
        services.AddSingleton<VaultChain>();
        services.AddSingleton<ExitSignatureStore>();
        services.AddSingleton<IExitSignatureStore>(sp => sp.GetRequiredService<ExitSignatureStore>());
        services.AddSingleton<ApprovalStore>();
        services.AddSingleton<RegistrationTransactionStore>();
        services.AddSingleton<ISentRegistrations>(sp => sp.GetRequiredService<RegistrationTransactionStore>());
        services.AddSingleton<IBatchProgress, BatchProgress>();
        services.AddSingleton<IValidatorIndexSource, FreshValidatorIndex>();
        services.AddSingleton<RegistrationOutcome>();
        services.AddSingleton(sp => new ManagerKey(Options(sp).ManagerKeystore, Options(sp).ManagerPasswordFile));
        services.AddHttpClient<OracleClient, OracleClient>((http, sp) => new OracleClient(http,
            Options(sp).Oracles.Select(o => new Uri(o.Url)).ToList(), Options(sp).OracleTimeout, sp.GetRequiredService<ILogger<OracleClient>>()));
        services.AddScoped<RequestExitsActivity>();
        services.AddScoped<RecordProgressActivity>();
        services.AddScoped<FinishBatchActivity>();
        services.AddScoped<RecordRegisteredAfterFailureActivity>();
        services.AddScoped<AdoptSentTransactionsActivity>();
        services.AddScoped<RequestApprovalsActivity>();
        services.AddScoped<StageTimeoutActivity>();
        services.AddSingleton<IStageTimeouts, DurableStageTimeouts>();
        services.AddHostedService<RegistrationResumer>();
    }

    private static OperatorOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<OperatorOptions>>().Value;
}
