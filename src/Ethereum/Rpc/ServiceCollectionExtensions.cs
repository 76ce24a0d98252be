using Microsoft.Extensions.DependencyInjection;

namespace DvtBus.Ethereum.Rpc;

public static class EthRpcServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="EthRpcClient"/> as a typed HttpClient (pooled handlers from IHttpClientFactory).
    /// The endpoint and options come from the container so that they can be bound from configuration.
    /// </summary>
    public static IHttpClientBuilder AddEthRpcClient(
        this IServiceCollection services, Func<IServiceProvider, Uri> endpoint, Func<IServiceProvider, EthRpcOptions>? options = null) =>
        services.AddHttpClient<EthRpcClient, EthRpcClient>((http, provider) =>
        {
            // Each attempt has its own Polly timeout; the HttpClient-wide one would otherwise cut across retries.
            http.Timeout = Timeout.InfiniteTimeSpan;
            return new EthRpcClient(http, endpoint(provider), options?.Invoke(provider));
        });
}
