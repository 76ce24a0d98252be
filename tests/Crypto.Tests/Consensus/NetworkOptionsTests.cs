using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Crypto.Tests.Consensus;

public class NetworkOptionsTests
{
    private static NetworkOptions Devnet() => new()
    {
        Name = "devnet",
        ChainId = 31337,
        GenesisForkVersion = "0x10000038",
        CapellaForkVersion = "40000038",
        CapellaEpoch = 3,
        GenesisValidatorsRoot = "0x" + new string('a', 64),
        DepositContractAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    };

    [Theory]
    [InlineData("mainnet")]
    [InlineData("Hoodi")]
    [InlineData(" gnosis ")]
    [InlineData("CHIADO")]
    public void Resolves_built_in_network_by_name_ignoring_case_and_spaces(string name)
    {
        var network = Networks.Resolve(new NetworkOptions { Name = name });
        Assert.Same(Networks.BuiltIn.Single(n => n.Name == name.Trim().ToLowerInvariant()), network);
    }

    [Fact]
    public void Builds_a_devnet_from_its_parameters_with_mainnet_preset_defaults()
    {
        var network = Networks.Resolve(Devnet());

        Assert.Equal("devnet", network.Name);
        Assert.Equal(31337ul, network.ChainId);
        Assert.Equal(new Bytes4(0x10000038), network.GenesisForkVersion);
        Assert.Equal(new Bytes4(0x40000038), network.CapellaForkVersion);
        Assert.Equal(3ul, network.CapellaEpoch);
        Assert.Equal(Address.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3"), network.DepositContract);
        Assert.Equal(32u, network.SlotsPerEpoch);
        Assert.Equal(12u, network.SecondsPerSlot);
        Assert.Equal(new VoluntaryExit(3, 9), ExitSigning.Exit(network, 9));
        Assert.NotEqual(ExitSigning.Domain(Networks.Mainnet), ExitSigning.Domain(network));
    }

    /// <summary>
    /// Indexes from deposit logs start after the genesis validators the contract never logged: the counts read from
    /// each network's published genesis state (see <see cref="Networks"/>), 0 on a devnet unless given. A built-in
    /// network's count is not a setting.
    /// </summary>
    [Fact]
    public void Unlogged_genesis_validators_are_built_in_and_a_devnet_parameter()
    {
        Assert.Equal(0UL, Networks.Mainnet.UnloggedGenesisValidators);
        Assert.Equal(0UL, Networks.Gnosis.UnloggedGenesisValidators);
        Assert.Equal(1_060_000UL, Networks.Hoodi.UnloggedGenesisValidators);
        Assert.Equal(6000UL, Networks.Chiado.UnloggedGenesisValidators);
        Assert.Equal(0UL, Networks.Resolve(Devnet()).UnloggedGenesisValidators);
        var devnet = Devnet();
        devnet.UnloggedGenesisValidators = 64;
        Assert.Equal(64UL, Networks.Resolve(devnet).UnloggedGenesisValidators);

        foreach (var network in Networks.BuiltIn)
        {
            Assert.Same(network, Networks.Resolve(new NetworkOptions { Name = network.Name }));
            Assert.False(Networks.TryResolve(new NetworkOptions { Name = network.Name, UnloggedGenesisValidators = 1 }, out _, out var error));
            Assert.Contains("built in", error);
        }
    }

    [Fact]
    public void Rejects_overriding_a_built_in_network()
    {
        var error = Assert.Throws<ArgumentException>(() => Networks.Resolve(new NetworkOptions { Name = "mainnet", ChainId = 5 }));
        Assert.Contains("built in", error.Message);
    }

    [Fact]
    public void Rejects_unknown_name_without_parameters_and_lists_the_known_ones()
    {
        Assert.False(Networks.TryResolve(new NetworkOptions { Name = "holesky" }, out _, out var error));
        Assert.Contains("unknown network 'holesky'", error);
        Assert.Contains("mainnet, hoodi, gnosis, chiado", error);
    }

    [Fact]
    public void Rejects_missing_name()
    {
        Assert.False(Networks.TryResolve(new NetworkOptions(), out _, out var error));
        Assert.Contains("Name is required", error);
    }

    public static TheoryData<string, Action<NetworkOptions>> BrokenDevnets => new()
    {
        { "ChainId", o => o.ChainId = null },
        { "ChainId", o => o.ChainId = 0 },
        { "GenesisForkVersion", o => o.GenesisForkVersion = "0x1000" },
        { "CapellaForkVersion", o => o.CapellaForkVersion = "zz000038" },
        { "GenesisValidatorsRoot", o => o.GenesisValidatorsRoot = null },
        { "DepositContractAddress", o => o.DepositContractAddress = "0x1234" },
        { "SlotsPerEpoch", o => o.SlotsPerEpoch = 0 },
        { "SecondsPerSlot", o => o.SecondsPerSlot = 0 },
    };

    [Theory, MemberData(nameof(BrokenDevnets))]
    public void Rejects_devnet_with_a_missing_or_malformed_parameter_naming_it(string parameter, Action<NetworkOptions> breakIt)
    {
        var options = Devnet();
        breakIt(options);
        Assert.False(Networks.TryResolve(options, out var network, out var error));
        Assert.Null(network);
        Assert.Contains(parameter, error);
    }
}
