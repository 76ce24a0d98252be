using DvtBus.Operator.Tests.Registration;
using DvtBus.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace DvtBus.Operator.Tests;

/// <summary>
/// The operator asks its execution node for the chain id before anything else runs: a node of another chain
/// stops it as a bad setting (the daemon then exits 78 with that one line), naming both chains.
/// </summary>
public sealed class ChainCheckTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    [Fact]
    public async Task Operator_whose_node_serves_another_chain_stops_at_start_naming_both_chains()
    {
        await using var process = await OperatorProcess.CreateAsync(anvil, "chain-manager");

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(
            () => process.StartOperatorAsync(new Dictionary<string, string?> { ["Operator:Network:ChainId"] = "1" }));

        Assert.Equal(
            [$"Operator:RpcUrl {anvil.Url} serves chain {anvil.ChainId}, but Operator:Network '{process.Network.Name}' is chain 1"],
            failure.Failures);
    }

    /// <summary>A node that does not answer at start is waited out, not a bad setting: the operator starts.</summary>
    [Fact]
    public async Task Operator_whose_node_does_not_answer_at_start_still_starts()
    {
        await using var process = await OperatorProcess.CreateAsync(anvil, "chain-unreachable");
        int closed;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            closed = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        var host = await process.StartOperatorAsync(new Dictionary<string, string?> { ["Operator:RpcUrl"] = $"http://127.0.0.1:{closed}" });

        Assert.True(host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStarted.IsCancellationRequested);
    }
}
