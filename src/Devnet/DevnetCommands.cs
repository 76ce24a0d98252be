using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Devnet.Cluster;
using DvtBus.Devnet.Deploy;
using DvtBus.Devnet.Oracles;
using DvtBus.Ethereum.Crypto;
using DvtBus.Keystores;
using DvtBus.Primitives;
using Microsoft.Extensions.Hosting;

namespace DvtBus.Devnet;

/// <summary>The command line: each command prints one JSON document on stdout, and one line on stderr when it fails.</summary>
public static class DevnetCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command ClusterCommand()
    {
        var validators = new Option<int>("--validators") { Description = "number of distributed validators", Required = true };
        var nodes = new Option<int>("--nodes") { Description = "nodes (Obol) or operators (SSV) per validator", DefaultValueFactory = _ => 4 };
        var threshold = new Option<int>("--threshold") { Description = "shares needed to sign", DefaultValueFactory = _ => 3 };
        var vault = new Option<string>("--vault") { Description = "the vault the deposits credit (0x01 credentials)", Required = true };
        var network = new Option<string>("--network-config") { Description = "network JSON (as written by deploy --network-out)", Required = true };
        var output = new Option<string>("--out") { Description = "folder to write the cluster into", Required = true };
        var kind = new Option<ClusterKind>("--kind") { Description = "obol or ssv", DefaultValueFactory = _ => ClusterKind.Obol };
        var kdfCost = new Option<int>("--kdf-cost") { Description = "PBKDF2 iterations of the keystores", DefaultValueFactory = _ => 8192 };
        var command = new Command("cluster", "generate a dev cluster: key shares on disk per node and deposit-data.json")
        {
            validators, nodes, threshold, vault, network, output, kind, kdfCost,
        };
        command.SetAction(parse => Run(() =>
        {
            var spec = new ClusterSpec(parse.GetValue(validators), parse.GetValue(nodes), parse.GetValue(threshold),
                ParseAddress(parse.GetValue(vault), "--vault"), NetworkConfig.Load(parse.GetRequiredValue(network)),
                parse.GetValue(kind), parse.GetValue(kdfCost));
            if (spec.Problem() is { } problem) throw new ArgumentException(problem);
            var cluster = ClusterGenerator.Generate(spec, Path.GetFullPath(parse.GetRequiredValue(output)));
            Print(new JsonObject
            {
                ["folder"] = cluster.Folder,
                ["kind"] = cluster.Kind.ToString().ToLowerInvariant(),
                ["deposit_data"] = cluster.DepositDataFile,
                ["validators"] = new JsonArray([.. cluster.Validators.Select(v => (JsonNode)v.ToString())]),
            });
            return Task.CompletedTask;
        }));
        return command;
    }

    public static Command OracleKeysCommand()
    {
        var count = new Option<int>("--count") { Description = "number of oracles", DefaultValueFactory = _ => 11 };
        var output = new Option<string>("--out") { Description = "key file to write (private keys in the clear: devnet only)", Required = true };
        var command = new Command("oracle-keys", "generate dev oracle keys") { count, output };
        command.SetAction(parse => Run(() =>
        {
            var keys = OracleKeys.Generate(parse.GetValue(count));
            OracleKeys.Write(parse.GetRequiredValue(output), keys);
            Print(new JsonArray([.. keys.Select(k => (JsonNode)new JsonObject { ["address"] = k.Address, ["public_key"] = k.PublicKey })]));
            return Task.CompletedTask;
        }));
        return command;
    }

    public static Command OraclesCommand()
    {
        var keys = new Option<string>("--keys") { Description = "key file from oracle-keys", Required = true };
        var count = new Option<int?>("--count") { Description = "number of oracles (checked against the key file)" };
        var threshold = new Option<int>("--threshold") { Description = "exit signature shards needed to recover (exit_signature_recover_threshold)", Required = true };
        var port = new Option<int>("--port") { Description = "TCP port to listen on", Required = true };
        var host = new Option<string>("--host") { Description = "address to listen on (0.0.0.0 in a container)", DefaultValueFactory = _ => "127.0.0.1" };
        var rpc = new Option<string>("--rpc") { Description = "JSON-RPC URL of the devnet node", Required = true };
        var keeper = new Option<string>("--keeper") { Description = "the keeper contract the approvals are for", Required = true };
        var network = new Option<string>("--network-config") { Description = "network JSON", Required = true };
        var command = new Command("oracles", "serve N dev oracles: POST /oracle/{k}") { keys, count, threshold, port, host, rpc, keeper, network };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var entries = OracleKeys.Load(parse.GetRequiredValue(keys));
            if (parse.GetValue(count) is { } expected && expected != entries.Count)
                throw new ArgumentException($"--count {expected} but the key file holds {entries.Count} oracles");
            var t = parse.GetValue(threshold);
            if (t < 1 || t > entries.Count) throw new ArgumentException($"--threshold must be between 1 and the number of oracles ({entries.Count})");
            var p = parse.GetValue(port);
            if (p is < 1 or > 65535) throw new ArgumentException("--port must be a TCP port");
            if (!System.Net.IPAddress.TryParse(parse.GetValue(host), out var address)) throw new ArgumentException("--host must be an IP address");
            var settings = new OracleServer.Settings(entries, t, NetworkConfig.Load(parse.GetRequiredValue(network)),
                ParseAddress(parse.GetValue(keeper), "--keeper"), ParseUrl(parse.GetValue(rpc), "--rpc"), p, address.ToString());
            await using var app = OracleServer.Build(settings);
            await app.StartAsync(ct);
            await app.WaitForShutdownAsync(ct);
        }));
        return command;
    }

    public static Command ManagerKeyCommand()
    {
        var keystore = new Option<string>("--keystore") { Description = "keystore v3 file to write", Required = true };
        var passwordFile = new Option<string>("--password-file") { Description = "password file to write", Required = true };
        var command = new Command("manager-key", "generate the vault's validators-manager key as a keystore v3 + password file") { keystore, passwordFile };
        command.SetAction(parse => Run(() =>
        {
            var text = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var secret = new byte[32];
            try
            {
                using var key = DevKeys.NewSecp256k1(secret);
                using var password = KeystorePassword.FromText(text);
                File.WriteAllText(parse.GetRequiredValue(keystore), EthereumKeystore.Encrypt(secret, password, new KdfOptions(KdfFunction.Pbkdf2, 8192)).ToJson());
                File.WriteAllText(parse.GetRequiredValue(passwordFile), text);
                Print(new JsonObject { ["address"] = AddressChecksum.Encode(key.Address) });
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
            return Task.CompletedTask;
        }));
        return command;
    }

    public static Command DeployCommand()
    {
        var rpc = new Option<string>("--rpc") { Description = "JSON-RPC URL of a node whose first account is unlocked (anvil)", Required = true };
        var oraclesFile = new Option<string>("--oracles-file") { Description = "key file from oracle-keys (only the addresses are used)", Required = true };
        var minOracles = new Option<int>("--min-oracles") { Description = "approvals the keeper requires", Required = true };
        var manager = new Option<string>("--manager") { Description = "the vault's validators manager", Required = true };
        var funding = new Option<string>("--funding-ether") { Description = "ETH sent to the vault for the deposits", DefaultValueFactory = _ => "4000" };
        var managerFunding = new Option<decimal>("--manager-ether") { Description = "ETH sent to the validators manager for its transactions' gas", DefaultValueFactory = _ => 10m };
        var networkOut = new Option<string?>("--network-out") { Description = "write the devnet's network JSON here" };
        var command = new Command("deploy", "deploy the devnet deposit contract, keeper and vault; fund the vault and its manager")
        {
            rpc, oraclesFile, minOracles, manager, funding, managerFunding, networkOut,
        };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var oracles = OracleKeys.Load(parse.GetRequiredValue(oraclesFile)).Select(k => Address.Parse(k.Address)).ToArray();
            var min = parse.GetValue(minOracles);
            if (min < 1 || min > oracles.Length) throw new ArgumentException($"--min-oracles must be between 1 and the number of oracles ({oracles.Length})");
            var rpcUrl = ParseUrl(parse.GetValue(rpc), "--rpc");
            var managerAddress = ParseAddress(parse.GetValue(manager), "--manager");
            var deployment = await Deployer.DeployAsync(rpcUrl, oracles, min, managerAddress, parse.GetRequiredValue(funding), ct);
            if (parse.GetValue(managerFunding) is > 0 and var ether) await Deployer.FundAsync(rpcUrl, managerAddress, ether, ct);
            var network = Deployer.Network(deployment);
            if (parse.GetValue(networkOut) is { } file) NetworkConfig.Write(file, network);
            Print(new JsonObject
            {
                ["chain_id"] = deployment.ChainId,
                ["deposit_contract"] = deployment.DepositContract.ToString(),
                ["keeper"] = deployment.Keeper.ToString(),
                ["vault"] = deployment.Vault.ToString(),
                ["withdrawal_credentials"] = deployment.WithdrawalCredentials.ToString(),
                ["network"] = JsonSerializer.SerializeToNode(network),
            });
        }));
        return command;
    }

    public static Command DemoWatchCommand()
    {
        var depositData = new Option<string>("--deposit-data") { Description = "the deposit-data file dropped into the operator's inbox", Required = true };
        var relayer = new Option<string>("--relayer") { Description = "relayer HTTP base URL (write token in DVT_RELAYER_TOKEN)", Required = true };
        var operatorUrl = new Option<string>("--operator") { Description = "operator HTTP base URL", Required = true };
        var rpc = new Option<string>("--rpc") { Description = "JSON-RPC URL of the devnet node", Required = true };
        var vault = new Option<string>("--vault") { Required = true };
        var keeper = new Option<string>("--keeper") { Required = true };
        var network = new Option<string>("--network-config") { Required = true };
        var oracleKeys = new Option<string>("--oracle-keys") { Description = "key file from oracle-keys", Required = true };
        var oracleThreshold = new Option<int>("--oracle-threshold") { Required = true };
        var threshold = new Option<int>("--threshold") { Description = "the cluster's signing threshold", Required = true };
        var output = new Option<string?>("--out") { Description = "write the verifiable result JSON here" };
        var timeout = new Option<int>("--timeout") { Description = "seconds to wait for every registration", DefaultValueFactory = _ => 600 };
        var command = new Command("demo-watch", "follow a demo run to the last ValidatorRegistered event, check every oracle shard, print timings")
        {
            depositData, relayer, operatorUrl, rpc, vault, keeper, network, oracleKeys, oracleThreshold, threshold, output, timeout,
        };
        command.SetAction((parse, ct) => Run(async () =>
        {
            using var deposits = JsonDocument.Parse(await File.ReadAllTextAsync(parse.GetRequiredValue(depositData), ct));
            var validators = deposits.RootElement.EnumerateArray().Select(e => BlsPublicKey.Parse(e.GetProperty("pubkey").GetString())).ToArray();
            var token = Environment.GetEnvironmentVariable("DVT_RELAYER_TOKEN") ?? throw new ArgumentException("DVT_RELAYER_TOKEN must hold the relayer's API token");
            var settings = new Demo.DemoWatch.Settings(validators, BaseUrl(parse.GetValue(relayer), "--relayer"), token, BaseUrl(parse.GetValue(operatorUrl), "--operator"),
                ParseUrl(parse.GetValue(rpc), "--rpc"), ParseAddress(parse.GetValue(vault), "--vault"), ParseAddress(parse.GetValue(keeper), "--keeper"),
                NetworkConfig.Load(parse.GetRequiredValue(network)), OracleKeys.Load(parse.GetRequiredValue(oracleKeys)),
                parse.GetValue(oracleThreshold), parse.GetValue(threshold), parse.GetValue(output), TimeSpan.FromSeconds(parse.GetValue(timeout)));
            var code = await new Demo.DemoWatch(settings, Console.Out).RunAsync(ct);
            if (code != 0) throw new DemoFailedException();
        }));
        return command;
    }

    private sealed class DemoFailedException() : InvalidOperationException("the demo did not register every validator");

    private static Uri BaseUrl(string? text, string option)
    {
        var url = ParseUrl(text, option).ToString();
        return new Uri(url.EndsWith('/') ? url : url + "/");
    }

    private static Address ParseAddress(string? text, string option) =>
        Address.TryParse(text, out var address) ? address : throw new ArgumentException($"{option} must be a 20-byte 0x address");

    private static Uri ParseUrl(string? text, string option) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : throw new ArgumentException($"{option} must be an http(s) URL");

    private static void Print(JsonNode document) => Console.Out.WriteLine(document.ToJsonString(Indented));

    private static async Task<int> Run(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or KeyMaterialException or InvalidOperationException or IOException or UnauthorizedAccessException
            or Ethereum.Rpc.RpcException or Ethereum.Rpc.RpcTransportException or System.Text.Json.JsonException)
        {
            if (e is not DemoFailedException) await Console.Error.WriteLineAsync($"devnet: {e.Message}");
            return e is ArgumentException ? 2 : 1;
        }
    }
}
