using System.Text.Json;
using DvtBus.Ethereum.Crypto;
using DvtBus.Primitives;
using DvtBus.TestSupport;

namespace DvtBus.Operator.Tests.Support;

/// <summary>The devnet contracts (deposit contract, keeper, vault) deployed by tools/js/devnet-deploy.mjs to an anvil.</summary>
public sealed record DevnetDeployment(ulong ChainId, Address DepositContract, Address Keeper, Address Vault)
{
    public static async Task<DevnetDeployment> DeployAsync(AnvilNode anvil, IEnumerable<Address> oracles, int minOracles, Address manager)
    {
        var request = JsonSerializer.Serialize(new
        {
            rpcUrl = anvil.Url,
            oracles = oracles.Select(o => o.ToString()).ToArray(),
            validatorsMinOracles = minOracles,
            validatorsManager = manager.ToString(),
            withdrawalCredentialsType = 1,
            fundingEther = "1000",
        });
        using var deployed = JsonDocument.Parse(await NodePeer.RunAsync("devnet-deploy.mjs", request));
        var root = deployed.RootElement;
        return new DevnetDeployment(
            root.GetProperty("chainId").GetUInt64(),
            Address.Parse(root.GetProperty("depositContract").GetString()),
            Address.Parse(root.GetProperty("keeper").GetString()),
            Address.Parse(root.GetProperty("vault").GetString()));
    }

    public static EthPrivateKey Key(string label) =>
        EthPrivateKey.FromBytes(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("operator-test-eth-" + label)));
}
