using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// Approvals bound to a deposit registry root the chain has moved past are never sent to the vault: a
/// deposit lands on the devnet's deposit contract between the approval and the submission, the
/// submission reads the contract's root, asks for new approvals and sends nothing. Its own anvil: the
/// test deposits on the chain.
/// </summary>
public sealed class RegistryRootTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    [Fact]
    public async Task Approvals_for_a_registry_root_that_changed_on_chain_are_asked_for_again_and_nothing_is_sent()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "root", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), 2);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        var chain = rig.Services.GetRequiredService<VaultChain>();
        var approved = await rig.Services.GetRequiredService<ApprovalStore>().LoadAsync(batch, CancellationToken.None);
        Assert.Equal(approved!.RegistryRoot, await chain.RegistryRootAsync(CancellationToken.None));

        // Someone else's 1-ETH deposit, signed for another amount: the contract takes it and its root moves, but
        // the signature does not verify, so it never becomes a validator and the next index (checked before the
        // root) stays the one the oracles approved.
        var other = DepositFiles.Entry(rig.Network, rig.Devnet.Vault, "root-other");
        const ulong OneEth = 1_000_000_000;
        await rig.DepositAsync(other with
        {
            Amount = OneEth,
            DepositDataRoot = new DepositData(other.PublicKey, other.WithdrawalCredentials, OneEth, other.Signature).HashTreeRoot(),
        });
        Assert.NotEqual(approved.RegistryRoot, await chain.RegistryRootAsync(CancellationToken.None));

        await rig.PublishSubmitAsync(batch);

        var expired = await rig.PublishedAsync<OracleApprovalsExpired>(m => m.BatchId == batch);
        Assert.Equal("the deposit registry root changed", expired.Reason);
        Assert.Empty(rig.Log.Of<ValidatorIndexesChanged>());
        Assert.Empty(await rig.AttemptsAsync(batch));
        Assert.Equal(0UL, await rig.ManagerNonceAsync());
        Assert.Equal(0, await rig.VaultRegistrationsAsync());
        Assert.Empty(rig.Log.Of<RegistrationTransactionSent>());
    }
}
