using Dapper;
using DvtBus.Crypto.Deposits;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.Transactions;
using DvtBus.Hosting;
using DvtBus.Operator.Deposits;
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
            await DepositAsync(sender, devnet.DepositContract, deposit);

        await using var db = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("operator_index"));
        await new PostgresMigrator(db, "operator", PostgresMigrator.FromAssembly(typeof(OperatorOptions).Assembly)).MigrateAsync();
        var index = new DepositIndex(db, rpc, network, start, chunkSize: 2);

        var scanned = await index.SyncAsync(CancellationToken.None);

        Assert.Equal(2UL, await index.NextIndexAsync(CancellationToken.None));
        Assert.Equal(new HashSet<BlsPublicKey> { a.PublicKey }, await index.AlreadyDepositedAsync([a.PublicKey, c.PublicKey], CancellationToken.None));

        await DepositAsync(sender, devnet.DepositContract, c);
        var restarted = new DepositIndex(db, rpc, network, start, chunkSize: 2);
        Assert.True(await restarted.SyncAsync(CancellationToken.None) > scanned);

        Assert.Equal(3UL, await restarted.NextIndexAsync(CancellationToken.None));
        await using var connection = await db.OpenConnectionAsync();
        Assert.Equal(5L, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM operator.deposit_events"));
        Assert.Equal(new HashSet<BlsPublicKey> { a.PublicKey, c.PublicKey }, await restarted.AlreadyDepositedAsync([a.PublicKey, c.PublicKey], CancellationToken.None));
    }

    private static async Task DepositAsync(TransactionSender sender, Address depositContract, DepositValidator v)
    {
        var receipt = await sender.SendAndWaitAsync(new TransactionRequest(depositContract, DepositFiles.DepositCall(v), DepositFiles.Wei(v)));
        Assert.True(receipt.Succeeded);
    }
}
