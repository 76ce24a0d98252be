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

    /// <summary>
    /// A key's index went back to one it had before (a reorg, a prediction that moved twice): the sidecars sign for
    /// the old index again, and their shares may reach its exit while it is still superseded, before the request
    /// that makes it current, and be refused. Made current, the exit asks the sidecars once more, and their answer
    /// completes it.
    /// </summary>
    [Fact]
    public async Task An_exit_made_current_again_asks_the_sidecars_again_for_the_shares_refused_meanwhile()
    {
        var cluster = new TestCluster();
        const ulong first = 9200, second = 9201;
        await env.AnnounceAsync(cluster);
        using var scope = env.Relayer.Services.CreateScope();
        var requests = scope.ServiceProvider.GetRequiredService<ExitRequests>();
        var publish = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        var firstId = ExitId.For(TestCluster.Network.Name, cluster.PublicKey, first);
        await requests.RequestAsync([new RequestedExit(cluster.PublicKey, first)], DateTimeOffset.UtcNow, publish, CancellationToken.None);
        await env.WaitForSagaAsync(firstId, row => row.CurrentState == "Collecting", "the first exit collecting");
        await requests.RequestAsync([new RequestedExit(cluster.PublicKey, second)], DateTimeOffset.UtcNow, publish, CancellationToken.None);
        await env.WaitForSagaAsync(firstId, row => row.CurrentState == "Superseded", "the first exit superseded");

        // Signed for the first index again, they come before the request that makes it current.
        foreach (var share in cluster.Shares) await env.Bus.Publish(cluster.Share(share.Id, first));
        await RelayerEnvironment.WaitUntilAsync(() => Task.FromResult(env.Recorder.Of<ShareRejected>().Count(r =>
            r.ValidatorPublicKey == cluster.PublicKey && r.ValidatorIndex == first && r.Reason == ShareRejectionReason.Superseded) == cluster.Shares.Count),
            "the shares refused as superseded");
        await requests.RequestAsync([new RequestedExit(cluster.PublicKey, first)], DateTimeOffset.UtcNow, publish, CancellationToken.None);

        var asked = await env.Recorder.WaitForAsync<ExitRequested>(
            r => r.Vault is null && r.Validators.SequenceEqual([new RequestedExit(cluster.PublicKey, first)]),
            "the sidecars asked again for the exit made current", seconds: 60);
        foreach (var share in cluster.Shares.Take(cluster.Threshold)) await env.Bus.Publish(cluster.Share(share.Id, first));
        var ready = await env.Recorder.WaitForAsync<SignatureReady>(r => r.ExitId == firstId, "the exit completed by the shares asked again");
        Assert.Equal((first, asked.Validators[0].ValidatorIndex), (ready.ValidatorIndex, ready.ValidatorIndex));
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
