using DvtBus.Contracts;
using DvtBus.Operator.Tests.Support;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using MassTransit;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// A vault that missed a rewards update refuses deposits (NotHarvested) until it is harvested: the approval step asks the
/// keeper first, and such a batch fails there with that reason, before any exit shard goes to the oracles.
/// </summary>
public sealed class HarvestRequiredTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    [Fact]
    public async Task A_vault_that_must_be_harvested_gets_no_approval_request()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "harvest", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), 2);
        var batch = await rig.DropAsync();
        await rig.SetHarvestRequiredAsync(true);

        await rig.RequestApprovalsAsync(batch);

        await RegistrationRig.UntilAsync(() => Task.FromResult(rig.Log.Of<Fault<CollectOracleApprovals>>().Any(f => f.Message.BatchId == batch)),
            "the approval step to give up", TimeSpan.FromMinutes(3));
        var fault = rig.Log.Of<Fault<CollectOracleApprovals>>().First(f => f.Message.BatchId == batch);
        Assert.Contains($"vault {rig.Devnet.Vault} must be harvested", fault.Exceptions[0].Message);
        Assert.Contains("nothing was sent to the oracles", fault.Exceptions[0].Message);
        Assert.Equal((0L, 0L), await rig.Oracles.StatsAsync());
        Assert.Empty(rig.Log.Of<OracleApprovalsCollected>());
        // Faulted at once, not after a minute of retries that cannot change the keeper's answer: asked one time.
        var isHarvestRequired = Hex.Encode(Ethereum.Crypto.Keccak.Hash("isHarvestRequired(address)").Span[..4], prefix: false);
        Assert.Equal(1, rig.Tap.Requests.Count(r => r.Contains(isHarvestRequired, StringComparison.OrdinalIgnoreCase)));
    }
}
