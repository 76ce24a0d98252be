using System.Text;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Rpc;
using DvtBus.Operator.Registration;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>How a refused registration is described in the batch's failure: by the vault's error, with what to do where that is known.</summary>
public sealed class RevertDescriptionTests
{
    private static RpcException Reverted(string error) =>
        new("eth_estimateGas", 3, "execution reverted", null, Keccak.Hash(Encoding.ASCII.GetBytes(error)).Span[..4].ToArray(), null);

    [Fact]
    public void A_vault_that_needs_harvesting_is_named_with_what_to_do()
    {
        var text = SubmitRegistrationConsumer.Describe(Reverted("NotHarvested()"));
        Assert.StartsWith("NotHarvested(): the vault must be harvested (updateState", text);
    }

    [Theory]
    [InlineData("InvalidAssets()")]
    [InlineData("AccessDenied()")]
    [InlineData("DeadlineExpired()")]
    public void Other_vault_errors_are_named(string error) =>
        Assert.Equal(error, SubmitRegistrationConsumer.Describe(Reverted(error)));

    [Fact]
    public void An_unknown_revert_keeps_the_nodes_words()
    {
        var error = Reverted("SomethingElse()");
        var text = SubmitRegistrationConsumer.Describe(error);
        // Not a name of ours: the selector stays in the text for a person to look up.
        Assert.Contains(Convert.ToHexStringLower(error.RevertData!), text);
    }
}
