using System.Diagnostics;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Rpc;
using DvtBus.Primitives;

namespace DvtBus.Devnet.Deploy;

/// <summary>What <c>tools/js/devnet-deploy.mjs</c> deployed.</summary>
public sealed record Deployment(ulong ChainId, Address DepositContract, Address Keeper, Address Vault, Bytes32 WithdrawalCredentials);

/// <summary>
/// Deploys the devnet contracts (deposit contract, keeper with the oracle set, one 0x01 vault) by running
/// the project's deploy script, which compiles devnet/contracts with the pinned solc.
/// </summary>
public static class Deployer
{
    public static async Task<Deployment> DeployAsync(
        Uri rpc, IReadOnlyList<Address> oracles, int minOracles, Address manager, string fundingEther, CancellationToken cancellationToken = default)
    {
        var request = new JsonObject
        {
            ["rpcUrl"] = rpc.ToString().TrimEnd('/'),
            ["oracles"] = new JsonArray([.. oracles.Select(o => (JsonNode)o.ToString())]),
            ["validatorsMinOracles"] = minOracles,
            ["validatorsManager"] = manager.ToString(),
            ["withdrawalCredentialsType"] = 1,
            ["fundingEther"] = fundingEther,
        };
        var output = await RunNodeAsync("devnet-deploy.mjs", request.ToJsonString(), cancellationToken);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        return new Deployment(
            root.GetProperty("chainId").GetUInt64(),
            Address.Parse(root.GetProperty("depositContract").GetString()),
            Address.Parse(root.GetProperty("keeper").GetString()),
            Address.Parse(root.GetProperty("vault").GetString()),
            Bytes32.Parse(root.GetProperty("withdrawalCredentials").GetString()));
    }

    /// <summary>
    /// Sends ETH from the node's first (unlocked) account, e.g. so that the validators manager can pay for
    /// the registration transactions it sends itself. Waits until the transfer is mined.
    /// </summary>
    public static async Task FundAsync(Uri rpc, Address to, decimal ether, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient();
        var client = new EthRpcClient(http, rpc);
        var accounts = await client.RequestAsync("eth_accounts", [], cancellationToken);
        if (accounts.GetArrayLength() == 0) throw new InvalidOperationException("the node has no unlocked account to fund from");
        var wei = new BigInteger(ether * 1_000_000_000m) * BigInteger.Pow(10, 9);
        var transfer = new JsonObject { ["from"] = accounts[0].GetString(), ["to"] = to.ToString(), ["value"] = Quantity.Format(wei) };
        var hash = Bytes32.Parse((await client.RequestAsync("eth_sendTransaction", [transfer], cancellationToken)).GetString());
        using var mined = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        mined.CancelAfter(TimeSpan.FromSeconds(30));
        TransactionReceipt receipt;
        try
        {
            receipt = await client.WaitForReceiptAsync(hash, pollInterval: TimeSpan.FromMilliseconds(50), cancellationToken: mined.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"funding {to} was not mined");
        }
        if (!receipt.Succeeded) throw new InvalidOperationException($"funding {to} failed");
    }

    /// <summary>
    /// The devnet's consensus parameters: its own fork versions (so that nothing signed here is valid on
    /// a public network), Capella from genesis, and a genesis validators root derived from the deployment.
    /// </summary>
    public static NetworkOptions Network(Deployment deployment, string name = "dvtbus-devnet") => new()
    {
        Name = name,
        ChainId = deployment.ChainId,
        GenesisForkVersion = "0x10000dd7",
        CapellaForkVersion = "0x40000dd7",
        CapellaEpoch = 0,
        GenesisValidatorsRoot = Hex.Encode(SHA256.HashData(Encoding.UTF8.GetBytes($"{name}:{deployment.ChainId}:{deployment.DepositContract}"))),
        DepositContractAddress = deployment.DepositContract.ToString(),
        SlotsPerEpoch = 32,
        SecondsPerSlot = 12,
    };

    private static async Task<string> RunNodeAsync(string script, string stdin, CancellationToken cancellationToken)
    {
        var tools = Path.Combine(RepoRoot(), "tools", "js");
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = tools,
        };
        psi.ArgumentList.Add(Path.Combine(tools, script));
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {(await stderr).Trim()}");
        return await stdout;
    }

    /// <summary>DVT_ROOT (set by ./dvt), else the folder above this program that holds DvtBus.sln.</summary>
    public static string RepoRoot()
    {
        if (Environment.GetEnvironmentVariable("DVT_ROOT") is { Length: > 0 } root && File.Exists(Path.Combine(root, "DvtBus.sln"))) return root;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DvtBus.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository (DvtBus.sln) was not found: set DVT_ROOT");
    }
}
