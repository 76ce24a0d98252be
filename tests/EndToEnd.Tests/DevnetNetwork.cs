using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Devnet.Deploy;
using DvtBus.Primitives;

namespace DvtBus.EndToEnd.Tests;

/// <summary>A devnet as the deploy command describes one, for tests that need no chain.</summary>
internal static class DevnetNetwork
{
    public static Address Vault { get; } = Address.Parse("0xa513e6e4b8f2a923d98304ec87f64353c4d5c853");
    public static Address Keeper { get; } = Address.Parse("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512");

    /// <summary>What deploy writes for a deployment at anvil's first addresses.</summary>
    public static Network Network { get; } = Networks.Resolve(Deployer.Network(new Deployment(
        31337, Address.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3"), Keeper, Vault,
        WithdrawalCredentials.ForVault(WithdrawalCredentialType.Execution, Vault))));

    public static string TempFolder(string label)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"dvt-e2e-{label}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
