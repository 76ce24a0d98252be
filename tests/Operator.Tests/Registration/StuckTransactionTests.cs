using DvtBus.Operator.Batches;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// A registration whose transaction is not mined in time, on a real anvil with automine off: the
/// operator replaces it with the same nonce and higher fees, the test mines, exactly one of them is
/// mined, and the batch ends Registered with that hash; /metrics and ./dvt status show it.
/// </summary>
[Trait("Category", "Devnet")]
public sealed class StuckTransactionTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private const int Validators = 2;

    [Fact]
    public async Task Unmined_transaction_is_replaced_with_the_same_nonce_and_the_batch_ends_registered_with_the_mined_hash()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "stuck", withSaga: true, stuckAfter: TimeSpan.FromSeconds(2), Validators);
        await using var web = await OperatorWeb.StartAsync(rig.Batches);
        Guid batch;
        IReadOnlyList<RegistrationAttempt> sent;
        await rig.SetAutomineAsync(false);
        try
        {
            batch = await rig.DropAsync();
            await RegistrationRig.UntilAsync(async () => await rig.AttemptsAsync(batch) is { Count: >= 2 } a && await rig.KnownAsync(a[^1].Hash),
                "a replacement in the node's pool: " + rig.Faults());
            await rig.MineAsync();
            await RegistrationRig.UntilAsync(async () => (await rig.Batches.ListAsync(1, CancellationToken.None))[0].FinishedAt is not null,
                "the batch to finish");
            sent = await rig.AttemptsAsync(batch);
        }
        finally
        {
            await rig.SetAutomineAsync(true);
        }

        Assert.True(rig.Log.Of<MassTransit.Fault>().Count == 0, rig.Faults());
        Assert.True(sent.Count >= 2);
        Assert.Single(sent.Select(a => a.Nonce).Distinct());
        for (var i = 1; i < sent.Count; i++)
        {
            Assert.True(sent[i].Transaction.Transaction.MaxFeePerGas > sent[i - 1].Transaction.Transaction.MaxFeePerGas);
            Assert.True(sent[i].Transaction.Transaction.MaxPriorityFeePerGas > sent[i - 1].Transaction.Transaction.MaxPriorityFeePerGas);
        }
        var mined = new List<RegistrationAttempt>();
        foreach (var attempt in sent)
            if (await rig.Rpc.GetTransactionReceiptAsync(attempt.Hash) is not null) mined.Add(attempt);
        var winner = Assert.Single(mined);
        var view = Assert.Single(await rig.Batches.ListAsync(10, CancellationToken.None));
        Assert.Equal((BatchStates.Registered, winner.Hash.ToString()), (view.State, view.TransactionHash));
        Assert.Equal(Validators, await rig.VaultRegistrationsAsync());
        Assert.Equal(1UL, await rig.ManagerNonceAsync());
        Assert.Equal(0L, (await rig.Oracles.StatsAsync()).Refused);

        var metrics = await web.MetricsAsync();
        Assert.True(OperatorWeb.Sample(metrics, "dvtbus_operator_validators_registered_total") >= Validators, metrics);
        Assert.True(OperatorWeb.Sample(metrics, "dvtbus_operator_registration_duration_seconds_count") >= 1, metrics);
        Assert.True(OperatorWeb.Sample(metrics, "dvtbus_operator_registration_duration_seconds_sum") > 0, metrics);
        Assert.True(OperatorWeb.Sample(metrics, "dvtbus_operator_transactions_sent_total") >= 1, metrics);
        Assert.True(OperatorWeb.Sample(metrics, "dvtbus_operator_transactions_replaced_total") >= 1, metrics);

        var (code, stdout, stderr) = await DvtScript.RunAsync(new Dictionary<string, string?>(), "status", "--url", web.Url);
        Assert.True(code == 0, stderr);
        var row = Assert.Single(stdout.Split('\n'), l => l.StartsWith(batch.ToString(), StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["deposit_data-rig.json", Validators.ToString(System.Globalization.CultureInfo.InvariantCulture), "Registered", "0", winner.Hash.ToString()], row[1..6]);
    }
}
