using DvtBus.Crypto.Consensus;
using DvtBus.Devnet.Deploy;
using DvtBus.Ethereum.Crypto;
using DvtBus.Keystores;
using DvtBus.Primitives;
using DvtBus.TestSupport;

namespace DvtBus.Operator.Tests.Support;

/// <summary>
/// The devnet contracts (deposit contract, keeper, vault) deployed on an anvil by src/Devnet's
/// <see cref="Deployer"/>, and the tests' Ethereum keys, made from labels so that a test can name an
/// oracle or a manager before anything is deployed.
/// </summary>
public static class DevnetDeployment
{
    public static Task<Deployment> DeployAsync(AnvilNode anvil, IEnumerable<Address> oracles, int minOracles, Address manager) =>
        Deployer.DeployAsync(anvil.Uri, [.. oracles], minOracles, manager, fundingEther: "1000");

    /// <summary>
    /// A fresh devnet whose keeper trusts the labelled oracles (<paramref name="minOracles"/> of them must
    /// sign), those oracles serving over HTTP with the same threshold, and the manager's account funded.
    /// </summary>
    public static async Task<(Deployment Devnet, Network Network, DevOracles Oracles)> StartAsync(
        AnvilNode anvil, IReadOnlyList<string> oracleLabels, int minOracles, string managerLabel)
    {
        using var manager = Key(managerLabel);
        var devnet = await DeployAsync(anvil, oracleLabels.Select(DevOracles.AddressOf), minOracles, manager.Address);
        await anvil.RequestAsync("anvil_setBalance", manager.Address.ToString(), "0x3635C9ADC5DEA00000");
        var network = DepositFiles.Devnet(devnet.DepositContract, devnet.ChainId);
        var oracles = await DevOracles.StartAsync(oracleLabels, minOracles, network, devnet.Keeper, anvil.Uri);
        return (devnet, network, oracles);
    }

    /// <summary>
    /// The operator's settings for the devnet as its environment gives them (<c>Operator:*</c>, and the timeout
    /// sweep): the watched folder and the manager's keystore and password file under <paramref name="root"/>
    /// (deposits/, manager.json, manager.txt), folder and deposit scans every second.
    /// </summary>
    public static Dictionary<string, string?> OperatorSettings(
        string root, Deployment devnet, Network network, string rpcUrl, IReadOnlyList<string> oracleUrls, TimeSpan stuckAfter)
    {
        var settings = new Dictionary<string, string?>();
        void Set(string key, object value) => settings["Operator:" + key] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        Set("Folder", Path.Combine(root, "deposits"));
        Set("Network:Name", network.Name);
        Set("Network:ChainId", network.ChainId);
        Set("Network:GenesisForkVersion", network.GenesisForkVersion.ToString());
        Set("Network:CapellaForkVersion", network.CapellaForkVersion.ToString());
        Set("Network:CapellaEpoch", network.CapellaEpoch);
        Set("Network:GenesisValidatorsRoot", network.GenesisValidatorsRoot.ToString());
        Set("Network:DepositContractAddress", network.DepositContract.ToString());
        Set("Network:SlotsPerEpoch", network.SlotsPerEpoch);
        Set("Network:SecondsPerSlot", network.SecondsPerSlot);
        Set("Vault", devnet.Vault.ToString());
        Set("Keeper", devnet.Keeper.ToString());
        Set("RpcUrl", rpcUrl);
        for (var i = 0; i < oracleUrls.Count; i++) Set($"Oracles:{i}:Url", oracleUrls[i]);
        Set("OracleTimeout", "00:00:20");
        Set("ManagerKeystore", Path.Combine(root, "manager.json"));
        Set("ManagerPasswordFile", Path.Combine(root, "manager.txt"));
        Set("StuckAfter", stuckAfter.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
        Set("ScanInterval", "00:00:01");
        Set("StabilityDelay", "00:00:00.050");
        Set("LogChunkSize", 1000);
        settings["Timeouts:SweepInterval"] = "00:00:01";
        return settings;
    }

    /// <summary>The secret of the labelled key.</summary>
    public static byte[] Secret(string label) =>
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("operator-test-eth-" + label));

    public static EthPrivateKey Key(string label) => EthPrivateKey.FromBytes(Secret(label));

    /// <summary>
    /// The labelled key as a keystore v3 file (cheap PBKDF2) and its password file, the password ending in
    /// a newline (which is part of it): what the operator's ManagerKeystore and ManagerPasswordFile name.
    /// </summary>
    public static async Task WriteKeystoreAsync(string label, string keystoreFile, string passwordFile)
    {
        await File.WriteAllBytesAsync(passwordFile, "test password\n"u8.ToArray());
        using var password = KeystorePassword.ReadFile(passwordFile);
        await File.WriteAllTextAsync(keystoreFile, EthereumKeystore.Encrypt(Secret(label), password, new KdfOptions(KdfFunction.Pbkdf2, 1000)).ToJson());
    }
}
