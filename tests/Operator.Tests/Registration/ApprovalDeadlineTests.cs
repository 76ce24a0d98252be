using DvtBus.Contracts;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// Approvals whose deadline the chain's clock has passed are never sent to the vault: the submission reads
/// the latest block's time, asks for new approvals and sends nothing. Its own anvil: the test moves the clock.
/// </summary>
public sealed class ApprovalDeadlineTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    [Fact]
    public async Task Approvals_past_their_deadline_on_chain_are_asked_for_again_and_nothing_is_sent()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "deadline", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), 2);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);

        // Past the deadline the oracles signed (the approval lifetime, 30 minutes by default).
        await rig.AdvanceTimeAsync(TimeSpan.FromHours(1));
        await rig.PublishSubmitAsync(batch);

        var expired = await rig.PublishedAsync<OracleApprovalsExpired>(m => m.BatchId == batch);
        Assert.Equal("the approval deadline passed", expired.Reason);
        Assert.Empty(await rig.AttemptsAsync(batch));
        Assert.Equal(0UL, await rig.ManagerNonceAsync());
        Assert.Equal(0, await rig.VaultRegistrationsAsync());
        Assert.Empty(rig.Log.Of<RegistrationTransactionSent>());
    }
}
