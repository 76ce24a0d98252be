using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Deposits;
using DvtBus.Devnet.Deploy;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.Transactions;
using DvtBus.Primitives;
using DvtBus.Relayer.Tests.Support;
using DvtBus.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>
/// A relayer with <c>Chain:RpcUrl</c>: a devnet's deposit contract on its own anvil, the relayer's network described
/// after it, its deposit logs read every second. Other stakers' deposits are made straight to the contract.
/// </summary>
public sealed class ChainRelayerEnvironment : RelayerEnvironment
{
    public AnvilNode Anvil { get; } = new();
    public Network Network { get; private set; } = null!;
    public Deployment Devnet { get; private set; } = null!;
    private NetworkOptions _networkOptions = null!;

    public override async Task InitializeAsync()
    {
        await Anvil.InitializeAsync();
        var nobody = Address.Parse("0x" + new string('1', 40));
        Devnet = await Deployer.DeployAsync(Anvil.Uri, [nobody], 1, nobody, fundingEther: "1");
        _networkOptions = Deployer.Network(Devnet, "relayer-chain-devnet");
        Network = Networks.Resolve(_networkOptions);
        await base.InitializeAsync();
    }

    protected override Dictionary<string, string?> ExtraSettings()
    {
        var o = _networkOptions;
        return new Dictionary<string, string?>
        {
            ["Network:Name"] = o.Name,
            ["Network:ChainId"] = o.ChainId!.Value.ToString(CultureInfo.InvariantCulture),
            ["Network:GenesisForkVersion"] = o.GenesisForkVersion,
            ["Network:CapellaForkVersion"] = o.CapellaForkVersion,
            ["Network:CapellaEpoch"] = "0",
            ["Network:GenesisValidatorsRoot"] = o.GenesisValidatorsRoot,
            ["Network:DepositContractAddress"] = o.DepositContractAddress,
            ["Network:SlotsPerEpoch"] = "32",
            ["Network:SecondsPerSlot"] = "12",
            ["Chain:RpcUrl"] = Anvil.Url,
            ["Chain:ScanInterval"] = "00:00:01",
            ["Chain:MaxStaleness"] = "00:00:04",
            // Long enough for the tests that collect shares, short enough to watch an unfinished exit expire.
            ["Exits:Lifetime"] = "00:00:15",
            ["Timeouts:SweepInterval"] = "00:00:00.500",
        };
    }

    /// <summary>A deposit to the devnet's contract from one of anvil's funded accounts, mined.</summary>
    public async Task DepositAsync(DvtBus.Crypto.Deposits.DepositValidator deposit)
    {
        using var http = new HttpClient();
        using var depositor = EthPrivateKey.FromHex(Anvil.DevPrivateKeys[3]);
        await DepositContract.DepositAsync(new TransactionSender(new EthRpcClient(http, Anvil.Uri), depositor, Network.ChainId), Network.DepositContract, deposit);
    }

    /// <summary>Another staker's validator deposited for the vault.</summary>
    public Task DepositOtherAsync()
    {
        using var key = BlsSecretKey.Generate();
        return DepositAsync(DepositContract.Entry(Network, key, Devnet.Vault));
    }

    /// <summary>Makes the relayer read the deposit logs now instead of at its next tick.</summary>
    public Task SyncAsync() => Relayer.Services.GetRequiredService<DepositIndex>().SyncAsync(CancellationToken.None);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Anvil.Dispose();
    }
}

