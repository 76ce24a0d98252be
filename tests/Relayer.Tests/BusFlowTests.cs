using DvtBus.Bls;
using DvtBus.Contracts;
using DvtBus.Relayer.Tests.Support;
using Xunit;

namespace DvtBus.Relayer.Tests;

public sealed class BusFlowTests(RelayerEnvironment env) : IClassFixture<RelayerEnvironment>
{
    [Fact]
    public async Task Three_good_shares_and_a_bad_one_make_the_exit_ready_and_the_bad_one_is_rejected()
    {
        var cluster = new TestCluster();
        const ulong index = 1001;
        for (ulong node = 1; node <= 4; node++) await env.Bus.Publish(cluster.Announcement(node));
        await env.Bus.Publish(TestCluster.Request((cluster, index)));

        var wrongKeySignature = new TestCluster().Sign(3, index);
        await env.Bus.Publish(cluster.Share(1, index));
        await env.Bus.Publish(cluster.Share(3, index, wrongKeySignature));
        await env.Bus.Publish(cluster.Share(2, index));
        await env.Bus.Publish(cluster.Share(4, index));

        var rejected = await env.Recorder.WaitForAsync<ShareRejected>(r => r.ValidatorPublicKey == cluster.PublicKey, "the bad share's rejection");
        Assert.Equal(ShareRejectionReason.DoesNotVerify, rejected.Reason);
        Assert.Equal(3UL, rejected.ShareIndex);
        var ready = await env.Recorder.WaitForAsync<SignatureReady>(r => r.ValidatorPublicKey == cluster.PublicKey, "SignatureReady");
        Assert.Equal(ExitId.For("mainnet", cluster.PublicKey, index), ready.ExitId);
        Assert.Equal(index, ready.ValidatorIndex);
        Assert.Equal(TestCluster.Network.CapellaEpoch, ready.Epoch);
        Assert.Equal(env.Oracles.Threshold, ready.OracleThreshold);
        Assert.Equal(env.Oracles.Keys.Count, ready.EncryptedExitSignatures.Count);

        var opened = await env.Oracles.OpenAsync(TestCluster.SigningRoot(index), ready.PublicKeyShards, ready.EncryptedExitSignatures);
        Assert.All(opened, o => Assert.True(o.Verifies));
        var full = cluster.FullSignature(index);
        foreach (var recovered in env.Oracles.RecoverFromEverySubset(opened.Select(o => o.Signature).ToList()))
        {
            Assert.True(BlsScheme.Verify(cluster.PublicKey, TestCluster.SigningRoot(index).Span, recovered));
            Assert.Equal(full, recovered);
        }
        Assert.Equal(cluster.PublicKey, BlsThreshold.RecoverPublicKey(
            ready.PublicKeyShards.Take(env.Oracles.Threshold).Select((k, i) => new IndexedPublicKey((ulong)i + 1, k)).ToList()));
    }
}
