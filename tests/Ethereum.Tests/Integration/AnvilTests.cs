using System.Numerics;
using System.Security.Cryptography;
using DvtBus.Ethereum.Abi;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Ethereum.Transactions;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DvtBus.Ethereum.Tests.Integration;

/// <summary>The whole layer against a real anvil: our signed transactions, calls, receipts, events, reverts and log scans.</summary>
[Trait("Category", "Anvil")]
public class AnvilTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private static readonly string[] ProbeErrors = ["Unauthorized(address caller,uint256 code)"];
    private static readonly AbiFunction Value = AbiFunction.Parse("value()", "(uint256)");
    private static readonly AbiFunction Owner = AbiFunction.Parse("owner()", "(address)");
    private static readonly AbiFunction Store = AbiFunction.Parse("store(uint256 newValue,string note)");
    private static readonly AbiFunction OwnerOnly = AbiFunction.Parse("ownerOnly(uint256 code)", "(bool)");
    private static readonly AbiFunction AddOne = AbiFunction.Parse("addOne(uint8 a)", "(uint8)");
    private static readonly AbiFunction Describe = AbiFunction.Parse("describe() view returns (uint256,address,string,bytes32[])");
    private static readonly AbiFunction Deposit = AbiFunction.Parse("deposit(bytes pubkey,bytes withdrawalCredentials,bytes signature)");
    private static readonly AbiEvent Stored = AbiEvent.Parse("Stored(address indexed by,uint256 indexed value,string note)");

    private readonly HttpClient _http = new();

    private EthRpcClient Rpc() => new(_http, anvil.Uri, new EthRpcOptions { CustomErrors = ProbeErrors });

    private EthPrivateKey DevKey(int index) => EthPrivateKey.FromHex(anvil.DevPrivateKeys[index]);

    private async Task<(Address Contract, TransactionReceipt Receipt)> DeployProbeAsync(TransactionSender sender, BigInteger initial)
    {
        var compiled = await Solc.CompileAsync(Path.Combine(RepoPaths.Root, "tests", "Ethereum.Tests", "Integration", "Probe.sol"));
        var creation = Hex.Decode(compiled["Probe"].Bytecode);
        var data = creation.Concat(AbiCodec.Encode([AbiType.Parse("uint256")], [initial])).ToArray();
        var receipt = await sender.SendAndWaitAsync(new TransactionRequest(null, data), pollInterval: TimeSpan.FromMilliseconds(20));
        Assert.True(receipt.Succeeded);
        return (receipt.ContractAddress ?? throw new InvalidOperationException("deployment receipt has no contract address"), receipt);
    }

    [Fact]
    public async Task Dev_keys_derive_the_accounts_anvil_funds()
    {
        var rpc = Rpc();
        Assert.Equal(anvil.ChainId, await rpc.ChainIdAsync());
        Assert.Equal(10, anvil.DevPrivateKeys.Count);
        for (var i = 0; i < anvil.DevPrivateKeys.Count; i++)
        {
            using var key = DevKey(i);
            Assert.Equal(Address.Parse(anvil.DevAccounts[i]), key.Address);
            Assert.True(await rpc.GetBalanceAsync(key.Address) > 0);
        }
    }

    [Fact]
    public async Task Deploys_with_our_signed_transaction_and_reads_views()
    {
        var rpc = Rpc();
        using var key = DevKey(1);
        var sender = new TransactionSender(rpc, key, anvil.ChainId);
        var (contract, receipt) = await DeployProbeAsync(sender, 42);

        Assert.Equal(key.Address, receipt.From);
        Assert.NotEmpty(await rpc.GetCodeAsync(contract));
        Assert.Equal(new BigInteger(42), (await rpc.CallAsync(contract, Value, []))[0]);
        Assert.Equal(key.Address, (await rpc.CallAsync(contract, Owner, []))[0]);
        var described = await rpc.CallAsync(contract, Describe, []);
        Assert.Equal("probe", described[2]);
        Assert.Equal(Keccak.Hash("b").ToArray(), ((object[])described[3])[1]);
    }

    [Fact]
    public async Task Sends_a_transaction_and_decodes_its_event_from_the_receipt()
    {
        var rpc = Rpc();
        using var key = DevKey(2);
        var sender = new TransactionSender(rpc, key, anvil.ChainId);
        var (contract, _) = await DeployProbeAsync(sender, 1);
        var before = await rpc.BlockNumberAsync();

        var receipt = await sender.SendAndWaitAsync(new TransactionRequest(contract, Store.EncodeCall(new BigInteger(777), "from C#")), pollInterval: TimeSpan.FromMilliseconds(20));

        Assert.True(receipt.Succeeded);
        Assert.True(receipt.BlockNumber > before);
        Assert.True(receipt.EffectiveGasPrice > 0);
        var log = Assert.Single(receipt.Logs, Stored.Matches);
        var decoded = Stored.Decode(log);
        Assert.Equal(key.Address, decoded["by"]);
        Assert.Equal(new BigInteger(777), decoded["value"]);
        Assert.Equal("from C#", decoded["note"]);
        Assert.Equal(new BigInteger(777), (await rpc.CallAsync(contract, Value, []))[0]);
    }

    [Fact]
    public async Task Decodes_revert_strings_custom_errors_and_panics_from_the_node()
    {
        var rpc = Rpc();
        using var key = DevKey(3);
        using var stranger = DevKey(4);
        var sender = new TransactionSender(rpc, key, anvil.ChainId);
        var (contract, _) = await DeployProbeAsync(sender, 1);

        var require = await Assert.ThrowsAsync<RpcException>(() =>
            rpc.CallAsync(new CallRequest(contract, Store.EncodeCall(new BigInteger(13), "x"), key.Address)));
        Assert.True(require.IsRevert);
        Assert.Equal("Error", require.Revert!.Name);
        Assert.Equal("unlucky number", require.Revert.Message);

        var custom = await Assert.ThrowsAsync<RpcException>(() =>
            rpc.CallAsync(new CallRequest(contract, OwnerOnly.EncodeCall(new BigInteger(99)), stranger.Address)));
        Assert.Equal("Unauthorized", custom.Revert!.Name);
        Assert.Equal(stranger.Address, custom.Revert.Arguments[0]);
        Assert.Equal(new BigInteger(99), custom.Revert.Arguments[1]);
        Assert.True((bool)OwnerOnly.DecodeOutput(await rpc.CallAsync(new CallRequest(contract, OwnerOnly.EncodeCall(new BigInteger(1)), key.Address)))[0]);

        var panic = await Assert.ThrowsAsync<RpcException>(() => rpc.CallAsync(contract, AddOne, [new BigInteger(255)]));
        Assert.Equal("Panic", panic.Revert!.Name);
        Assert.Equal(new BigInteger(0x11), panic.Revert.Arguments[0]);

        // A transaction that would revert fails at estimation, before anything is signed or paid for.
        var nonce = await rpc.GetTransactionCountAsync(key.Address, BlockTag.Pending);
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            sender.SendAsync(new TransactionRequest(contract, Store.EncodeCall(new BigInteger(13), "x"))));
        Assert.Equal("unlucky number", refused.Revert!.Message);
        Assert.Equal(nonce, await rpc.GetTransactionCountAsync(key.Address, BlockTag.Pending));
    }

    [Fact]
    public async Task Explains_why_a_mined_transaction_failed()
    {
        var rpc = Rpc();
        using var key = DevKey(3);
        var sender = new TransactionSender(rpc, key, anvil.ChainId);
        var (contract, _) = await DeployProbeAsync(sender, 1);

        // An explicit gas limit skips estimation, so the reverting call really goes on chain.
        var sent = await sender.SendAsync(new TransactionRequest(contract, Store.EncodeCall(new BigInteger(13), "x"), GasLimit: 100_000));
        var receipt = await sender.WaitAsync(sent.Hash, pollInterval: TimeSpan.FromMilliseconds(20));

        Assert.False(receipt.Succeeded);
        var reason = await sender.ExplainFailureAsync(sent, receipt);
        Assert.Equal("unlucky number", reason?.Message);
        var fine = await sender.SendAsync(new TransactionRequest(contract, Store.EncodeCall(new BigInteger(14), "y")));
        var fineReceipt = await sender.WaitAsync(fine.Hash, pollInterval: TimeSpan.FromMilliseconds(20));
        Assert.True(fineReceipt.Succeeded);
        Assert.Null(await sender.ExplainFailureAsync(fine, fineReceipt));
    }

    [Fact]
    public async Task Finds_deposit_events_across_blocks_with_a_chunked_log_scan()
    {
        var rpc = Rpc();
        using var key = DevKey(5);
        var sender = new TransactionSender(rpc, key, anvil.ChainId);
        var (contract, deployed) = await DeployProbeAsync(sender, 0);
        var pubkeys = new List<byte[]>();
        for (var i = 0; i < 5; i++)
        {
            var pubkey = RandomNumberGenerator.GetBytes(48);
            pubkeys.Add(pubkey);
            var credentials = new byte[32];
            credentials[0] = 1;
            var gwei = 1_000_000_000UL * (ulong)(i + 1);
            var call = Deposit.EncodeCall(pubkey, credentials, RandomNumberGenerator.GetBytes(96));
            var receipt = await sender.SendAndWaitAsync(
                new TransactionRequest(contract, call, new BigInteger(gwei) * 1_000_000_000), pollInterval: TimeSpan.FromMilliseconds(20));
            Assert.True(receipt.Succeeded);
            await anvil.RequestAsync("anvil_mine", "0x3");
        }
        var head = await rpc.BlockNumberAsync();

        var logs = await rpc.GetLogsInChunksAsync(LogFilter.ForEvent(contract, StakeWiseCalls.DepositEvent), deployed.BlockNumber, head, chunkSize: 2);

        Assert.Equal(5, logs.Count);
        for (var i = 0; i < logs.Count; i++)
        {
            Assert.True(StakeWiseCalls.TryDecodeDepositEvent(logs[i], out var deposit));
            Assert.Equal(pubkeys[i], deposit.PublicKey.ToArray());
            Assert.Equal((ulong)i, deposit.Index);
            Assert.Equal(1_000_000_000UL * (ulong)(i + 1), deposit.AmountGwei);
        }
        var registered = await rpc.GetLogsInChunksAsync(LogFilter.ForEvent(contract, StakeWiseCalls.ValidatorRegistered), deployed.BlockNumber, head, chunkSize: 3);
        Assert.Equal(5, registered.Count);
        for (var i = 0; i < registered.Count; i++)
        {
            Assert.True(StakeWiseCalls.TryDecodeValidatorRegistered(registered[i], out var publicKey));
            Assert.Equal(pubkeys[i], publicKey.ToArray());
        }
    }

    [Fact]
    public async Task Replaces_a_stuck_transaction_with_the_same_nonce_and_higher_fees()
    {
        var rpc = Rpc();
        using var key = DevKey(6);
        var sender = new TransactionSender(rpc, key, anvil.ChainId);
        var (contract, _) = await DeployProbeAsync(sender, 0);
        await anvil.RequestAsync("evm_setAutomine", false);
        try
        {
            var stuck = await sender.SendAsync(new TransactionRequest(contract, Store.EncodeCall(new BigInteger(1), "first")));
            Assert.Null(await rpc.GetTransactionReceiptAsync(stuck.Hash));

            var replacement = await sender.ReplaceAsync(stuck);

            Assert.Equal(stuck.Transaction.Nonce, replacement.Transaction.Nonce);
            Assert.True(replacement.Transaction.MaxFeePerGas * 100 >= stuck.Transaction.MaxFeePerGas * 110);
            Assert.True(replacement.Transaction.MaxPriorityFeePerGas * 100 >= stuck.Transaction.MaxPriorityFeePerGas * 110);
            await anvil.RequestAsync("evm_mine");
            var receipt = await rpc.WaitForReceiptAsync(replacement.Hash, pollInterval: TimeSpan.FromMilliseconds(20));
            Assert.True(receipt.Succeeded);
            Assert.Null(await rpc.GetTransactionReceiptAsync(stuck.Hash));
        }
        finally
        {
            await anvil.RequestAsync("evm_setAutomine", true);
        }
    }

    [Fact]
    public async Task Concurrent_sends_from_one_sender_get_consecutive_nonces()
    {
        var rpc = Rpc();
        using var key = DevKey(9);
        var sender = new TransactionSender(rpc, key, anvil.ChainId);
        var (contract, _) = await DeployProbeAsync(sender, 0);
        var first = await rpc.GetTransactionCountAsync(key.Address, BlockTag.Pending);

        var sent = await Task.WhenAll(Enumerable.Range(1, 6).Select(i =>
            sender.SendAsync(new TransactionRequest(contract, Store.EncodeCall(new BigInteger(100 + i), "n" + i), GasLimit: 200_000))));

        Assert.Equal(Enumerable.Range(0, 6).Select(i => first + (ulong)i), sent.Select(s => s.Transaction.Nonce).Order());
        foreach (var transaction in sent)
            Assert.True((await rpc.WaitForReceiptAsync(transaction.Hash, pollInterval: TimeSpan.FromMilliseconds(20))).Succeeded);
    }

    [Fact]
    public async Task Waits_for_the_requested_confirmations()
    {
        var rpc = Rpc();
        using var key = DevKey(7);
        var sender = new TransactionSender(rpc, key, anvil.ChainId);
        var (contract, _) = await DeployProbeAsync(sender, 0);
        var sent = await sender.SendAsync(new TransactionRequest(contract, Store.EncodeCall(new BigInteger(5), "confirm me")));

        var waiting = sender.WaitAsync(sent.Hash, confirmations: 4, pollInterval: TimeSpan.FromMilliseconds(20));
        await anvil.RequestAsync("evm_mine");
        await anvil.RequestAsync("evm_mine");
        // Mined plus two blocks is three confirmations: the wait cannot have finished yet.
        Assert.False(waiting.IsCompleted);
        await anvil.RequestAsync("evm_mine");
        var receipt = await waiting;
        Assert.True(await rpc.BlockNumberAsync() - receipt.BlockNumber + 1 >= 4);
    }

    [Fact]
    public async Task Answers_block_fee_and_nonce_queries()
    {
        var rpc = Rpc();
        using var key = DevKey(8);
        var block = await rpc.GetBlockByNumberAsync(BlockTag.Latest);
        Assert.NotNull(block);
        Assert.NotNull(block.BaseFeePerGas);
        Assert.Equal(block.Number, (await rpc.GetBlockByNumberAsync(block.Number))!.Number);
        Assert.Null(await rpc.GetBlockByNumberAsync(block.Number + 1000));
        var history = await rpc.FeeHistoryAsync(3, BlockTag.Latest, [25, 75]);
        Assert.NotEmpty(history.BaseFeePerGas);
        Assert.True(await rpc.MaxPriorityFeePerGasAsync() >= 0);
        var nonce = await rpc.GetTransactionCountAsync(key.Address);
        var transfer = new TransactionRequest(Address.From(RandomNumberGenerator.GetBytes(20)), [], new BigInteger(12345));
        var receipt = await new TransactionSender(rpc, key, anvil.ChainId).SendAndWaitAsync(transfer, pollInterval: TimeSpan.FromMilliseconds(20));
        Assert.Equal(nonce + 1, await rpc.GetTransactionCountAsync(key.Address));
        Assert.Equal(new BigInteger(12345), await rpc.GetBalanceAsync(transfer.To!.Value));
        Assert.Equal(21000UL, receipt.GasUsed);
    }

    [Fact]
    public async Task The_container_builds_a_working_client_from_configuration()
    {
        var services = new ServiceCollection();
        services.AddEthRpcClient(_ => anvil.Uri, _ => new EthRpcOptions { MaxRetries = 1 });
        await using var provider = services.BuildServiceProvider();
        var rpc = provider.GetRequiredService<EthRpcClient>();
        Assert.Equal(anvil.ChainId, await rpc.ChainIdAsync());
    }

    [Fact]
    public async Task Market_fees_are_the_nodes_tip_and_twice_the_latest_base_fee_plus_it_with_no_cap()
    {
        var rpc = Rpc();
        var (tip, maxFee) = await TransactionSender.MarketFeesAsync(rpc);
        var baseFee = (await rpc.GetBlockByNumberAsync(BlockTag.Latest))!.BaseFeePerGas!.Value;
        Assert.Equal(await rpc.MaxPriorityFeePerGasAsync(), tip);
        Assert.Equal(baseFee * 2 + tip, maxFee);

        // The sender applies its cap on top: the same market refused when the cap is below it.
        using var key = DevKey(8);
        var capped = new TransactionSender(rpc, key, anvil.ChainId, new TransactionSenderOptions { MaxFeePerGasCap = maxFee - 1 });
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => capped.SendAsync(new TransactionRequest(key.Address, [], GasLimit: 21000)));
        Assert.Contains("exceeds the configured cap", refused.Message);
    }
}
