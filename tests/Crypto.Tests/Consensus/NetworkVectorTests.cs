using System.Globalization;
using System.Text.Json;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Crypto.Tests.Consensus;

[Trait("Category", "Vectors")]
public class NetworkVectorTests
{
    public static TheoryData<string> NetworkNames => new() { "mainnet", "hoodi", "gnosis", "chiado" };

    private static JsonElement NetworkJson(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector("consensus", "networks.json")));
        return doc.RootElement.GetProperty("networks").GetProperty(name).Clone();
    }

    private static Network BuiltIn(string name) =>
        Networks.TryGetBuiltIn(name, out var network) ? network : throw new Xunit.Sdk.XunitException($"{name} is not built in");

    [Theory, MemberData(nameof(NetworkNames))]
    public void Built_in_network_matches_networks_json(string name)
    {
        var json = NetworkJson(name);
        var network = BuiltIn(name);
        var forks = json.GetProperty("fork_versions");

        Assert.Equal(json.GetProperty("CONFIG_NAME").GetString(), network.Name);
        Assert.Equal(json.GetProperty("DEPOSIT_CHAIN_ID").GetUInt64(), network.ChainId);
        Assert.Equal(Address.Parse(json.GetProperty("DEPOSIT_CONTRACT_ADDRESS").GetString()), network.DepositContract);
        Assert.Equal(Bytes4.Parse(forks.GetProperty("GENESIS_FORK_VERSION").GetString()), network.GenesisForkVersion);
        Assert.Equal(Bytes4.Parse(forks.GetProperty("CAPELLA_FORK_VERSION").GetString()), network.CapellaForkVersion);
        Assert.Equal(forks.GetProperty("CAPELLA_FORK_EPOCH").GetUInt64(), network.CapellaEpoch);
        Assert.Equal(Bytes32.Parse(json.GetProperty("genesis_validators_root").GetString()), network.GenesisValidatorsRoot);
    }

    [Theory, MemberData(nameof(NetworkNames))]
    public void Domains_and_fork_data_roots_match_networks_json(string name)
    {
        var derived = NetworkJson(name).GetProperty("derived_by_collector");
        var network = BuiltIn(name);

        Assert.Equal(Bytes32.Parse(derived.GetProperty("deposit_domain").GetString()), DepositSigning.Domain(network));
        Assert.Equal(Bytes32.Parse(derived.GetProperty("voluntary_exit_domain_eip7044").GetString()), ExitSigning.Domain(network));
        Assert.Equal(Bytes32.Parse(derived.GetProperty("genesis_fork_data_root_zero_gvr").GetString()),
            new ForkData(network.GenesisForkVersion, Bytes32.From(new byte[32])).HashTreeRoot());
        Assert.Equal(Bytes32.Parse(derived.GetProperty("capella_fork_data_root").GetString()),
            new ForkData(network.CapellaForkVersion, network.GenesisValidatorsRoot).HashTreeRoot());
    }

    [Theory, MemberData(nameof(NetworkNames))]
    public void Exit_domain_is_pinned_to_capella_whatever_fork_comes_later(string name)
    {
        var network = BuiltIn(name);
        var forkVersions = NetworkJson(name).GetProperty("fork_versions").EnumerateObject()
            .Where(p => p.Name.EndsWith("_FORK_VERSION", StringComparison.Ordinal))
            .ToDictionary(p => p.Name, p => Bytes4.Parse(p.Value.GetString()));

        Assert.Equal(7, forkVersions.Count);
        foreach (var (fork, version) in forkVersions)
        {
            var domain = Domains.Compute(Domains.VoluntaryExit, version, network.GenesisValidatorsRoot);
            Assert.Equal(fork == "CAPELLA_FORK_VERSION", domain == ExitSigning.Domain(network));
        }
    }

    [Fact]
    public void Domain_type_constants_match_networks_json()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector("consensus", "networks.json")));
        var constants = doc.RootElement.GetProperty("constants");
        Assert.Equal(Bytes4.Parse(constants.GetProperty("DOMAIN_DEPOSIT").GetString()), Domains.Deposit);
        Assert.Equal(Bytes4.Parse(constants.GetProperty("DOMAIN_VOLUNTARY_EXIT").GetString()), Domains.VoluntaryExit);
    }

    public static TheoryData<string, string> ConfigFiles => new()
    {
        { "mainnet", "ethereum-consensus-specs_configs_mainnet.yaml" },
        { "hoodi", "eth-clients-hoodi_metadata_config.yaml" },
        { "gnosis", "gnosischain-configs_mainnet_config.yaml" },
        { "chiado", "gnosischain-configs_chiado_config.yaml" },
    };

    [Theory, MemberData(nameof(ConfigFiles))]
    public void Built_in_network_matches_its_published_config_yaml(string name, string file)
    {
        var config = ReadYamlScalars(RepoPaths.Vector("consensus", "configs", file));
        var network = BuiltIn(name);

        Assert.Equal(config["CONFIG_NAME"], network.Name);
        Assert.Equal(ulong.Parse(config["DEPOSIT_CHAIN_ID"], CultureInfo.InvariantCulture), network.ChainId);
        Assert.Equal(Address.Parse(config["DEPOSIT_CONTRACT_ADDRESS"]), network.DepositContract);
        Assert.Equal(Bytes4.Parse(config["GENESIS_FORK_VERSION"]), network.GenesisForkVersion);
        Assert.Equal(Bytes4.Parse(config["CAPELLA_FORK_VERSION"]), network.CapellaForkVersion);
        Assert.Equal(ulong.Parse(config["CAPELLA_FORK_EPOCH"], CultureInfo.InvariantCulture), network.CapellaEpoch);
        var secondsPerSlot = config.TryGetValue("SECONDS_PER_SLOT", out var seconds)
            ? uint.Parse(seconds, CultureInfo.InvariantCulture)
            : uint.Parse(config["SLOT_DURATION_MS"], CultureInfo.InvariantCulture) / 1000;
        Assert.Equal(secondsPerSlot, network.SecondsPerSlot);
        // SLOTS_PER_EPOCH is a preset value, not a config one: 32 in the mainnet preset, 16 in gnosis's.
        var slotsPerEpoch = config["PRESET_BASE"] switch { "mainnet" => 32u, "gnosis" => 16u, var other => throw new Xunit.Sdk.XunitException("unknown preset " + other) };
        Assert.Equal(slotsPerEpoch, network.SlotsPerEpoch);
    }

    [Fact]
    public void Hoodi_genesis_validators_root_matches_its_published_file()
    {
        var text = File.ReadAllText(RepoPaths.Vector("consensus", "configs", "eth-clients-hoodi_metadata_genesis_validators_root.txt")).Trim();
        Assert.Equal(Bytes32.Parse(text), Networks.Hoodi.GenesisValidatorsRoot);
    }

    /// <summary>Top-level "KEY: value  # comment" lines of a consensus config; quotes removed.</summary>
    private static Dictionary<string, string> ReadYamlScalars(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadLines(path))
        {
            if (raw.Length == 0 || char.IsWhiteSpace(raw[0]) || raw[0] == '#' || raw[0] == '-') continue;
            var colon = raw.IndexOf(':');
            if (colon <= 0) continue;
            var value = raw[(colon + 1)..];
            var hash = value.IndexOf('#');
            if (hash >= 0) value = value[..hash];
            value = value.Trim().Trim('\'', '"');
            if (value.Length > 0) values[raw[..colon].Trim()] = value;
        }
        return values;
    }
}
