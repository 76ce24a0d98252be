using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;

namespace DvtBus.EndToEnd.Tests;

/// <summary>A devnet as the deploy command describes one, for tests that need no chain.</summary>
internal static class DevnetNetwork
{
    public static Address Vault { get; } = Address.Parse("0xa513e6e4b8f2a923d98304ec87f64353c4d5c853");
    public static Address Keeper { get; } = Address.Parse("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512");

    public static Network Network { get; } = Networks.Resolve(new NetworkOptions
    {
        Name = "dvtbus-devnet",
        ChainId = 31337,
        GenesisForkVersion = "0x10000dd7",
        CapellaForkVersion = "0x40000dd7",
        CapellaEpoch = 0,
        GenesisValidatorsRoot = "0x897ea4dfca7c2608a6513b1f78f2728bb97312dd014805dbe70dc56ec70f50fb",
        DepositContractAddress = "0x5fbdb2315678afecb367f032d93f642f64180aa3",
    });

    public static string TempFolder(string label)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"dvt-e2e-{label}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