/// <summary>
/// The public StakeWise operator's call, <c>POST /validators</c> with public keys alone: the relayer predicts each
/// validator's index from the deposits on chain, as the public relayer did, and opens the exits there.
/// </summary>
public sealed class ChainIndexTests(ChainRelayerEnvironment env) : IClassFixture<ChainRelayerEnvironment>
{
    [Fact]
    public async Task Keys_alone_open_exits_at_the_predicted_indexes_which_move_when_other_deposits_come_first()
    {
        using var http = env.Http();
        await env.DepositOtherAsync();
        await env.DepositOtherAsync();
        await env.SyncAsync();
        var next = await NextIndexAsync();
        var clusters = new[] { new TestCluster(network: env.Network), new TestCluster(network: env.Network) };
        await RelayerEnvironment.AnnounceOverHttpAsync(http, clusters);

        var first = await PostAsync(http, clusters);
        Assert.False(first["ready"]!.GetValue<bool>());
        Assert.Equal([next, next + 1], await IndexesAsync(http, clusters));
        await SubmitSharesAsync(http, clusters, next);
        await env.WaitReadyOverHttpAsync(http, clusters, next);

        // Another staker's deposit lands before the vault registers them: the signatures are for indexes these
        // validators will not get, so the exits open again one index further.
        await env.DepositOtherAsync();
        await env.SyncAsync();
        var moved = await PostAsync(http, clusters);
        Assert.False(moved["ready"]!.GetValue<bool>());
        Assert.Equal([next + 1, next + 2], await IndexesAsync(http, clusters));
        // Sidecars on the bus hear of the exits asked for over HTTP as of any other.
        var announced = await env.Recorder.WaitForAsync<ExitRequested>(
            r => r.Validators.Any(v => v.PublicKey == clusters[0].PublicKey && v.ValidatorIndex == next + 1), "ExitRequested of the moved exits");
        Assert.Null(announced.Vault);
        Assert.Equal(env.Network.Name, announced.Network);
        Assert.Equal(clusters.Select((c, i) => new RequestedExit(c.PublicKey, next + 1 + (ulong)i)), announced.Validators);
        await SubmitSharesAsync(http, clusters, next + 1);
        await env.WaitReadyOverHttpAsync(http, clusters, next + 1);

        // The vault registers them: deposited, each has the index it was signed for, and nothing is asked again.
        foreach (var cluster in clusters) await env.DepositAsync(cluster.Deposit(env.Devnet.Vault));
        await env.SyncAsync();
        var exitRows = await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.exits");
        var registered = await PostAsync(http, clusters);
        Assert.True(registered["ready"]!.GetValue<bool>());
        Assert.Equal(exitRows, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.exits"));

        // A deposited key asked for after a new one keeps its own index; the new one takes the next free index.
        var newcomer = new TestCluster(network: env.Network);
        await PostAsync(http, [newcomer, clusters[0]]);
        Assert.Equal([next + 3, next + 1], await IndexesAsync(http, [newcomer, clusters[0]]));
    }

    /// <summary>
    /// The operator polls: an exit at its predicted index is asked for once, but one whose lifetime ended unfinished is
    /// asked for again by the next call, at the same index (the same exit, collecting again), and the sidecars hear of it again.
    /// </summary>
    [Fact]
    public async Task An_exit_that_expired_unfinished_is_asked_again_at_its_index_by_the_next_call()
    {
        using var http = env.Http();
        var cluster = new TestCluster(network: env.Network);
        await WaitAnsweredAsync(http, cluster, "the exit asked for at its predicted index");
        var index = Assert.Single(await IndexesAsync(http, [cluster]));
        await PostAsync(http, [cluster]);

        await RelayerEnvironment.WaitUntilAsync(async () => await StateAsync(cluster) == "expired", "the exit's lifetime to end", seconds: 90);
        // Seconds after the second call: had it asked again, the sidecars would have heard twice by now.
        Assert.Equal(1, Announcements(cluster));
        await PostAsync(http, [cluster]);

        await RelayerEnvironment.WaitUntilAsync(async () => await StateAsync(cluster) == "collecting", "the exit collecting again", seconds: 30);
        Assert.Equal([index], await IndexesAsync(http, [cluster]));
        Assert.Equal(1L, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.exits WHERE public_key = @key", new { key = cluster.PublicKey.ToArray() }));
        await RelayerEnvironment.WaitUntilAsync(() => Task.FromResult(Announcements(cluster) == 2), "the sidecars told again");
    }

    private Task<string> StateAsync(TestCluster cluster) =>
        env.QueryScalarAsync<string>("SELECT state FROM relayer.exits WHERE public_key = @key", new { key = cluster.PublicKey.ToArray() });

    /// <summary>How many ExitRequested the relayer published for the cluster's validator.</summary>
    private int Announcements(TestCluster cluster) =>
        env.Recorder.Of<ExitRequested>().Count(r => r.Validators.Any(v => v.PublicKey == cluster.PublicKey));

    [Fact]
    public async Task Without_a_recent_read_of_the_deposits_the_call_is_refused_as_unavailable_until_the_node_is_back()
    {
        using var http = env.Http();
        var cluster = new TestCluster(network: env.Network);
        await WaitAnsweredAsync(http, cluster, "the first read of the deposits");
        await env.Anvil.StopAsync();
        try
        {
            string refusal = "";
            await RelayerEnvironment.WaitUntilAsync(async () =>
            {
                var response = await http.PostAsJsonAsync("/validators", new { public_keys = new[] { cluster.PublicKey.ToString() } });
                refusal = await response.Content.ReadAsStringAsync();
                return response.StatusCode == HttpStatusCode.ServiceUnavailable;
            }, "a 503 once the last read is older than Chain:MaxStaleness", seconds: 60);
            Assert.Contains("last read from Chain:RpcUrl", refusal);
            Assert.Contains("the last read failed", refusal);
        }
        finally
        {
            await env.Anvil.RestartAsync();
        }
        await WaitAnsweredAsync(http, cluster, "200 once the node answers again");
        Assert.Single(await IndexesAsync(http, [cluster]));
    }

    private static Task WaitAnsweredAsync(HttpClient http, TestCluster cluster, string what) =>
        RelayerEnvironment.WaitUntilAsync(async () =>
            (await http.PostAsJsonAsync("/validators", new { public_keys = new[] { cluster.PublicKey.ToString() } })).StatusCode == HttpStatusCode.OK,
            what, seconds: 60);

    [Fact]
    public async Task A_node_of_another_chain_stops_the_relayer_at_start()
    {
        var settings = TestServices.DaemonSettings(env.VirtualHost, env.Postgres);
        settings["Urls"] = "http://127.0.0.1:0";
        settings["Network:Name"] = "mainnet";
        settings["Api:Token"] = RelayerEnvironment.Token;
        settings["Chain:RpcUrl"] = env.Anvil.Url;
        foreach (var (k, v) in env.Oracles.Settings()) settings[k] = v;
        await using var app = RelayerHost.Build(settings.Select(s => $"--{s.Key}={s.Value}").ToArray());

        var e = await Record.ExceptionAsync(() => app.StartAsync());

        var failure = Assert.IsType<OptionsValidationException>(e);
        Assert.Contains($"Chain:RpcUrl {env.Anvil.Url} serves chain {env.Anvil.ChainId}, but Network 'mainnet' is chain 1", failure.Message);
    }

    private async Task<ulong> NextIndexAsync() =>
        (await env.Relayer.Services.GetRequiredService<DepositIndex>().PredictAsync([new TestCluster().PublicKey], CancellationToken.None))[0];

    private static async Task<JsonNode> PostAsync(HttpClient http, IEnumerable<TestCluster> clusters)
    {
        var response = await http.PostAsJsonAsync("/validators", new { public_keys = clusters.Select(c => c.PublicKey.ToString()) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>The index of each cluster's current exit, as <c>GET /exits</c> lists it for the sidecars.</summary>
    private static async Task<ulong[]> IndexesAsync(HttpClient http, IEnumerable<TestCluster> clusters)
    {
        var exits = JsonNode.Parse(await http.GetStringAsync("/exits"))!["exits"]!.AsArray();
        return clusters.Select(c => exits.Single(e => e!["public_key"]!.GetValue<string>() == c.PublicKey.ToString())!["validator_index"]!.GetValue<ulong>()).ToArray();
    }

    /// <summary>What the sidecars of nodes 1 to 3 send: their shares of the exits at <paramref name="start"/>, <paramref name="start"/> + 1, ….</summary>
    private static async Task SubmitSharesAsync(HttpClient http, IReadOnlyList<TestCluster> clusters, ulong start)
    {
        for (ulong node = 1; node <= 3; node++)
        {
            var response = await http.PostAsJsonAsync("/exit-signature", new
            {
                share_index = node,
                shares = clusters.Select((c, i) => new { public_key = c.PublicKey.ToString(), exit_signature = c.Sign(node, start + (ulong)i).ToString() }),
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}
