using System.Reflection;
using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Relayer.Exits;
using DvtBus.Relayer.Tests.Support;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>Exits asked for over HTTP, whose sidecars are told before the relayer records them.</summary>
public sealed class ExitRequestsTests(RelayerEnvironment env) : IClassFixture<RelayerEnvironment>
{
    /// <summary>
    /// The caller goes away just after the sidecars were told to sign: the exits must still be opened, or the
    /// sidecars' shares would wait for exits nobody records until the caller comes back.
    /// </summary>
    [Fact]
    public async Task A_caller_gone_after_the_sidecars_were_told_still_gets_the_exits_opened()
    {
        var cluster = new TestCluster();
        const ulong index = 9100;
        using var scope = env.Relayer.Services.CreateScope();
        var requests = scope.ServiceProvider.GetRequiredService<ExitRequests>();
        var client = scope.ServiceProvider.GetRequiredService<IRequestClient<ExitOpened>>();
        using var caller = new CancellationTokenSource();
        var publish = CancelAfterExitRequested.Wrap(scope.ServiceProvider.GetRequiredService<IPublishEndpoint>(), caller);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            requests.RequestAndWaitAsync([new RequestedExit(cluster.PublicKey, index)], client, publish, caller.Token));

        Assert.True(caller.IsCancellationRequested);
        var exitId = ExitId.For(TestCluster.Network.Name, cluster.PublicKey, index);
        await env.WaitForSagaAsync(exitId, row => row.CurrentState == "Collecting", "the exit opened though its caller left", seconds: 60);
    }

    /// <summary>Publishes through the relayer's endpoint and cancels the caller once an <see cref="ExitRequested"/> went out.</summary>
    public class CancelAfterExitRequested : DispatchProxy
    {
        private IPublishEndpoint _inner = null!;
        private CancellationTokenSource _caller = null!;

        public static IPublishEndpoint Wrap(IPublishEndpoint inner, CancellationTokenSource caller)
        {
            var proxy = Create<IPublishEndpoint, CancelAfterExitRequested>();
            var self = (CancelAfterExitRequested)(object)proxy;
            (self._inner, self._caller) = (inner, caller);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            var result = method!.Invoke(_inner, args);
            return result is Task task && args is [ExitRequested, ..]
                ? task.ContinueWith(t => { t.GetAwaiter().GetResult(); _caller.Cancel(); }, TaskScheduler.Default)
                : result;
        }
    }
}
