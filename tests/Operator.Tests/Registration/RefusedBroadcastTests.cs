using Dapper;
using DvtBus.Contracts;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// A registration the node refuses (here: the validators manager cannot pay for it) is in no pool and will never
/// be mined, so the batch gives it up at once: its nonce is held no longer (another batch could take it without
/// leaving a gap), and the retry prices and signs anew. Once the account is funded the batch registers with
/// that nonce, once. Its own anvil: the test sets the manager's balance.
/// </summary>
public sealed class RefusedBroadcastTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private const int Validators = 2;

    [Fact]
    public async Task Broadcast_refused_for_want_of_funds_gives_the_attempt_up_and_a_retry_registers_once_funded()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "refused", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), Validators);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        var manager = rig.Manager.Key.Address.ToString();
        await anvil.RequestAsync("anvil_setBalance", manager, "0x0");

        await rig.PublishSubmitAsync(batch);

        await RegistrationRig.UntilAsync(async () => rig.Tap.Calls("eth_sendRawTransaction") >= 1 && await AbandonedAsync(rig, batch) >= 1,
            "a refused broadcast given up: " + rig.Faults());
        Assert.Empty(await rig.AttemptsAsync(batch));
        Assert.Empty(await rig.Store.SentAsync(batch, CancellationToken.None));
        Assert.Equal(0UL, await rig.ManagerNonceAsync());

        await anvil.RequestAsync("anvil_setBalance", manager, "0x56bc75e2d63100000"); // 100 ETH
        var registered = Assert.Single(await rig.RegisteredAsync(batch, 1));

        var receipt = await rig.Rpc.GetTransactionReceiptAsync(registered.TransactionHash);
        Assert.True(receipt!.Succeeded);
        var live = Assert.Single(await rig.AttemptsAsync(batch));
        Assert.Equal((registered.TransactionHash, 0UL), (live.Hash, live.Nonce));
        Assert.Equal(1UL, await rig.ManagerNonceAsync());
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
        Assert.Empty(rig.Log.Of<RegistrationFailed>());
    }

    private static async Task<long> AbandonedAsync(RegistrationRig rig, Guid batch)
    {
        await using var connection = await rig.Db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM operator.registration_transactions WHERE batch_id = @batch AND abandoned_at IS NOT NULL", new { batch });
    }
}
