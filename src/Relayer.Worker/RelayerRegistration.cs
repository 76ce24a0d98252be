using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Deposits;
using DvtBus.Ethereum.Rpc;
using DvtBus.Hosting;
using DvtBus.Relayer.Api;
using DvtBus.Relayer.Chain;
using DvtBus.Relayer.Clusters;
using DvtBus.Relayer.Exits;
using DvtBus.Relayer.Oracles;
using DvtBus.Relayer.Shares;
using DvtBus.Sagas;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DvtBus.Relayer;

public static class RelayerRegistration
{
    /// <summary>The relayer's settings (each section checked before start), stores, share intake and metrics.</summary>
    public static IHostApplicationBuilder AddRelayer(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        AddOptions<NetworkOptions, NetworkOptionsValidator>(builder, NetworkOptions.SectionName);
        AddOptions<OracleOptions, OracleOptionsValidator>(builder, OracleOptions.Section);
        AddOptions<ExitOptions, ExitOptionsValidator>(builder, ExitOptions.Section);
        AddOptions<ApiOptions, ApiOptionsValidator>(builder, ApiOptions.Section);
        AddOptions<ClusterFileOptions, ClusterFileOptionsValidator>(builder, ClusterFileOptions.Section);
        AddOptions<ChainOptions, ChainOptionsValidator>(builder, ChainOptions.Section);
        services.AddSingleton(sp => Networks.Resolve(sp.GetRequiredService<IOptions<NetworkOptions>>().Value));
        services.AddSingleton<RelayerMetrics>();
        services.AddSingleton<OracleResharing>();
        services.AddSingleton<ClusterStore>();
        services.AddSingleton<ShareIntake>();
        services.AddSingleton<ExitRequests>();
        services.AddSingleton<ClusterAnnouncements>();
        services.AddHostedService<ClusterFileLoader>();
        services.AddScoped<OpenExitActivity>();
        services.AddScoped<ExpireExitActivity>();
        services.AddScoped<ScheduleLifetimeActivity>();
        services.AddScoped<CancelLifetimeActivity>();
        services.AddScoped<RecordExitStateActivity>();
        services.AddScoped(typeof(RecordFaultActivity<>));
        services.AddScoped<TakeShareActivity>();
        services.AddScoped<ReleaseSharesActivity>();
        // Decided here, from the settings as given: a bad one registers nothing, and the check before start names it
        // with every other bad setting instead of failing alone while the chain's services are built.
        var chain = builder.Configuration.GetSection(ChainOptions.Section).Get<ChainOptions>();
        if (chain is { Configured: true } && new ChainOptionsValidator().Validate(null, chain).Succeeded) AddChain(services, chain);
        return builder;
    }

    /// <summary>
    /// With <c>Chain:RpcUrl</c>: the chain-id check at start, the deposit index in <c>relayer.deposit_events</c> kept
    /// current by its scanner, and the index prediction <c>POST /validators</c> uses when no index is given.
    /// </summary>
    private static void AddChain(IServiceCollection services, ChainOptions chain)
    {
        services.AddEthRpcClient(_ => new Uri(chain.RpcUrl!));
        services.AddSingleton(sp => new DepositIndex(
            sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<EthRpcClient>(), sp.GetRequiredService<Network>(),
            RelayerHost.Daemon, chain.DepositStartBlock, chain.LogChunkSize));
        services.AddHostedService(sp => new ChainCheck(
            sp.GetRequiredService<EthRpcClient>(), sp.GetRequiredService<Network>(),
            new ChainSetting(ChainOptions.Section, typeof(ChainOptions), chain.RpcUrl!, NetworkOptions.SectionName),
            sp.GetRequiredService<ILogger<ChainCheck>>()));
        services.AddHostedService(sp => new DepositScanner(
            sp.GetRequiredService<DepositIndex>(), chain.ScanInterval, sp.GetRequiredService<ILogger<DepositScanner>>()));
        services.AddSingleton(sp => new IndexPrediction(sp.GetRequiredService<DepositIndex>(), chain.MaxStaleness));
    }

    /// <summary>
    /// The relayer's consumers and its exit state machine (persisted in <c>relayer.exit_sagas</c>), each with its
    /// definition (retries, outbox, concurrency), and the request clients the HTTP API waits on the machine with.
    /// </summary>
    public static IBusRegistrationConfigurator AddRelayerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ExitRequestedConsumer, ExitRequestedConsumerDefinition>();
        bus.AddConsumer<KeySharesAnnouncedConsumer, KeySharesAnnouncedConsumerDefinition>();
        bus.AddSagaStateMachine<ExitStateMachine, ExitSaga, ExitStateMachineDefinition>()
            .PostgresRepository(RelayerHost.Daemon, "exit_sagas", s => s.CurrentState);
        bus.AddRequestClient<ExitOpened>();
        bus.AddRequestClient<ShareSubmitted>();
        return bus;
    }

    private static void AddOptions<TOptions, TValidator>(IHostApplicationBuilder builder, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        builder.Services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        builder.Services.AddOptions<TOptions>().Bind(builder.Configuration.GetSection(section)).ValidateOnStart();
    }

    private sealed class NetworkOptionsValidator : IValidateOptions<NetworkOptions>
    {
        public ValidateOptionsResult Validate(string? name, NetworkOptions options) =>
            Networks.TryResolve(options, out _, out var error) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error);
    }
}
