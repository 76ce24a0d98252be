using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>Operator:MaxFeePerGasGwei bounds what a registration may pay, first transaction and replacements alike.</summary>
public sealed class FeeCapTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    [Fact]
    public async Task The_first_transaction_is_capped_and_a_replacement_past_the_cap_is_not_made()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "feecap", withSaga: false, stuckAfter: TimeSpan.FromMinutes(2), 2);
        var batch = await rig.DropAsync();
        await rig.ApproveAsync(batch);
        var call = await rig.RegisterValidatorsCallAsync(batch);

        // Far below what the node asks (its base fee alone is about a gwei): the cap wins.
        var cap = SubmitRegistrationConsumer.Gwei(0.001m);
        Assert.Equal(1_000_000, (long)cap);
        var capped = rig.Sender(maxFeeGwei: 0.001m);
        var (first, recorded) = await capped.PrepareAsync(batch, rig.Devnet.Vault, call, CancellationToken.None);
        Assert.True(recorded);
        Assert.Equal(cap, first.Transaction.Transaction.MaxFeePerGas);
        Assert.True(first.Transaction.Transaction.MaxPriorityFeePerGas <= cap);
        Assert.Null(await capped.PrepareReplacementAsync(first, CancellationToken.None));
        Assert.Equal(first.Hash, Assert.Single(await rig.AttemptsAsync(batch)).Hash);

        // With room under the cap, the replacement raises both fees and keeps the nonce.
        var roomy = rig.Sender();
        var (replacement, replaced) = Assert.NotNull(await roomy.PrepareReplacementAsync(first, CancellationToken.None));
        Assert.True(replaced);
        Assert.Equal(first.Nonce, replacement.Nonce);
        Assert.True(replacement.Transaction.Transaction.MaxFeePerGas > first.Transaction.Transaction.MaxFeePerGas);
        Assert.True(replacement.Transaction.Transaction.MaxPriorityFeePerGas > first.Transaction.Transaction.MaxPriorityFeePerGas);
        Assert.True(replacement.Transaction.Transaction.MaxFeePerGas <= SubmitRegistrationConsumer.Gwei(100));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("100001")]
    public void A_cap_outside_its_range_is_refused_with_its_name(string gwei)
    {
        var options = new OperatorOptions { MaxFeePerGasGwei = decimal.Parse(gwei, System.Globalization.CultureInfo.InvariantCulture) };
        var result = new OperatorOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Operator:MaxFeePerGasGwei", result.FailureMessage);
    }
}
