using System.Collections.Concurrent;
using DvtBus.Contracts;
using DvtBus.Ethereum.Rpc;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// The operator daemon on the real RabbitMQ broker and PostgreSQL against the devnet vault on anvil,
/// stopped and started again in the middle of a batch: the saga and its stage timeout live in the
/// database, so the second process carries on where the first stopped.
/// </summary>
[Trait("Category", "Devnet")]
public sealed class RegistrationBrokerTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    [Fact]
    public async Task Operator_restarted_after_the_exit_request_still_registers_the_batch_with_one_transaction()
    {
        await using var process = await OperatorProcess.CreateAsync(anvil, "broker-manager");
        var gate = new OperatorProcess.GatedRelayer.Gate();
        var relayer = new Support.RegistrationRig.Relayer(process.Network, OperatorProcess.ValidatorLabels, OperatorProcess.OracleLabels);
        await process.StartPeerAsync("relayer-stand-in", s => s.AddSingleton(gate).AddSingleton(relayer), bus => bus.AddConsumer<OperatorProcess.GatedRelayer>());
        var first = await process.StartOperatorAsync();

        process.Drop("deposit_data-broker.json", process.DepositFile());
        await WaitUntilAsync(() => !gate.Requests.IsEmpty, TimeSpan.FromSeconds(60));
        var waiting = await process.WaitForSagaAsync(s => s.CurrentState == "ExitsRequested", TimeSpan.FromSeconds(30));
        await OperatorProcess.StopAsync(first);

        // The relayer answers only now, to the operator's second process.
        await process.StartOperatorAsync();
        gate.Open.SetResult();

        var done = await process.WaitForSagaAsync(s => s.CurrentState is "Done" or "Failed", TimeSpan.FromSeconds(180));
        Assert.True(done.CurrentState == "Done", $"saga ended {done.CurrentState}: {done.Data}");
        Assert.Equal(waiting.Id, done.Id);
        Assert.Equal(1, done.Data.GetProperty("ExitRounds").GetInt32());
        Assert.Single(gate.Requests);
        var hash = Bytes32.Parse(done.Data.GetProperty("TransactionHash").GetString());
        Assert.Equal([hash.ToString()], done.Data.GetProperty("TransactionHashes").EnumerateArray().Select(h => h.GetString()));

        // The validators manager sent exactly one transaction, the batch's registerValidators, and it succeeded.
        var rpc = new EthRpcClient(new HttpClient(), anvil.Uri);
        Assert.Equal(1UL, await rpc.GetTransactionCountAsync(DevnetDeploymentKey(process).Address));
        var receipt = await rpc.GetTransactionReceiptAsync(hash);
        Assert.True(receipt is { Succeeded: true }, $"receipt of {hash}: {receipt}");
        Assert.Equal(process.Devnet.Vault, receipt!.To);

        Assert.Equal("Registered", await process.ScalarAsync<string>("SELECT state FROM operator.batches WHERE id = @id", new { id = done.Id }));
        Assert.Equal(0L, await process.ScalarAsync<long>("SELECT count(*) FROM operator.timeouts"));
        Assert.Equal(["deposit_data-broker.json"], Directory.EnumerateFiles(Path.Combine(process.Folder, "done")).Select(Path.GetFileName));
        Assert.Equal(0L, await process.ErrorQueueDepthAsync());
        Assert.Equal(0L, (await process.Oracles.StatsAsync()).Refused);
    }

    [Fact]
    public async Task Share_collection_timeout_written_before_a_restart_fires_in_the_next_process()
    {
        await using var process = await OperatorProcess.CreateAsync(anvil, "timeout-manager");
        var requests = new ConcurrentQueue<ExitRequested>();
        await process.StartPeerAsync("silent-relayer", s => s.AddSingleton(requests), bus => bus.AddConsumer<OperatorProcess.SilentRelayer>());
        var timeouts = new Dictionary<string, string?>
        {
            ["Operator:ShareCollectionTimeout"] = "00:00:03",
            ["Operator:ShareCollectionRounds"] = "2",
        };
        // The first process never sweeps after its start: only the second one can fire the timeout.
        var first = await process.StartOperatorAsync(new Dictionary<string, string?>(timeouts) { ["Timeouts:SweepInterval"] = "01:00:00" });

        process.Drop("deposit_data-timeout.json", process.DepositFile());
        var waiting = await process.WaitForSagaAsync(s => s.CurrentState == "ExitsRequested", TimeSpan.FromSeconds(60));
        var armed = waiting.Data.GetProperty("StageTimeoutId").GetGuid();
        await OperatorProcess.StopAsync(first);
        Assert.Equal(1L, await process.ScalarAsync<long>(
            "SELECT count(*) FROM operator.timeouts WHERE id = @id AND message_type = @type AND (body->>'TimeoutId')::uuid = @armed",
            new { id = waiting.Id, type = typeof(ShareCollectionTimedOut).FullName, armed }));

        await process.StartOperatorAsync(timeouts);

        var failed = await process.WaitForSagaAsync(s => s.CurrentState is "Failed" or "Done", TimeSpan.FromSeconds(90));
        Assert.Equal("Failed", failed.CurrentState);
        Assert.Equal(2, failed.Data.GetProperty("ExitRounds").GetInt32());
        var failure = failed.Data.GetProperty("Failure").GetString()!;
        Assert.StartsWith("shares: no exit signature after 2 requests of 00:00:03 each for 2 of 2 validators", failure);
        foreach (var label in OperatorProcess.ValidatorLabels)
            Assert.Contains(Support.DepositFiles.Key(label).PublicKey.ToString(), failure);
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal(waiting.Id, r.BatchId));
        Assert.Equal(0L, await process.ScalarAsync<long>("SELECT count(*) FROM operator.timeouts"));
        Assert.Equal(failure, await process.ScalarAsync<string>("SELECT failure FROM operator.batches WHERE id = @id", new { id = waiting.Id }));
        Assert.Equal(0L, await process.ErrorQueueDepthAsync());
    }

    private static Ethereum.Crypto.EthPrivateKey DevnetDeploymentKey(OperatorProcess process) => Support.DevnetDeployment.Key(process.ManagerLabel);

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached in time");
            await Task.Delay(100);
        }
    }
}
