using Dapper;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Devnet.Deploy;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Ethereum.Transactions;
using DvtBus.Hosting;
using DvtBus.Deposits;
using DvtBus.Operator.Tests.Support;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Npgsql;
using Xunit;

namespace DvtBus.Operator.Tests.Deposits;

/// <summary>The index prediction against real DepositEvent logs of the devnet deposit contract on anvil.</summary>
public sealed class DepositIndexTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    [Fact]
    public async Task Next_index_counts_distinct_keys_with_a_valid_deposit_signature_and_resumes_from_the_cache()
    {
        using var manager = DevnetDeployment.Key("index-manager");
        var devnet = await DevnetDeployment.DeployAsync(anvil, [manager.Address], 1, manager.Address);
        var network = DepositFiles.Devnet(devnet.DepositContract, devnet.ChainId);
        var vault = devnet.Vault;
        var a = DepositFiles.Entry(network, vault, "index-a");
        var b = DepositFiles.Entry(network, vault, "index-b");
        var c = DepositFiles.Entry(network, vault, "index-c");
        var forgedC = c with
        {
            Signature = a.Signature,
            DepositDataRoot = new Crypto.Consensus.DepositData(c.PublicKey, c.WithdrawalCredentials, c.Amount, a.Signature).HashTreeRoot(),
        };
        using var rpcHttp = new HttpClient();
        var rpc = new EthRpcClient(rpcHttp, anvil.Uri);
        using var funder = EthPrivateKey.FromHex(anvil.DevPrivateKeys[2]);
        var sender = new TransactionSender(rpc, funder, devnet.ChainId);
        var start = await rpc.BlockNumberAsync();
        foreach (var deposit in new[] { a, b, a, forgedC })
            await DepositContract.DepositAsync(sender, devnet.DepositContract, deposit);

        await using var db = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("operator_index"));
        await new PostgresMigrator(db, "operator", PostgresMigrator.FromAssembly(typeof(OperatorOptions).Assembly)).MigrateAsync();
        var index = new DepositIndex(db, rpc, network, "operator", start, chunkSize: 2);

        var scanned = await index.SyncAsync(CancellationToken.None);

        Assert.Equal(2UL, await index.NextIndexAsync(CancellationToken.None));
        Assert.Equal(new HashSet<BlsPublicKey> { a.PublicKey }, await index.AlreadyDepositedAsync([a.PublicKey, c.PublicKey], CancellationToken.None));

        await DepositContract.DepositAsync(sender, devnet.DepositContract, c);
        var restarted = new DepositIndex(db, rpc, network, "operator", start, chunkSize: 2);
        Assert.True(await restarted.SyncAsync(CancellationToken.None) > scanned);

        Assert.Equal(3UL, await restarted.NextIndexAsync(CancellationToken.None));
        await using var connection = await db.OpenConnectionAsync();
        Assert.Equal(5L, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM operator.deposit_events"));
        Assert.Equal(new HashSet<BlsPublicKey> { a.PublicKey, c.PublicKey }, await restarted.AlreadyDepositedAsync([a.PublicKey, c.PublicKey], CancellationToken.None));

        // Predicted: deposited keys at their own index, others after the last, in the order asked.
        using var fresh = DepositFiles.Key("index-fresh");
        Assert.Equal([3UL, 1UL, 4UL, 0UL], await restarted.PredictAsync([fresh.PublicKey, b.PublicKey, DepositFiles.Key("index-fresh-2").PublicKey, a.PublicKey], CancellationToken.None));
        // On a network whose genesis held validators the contract never logged, every index comes after them.
        var afterGenesis = new DepositIndex(db, rpc, network with { UnloggedGenesisValidators = 1000 }, "operator", start, chunkSize: 2);
        Assert.Equal(1003UL, await afterGenesis.NextIndexAsync(CancellationToken.None));
        Assert.Equal([1003UL, 1001UL], await afterGenesis.PredictAsync([fresh.PublicKey, b.PublicKey], CancellationToken.None));

        // The demo's own reading of the same logs (what it checks the signed exits' indexes against): the top-up of
        // a and the forged deposit of c make no validator, c's valid deposit makes the third.
        var logs = await rpc.GetLogsInChunksAsync(LogFilter.ForEvent(devnet.DepositContract, StakeWiseCalls.DepositEvent), start, await rpc.BlockNumberAsync(), 100);
        Assert.Equal(new Dictionary<BlsPublicKey, ulong> { [a.PublicKey] = 0, [b.PublicKey] = 1, [c.PublicKey] = 2 },
            DvtBus.Devnet.Demo.DemoWatch.ChainIndexes(logs, network));
    }

    /// <summary>
    /// A reorg replaces a deposit the index had stored (anvil's snapshot and revert: the chain goes back and another
    /// deposit takes the same index in a block of the same number): the next pass reads the last blocks again and
    /// holds the new deposit, not the dropped one.
    /// </summary>
    [Fact]
    public async Task Deposit_dropped_by_a_reorg_leaves_the_index_and_the_one_in_its_place_enters_it()
    {
        var (network, devnet, sender, rpc) = await DeployAsync("reorg");
        var a = DepositFiles.Entry(network, devnet.Vault, "reorg-a");
        var b = DepositFiles.Entry(network, devnet.Vault, "reorg-b");
        var start = await rpc.BlockNumberAsync();
        await using var db = await MigratedAsync();
        var index = new DepositIndex(db, rpc, network, "operator", start, chunkSize: 100);
        var snapshot = (await anvil.RequestAsync("evm_snapshot")).GetString();

        await DepositContract.DepositAsync(sender, devnet.DepositContract, a);
        await index.SyncAsync(CancellationToken.None);
        Assert.Equal(1UL, await index.NextIndexAsync(CancellationToken.None));
        Assert.Equal(new HashSet<BlsPublicKey> { a.PublicKey }, await index.AlreadyDepositedAsync([a.PublicKey, b.PublicKey], CancellationToken.None));

        Assert.True((await anvil.RequestAsync("evm_revert", snapshot)).GetBoolean());
        // A new sender: the first one counts the reverted transaction's nonce as used and would sign behind a gap.
        using var funder = EthPrivateKey.FromHex(anvil.DevPrivateKeys[2]);
        await DepositContract.DepositAsync(new TransactionSender(rpc, funder, devnet.ChainId), devnet.DepositContract, b);
        await index.SyncAsync(CancellationToken.None);

        Assert.Equal(1UL, await index.NextIndexAsync(CancellationToken.None));
        Assert.Equal(new HashSet<BlsPublicKey> { b.PublicKey }, await index.AlreadyDepositedAsync([a.PublicKey, b.PublicKey], CancellationToken.None));
    }

    /// <summary>
    /// A node that leaves deposit logs out (one in the middle, or the last): the pass fails naming the deposit
    /// missing or the contract's count and keeps none of what it read, and once a node answers in full the next pass
    /// reads from the gap and holds them all.
    /// </summary>
    [Theory]
    [InlineData(1, "deposit 1 is missing from the deposit logs read")]
    [InlineData(2, "end at deposit 1, but the deposit contract counts 3 deposits")]
    public async Task Logs_a_node_left_out_fail_the_pass_and_the_next_full_answer_fills_the_gap(int left, string reason)
    {
        var (network, devnet, sender, rpc) = await DeployAsync($"gap-{left}");
        var deposits = new[] { "a", "b", "c" }.Select(l => DepositFiles.Entry(network, devnet.Vault, $"gap-{left}-{l}")).ToList();
        var start = await rpc.BlockNumberAsync();
        var hashes = new List<Bytes32>();
        foreach (var deposit in deposits) hashes.Add(await DepositContract.DepositAsync(sender, devnet.DepositContract, deposit));
        await using var db = await MigratedAsync();
        using var leaving = new HttpClient(new LeaveLogOut(hashes[left]) { InnerHandler = new HttpClientHandler() });

        var partial = new DepositIndex(db, new EthRpcClient(leaving, anvil.Uri), network, "operator", start, chunkSize: 100);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => partial.SyncAsync(CancellationToken.None));
        Assert.Contains(reason, failure.Message, StringComparison.Ordinal);
        // Nothing the failed pass read is kept: no index comes from the short count.
        Assert.Equal(0UL, await partial.NextIndexAsync(CancellationToken.None));
        Assert.Empty(await partial.AlreadyDepositedAsync(deposits.Select(d => d.PublicKey), CancellationToken.None));

        var full = new DepositIndex(db, rpc, network, "operator", start, chunkSize: 100);
        await full.SyncAsync(CancellationToken.None);
        Assert.Equal(3UL, await full.NextIndexAsync(CancellationToken.None));
        Assert.Equal(deposits.Select(d => d.PublicKey).ToHashSet(),
            await full.AlreadyDepositedAsync(deposits.Select(d => d.PublicKey), CancellationToken.None));
    }

    /// <summary>
    /// A node behind the blocks already read (one behind a load balancer; the pass of another process that read a later
    /// head and committed first) must not shorten the index: its view would delete the deposits stored above its head
    /// and move the next index back, and every index predicted from it would be one too low.
    /// </summary>
    [Fact]
    public async Task A_node_behind_the_blocks_already_read_changes_nothing()
    {
        var (network, devnet, sender, rpc) = await DeployAsync("behind");
        var a = DepositFiles.Entry(network, devnet.Vault, "behind-a");
        var b = DepositFiles.Entry(network, devnet.Vault, "behind-b");
        var start = await rpc.BlockNumberAsync();
        await DepositContract.DepositAsync(sender, devnet.DepositContract, a);
        var afterA = await rpc.BlockNumberAsync();
        await DepositContract.DepositAsync(sender, devnet.DepositContract, b);
        await using var db = await MigratedAsync();
        var current = new DepositIndex(db, rpc, network, "operator", start, chunkSize: 100);

        // Another process's pass reads a later head and commits while this one, on a node one deposit behind, reads.
        using var racing = new HttpClient(new Behind(afterA, () => current.SyncAsync(CancellationToken.None)) { InnerHandler = new HttpClientHandler() });
        var behind = new DepositIndex(db, new EthRpcClient(racing, anvil.Uri), network, "operator", start, chunkSize: 100);
        await behind.SyncAsync(CancellationToken.None);
        Assert.Equal(2UL, await behind.NextIndexAsync(CancellationToken.None));
        Assert.Null(behind.LastSyncedAt);
        Assert.Contains($"answered block {afterA}, behind block", behind.LastFailure, StringComparison.Ordinal);

        // Then, with the stored head ahead of its own from the start.
        using var lagging = new HttpClient(new Behind(afterA, null) { InnerHandler = new HttpClientHandler() });
        var laggingIndex = new DepositIndex(db, new EthRpcClient(lagging, anvil.Uri), network, "operator", start, chunkSize: 100);
        await laggingIndex.SyncAsync(CancellationToken.None);
        Assert.Equal(2UL, await laggingIndex.NextIndexAsync(CancellationToken.None));
        Assert.Equal(new HashSet<BlsPublicKey> { a.PublicKey, b.PublicKey }, await laggingIndex.AlreadyDepositedAsync([a.PublicKey, b.PublicKey], CancellationToken.None));
        Assert.Contains("behind block", laggingIndex.LastFailure, StringComparison.Ordinal);

        // The node catching up is a read again.
        await current.SyncAsync(CancellationToken.None);
        Assert.Null(current.LastFailure);
        Assert.Equal(2UL, await current.NextIndexAsync(CancellationToken.None));
    }

    /// <summary>
    /// A start block after the contract's first deposit would count every validator index short: each pass fails naming
    /// the first deposit read and the contract's count, with deposits read from it or none at all, until the setting is mended.
    /// </summary>
    [Theory]
    [InlineData(1, "begin at deposit 1, but the deposit contract counts 2 deposits")]
    [InlineData(2, "begin at deposit none, but the deposit contract counts 2 deposits")]
    public async Task A_start_block_after_the_first_deposit_fails_every_pass_naming_it(int depositsBeforeStart, string reason)
    {
        var (network, devnet, sender, rpc) = await DeployAsync($"late-{depositsBeforeStart}");
        var deposits = new[] { "a", "b" }.Select(l => DepositFiles.Entry(network, devnet.Vault, $"late-{depositsBeforeStart}-{l}")).ToList();
        foreach (var deposit in deposits.Take(depositsBeforeStart)) await DepositContract.DepositAsync(sender, devnet.DepositContract, deposit);
        var start = await rpc.BlockNumberAsync() + 1;
        foreach (var deposit in deposits.Skip(depositsBeforeStart)) await DepositContract.DepositAsync(sender, devnet.DepositContract, deposit);
        await anvil.RequestAsync("evm_mine");
        await using var db = await MigratedAsync();
        var index = new DepositIndex(db, rpc, network, "operator", start, chunkSize: 100);

        for (var pass = 0; pass < 2; pass++)
        {
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => index.SyncAsync(CancellationToken.None));
            Assert.Contains(reason, failure.Message, StringComparison.Ordinal);
            Assert.Contains("set it to the deposit contract's creation block", failure.Message, StringComparison.Ordinal);
            Assert.Equal(failure.Message, index.LastFailure);
            Assert.Null(index.LastSyncedAt);
        }
    }

    /// <summary>
    /// A database the operator filled before the index kept one row per validator: the migration makes those rows from
    /// the stored deposits (first valid deposit of each key; an invalid one and a top-up make none), and the index reads them.
    /// </summary>
    [Fact]
    public async Task Deposits_stored_before_the_validator_rows_existed_become_those_rows()
    {
        await using var db = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("operator_index"));
        var all = PostgresMigrator.FromAssembly(typeof(OperatorOptions).Assembly);
        await new PostgresMigrator(db, "operator", all.Where(m => m.Version <= 7).ToList()).MigrateAsync();
        var (a, b, c) = (new byte[] { 0xa }, new byte[] { 0xb }, new byte[] { 0xc });
        await using (var connection = await db.OpenConnectionAsync())
            foreach (var (index, key, valid) in new[] { (0L, b, false), (1L, a, true), (2L, b, true), (3L, a, true), (4L, c, false) })
                await connection.ExecuteAsync(
                    "INSERT INTO operator.deposit_events (deposit_index, public_key, valid, block_number) VALUES (@index, @key, @valid, @index + 10)",
                    new { index, key, valid });

        await new PostgresMigrator(db, "operator", all).MigrateAsync();

        await using var check = await db.OpenConnectionAsync();
        Assert.Equal(new[] { (1L, 11L), (2L, 12L) },
            (await check.QueryAsync<(long, long)>("SELECT first_deposit, block_number FROM operator.deposit_validators ORDER BY first_deposit")).ToArray());
        var deposits = new DepositIndex(db, new EthRpcClient(new HttpClient(), new Uri("http://127.0.0.1:9")), OfflineNetwork, "operator", 0, 100);
        Assert.Equal(2UL, await deposits.NextIndexAsync(CancellationToken.None));
    }

    private static readonly Network OfflineNetwork = DepositFiles.Devnet(Address.Parse("0x" + new string('5', 40)));

    private async Task<(Network Network, Deployment Devnet, TransactionSender Sender, EthRpcClient Rpc)> DeployAsync(string name)
    {
        using var manager = DevnetDeployment.Key(name + "-manager");
        var devnet = await DevnetDeployment.DeployAsync(anvil, [manager.Address], 1, manager.Address);
        var rpc = new EthRpcClient(new HttpClient(), anvil.Uri);
        var funder = EthPrivateKey.FromHex(anvil.DevPrivateKeys[2]);
        return (DepositFiles.Devnet(devnet.DepositContract, devnet.ChainId), devnet, new TransactionSender(rpc, funder, devnet.ChainId), rpc);
    }

    private static async Task<NpgsqlDataSource> MigratedAsync()
    {
        var db = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("operator_index"));
        await new PostgresMigrator(db, "operator", PostgresMigrator.FromAssembly(typeof(OperatorOptions).Assembly)).MigrateAsync();
        return db;
    }

    /// <summary>
    /// Answers eth_blockNumber with <paramref name="head"/>, as a node behind would, and runs <paramref name="beforeLogs"/>
    /// (once) before the first eth_getLogs goes to the node.
    /// </summary>
    private sealed class Behind(ulong head, Func<Task>? beforeLogs) : DelegatingHandler
    {
        private Func<Task>? _beforeLogs = beforeLogs;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            if (body.Contains("\"eth_getLogs\"", StringComparison.Ordinal) && Interlocked.Exchange(ref _beforeLogs, null) is { } action) await action();
            var response = await base.SendAsync(request, cancellationToken);
            if (!body.Contains("\"eth_blockNumber\"", StringComparison.Ordinal)) return response;
            var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            json["result"] = "0x" + head.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
            response.Content = new StringContent(json.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            return response;
        }
    }

    /// <summary>Answers eth_getLogs without the log of one transaction, as a node missing some would.</summary>
    private sealed class LeaveLogOut(Bytes32 transaction) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            if (!body.Contains("\"eth_getLogs\"", StringComparison.Ordinal)) return response;
            var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            var logs = json["result"]!.AsArray();
            foreach (var log in logs.Where(l => l!["transactionHash"]!.GetValue<string>() == transaction.ToString()).ToList()) logs.Remove(log);
            response.Content = new StringContent(json.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            return response;
        }
    }
}
