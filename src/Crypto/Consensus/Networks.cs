using System.Diagnostics.CodeAnalysis;
using DvtBus.Primitives;

namespace DvtBus.Crypto.Consensus;

/// <summary>The built-in networks, and the one way a configured network (built-in or devnet) becomes a <see cref="Network"/>.</summary>
public static class Networks
{
    // Values from each network's published consensus config (PRESET_BASE gives slots per epoch:
    // 32 for the mainnet preset, 16 for the gnosis preset) and its genesis state.
    //
    // UnloggedGenesisValidators, from each published genesis state (eth-clients/hoodi and gnosischain/configs):
    // - mainnet and gnosis: every genesis validator came from a logged deposit (gnosis's genesis.ssz holds 4096
    //   validators with eth1_data.deposit_count 4096), so 0.
    // - chiado: its genesis.ssz holds 6000 validators with eth1_data.deposit_count 0, so 6000.
    // - hoodi: its genesis state (Deneb, mainnet preset) is stored out of git, but its published size, 150,077,237
    //   bytes, is the fixed part (2,737,237 bytes with an empty extra_data) plus 139 bytes per validator (record 121,
    //   balance 8, two participation flags, inactivity score 8) for exactly 1,060,000 validators; its deposit
    //   contract starts at genesis with no deposits in its storage. The same count on holesky's state gives a round
    //   1,460,000 too.
    public static Network Mainnet { get; } = new(
        "mainnet", 1, new Bytes4(0x00000000), new Bytes4(0x03000000), 194048,
        Bytes32.Parse("0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95"),
        Address.Parse("0x00000000219ab540356cBB839Cbe05303d7705Fa"), 32, 12);

    public static Network Hoodi { get; } = new(
        "hoodi", 560048, new Bytes4(0x10000910), new Bytes4(0x40000910), 0,
        Bytes32.Parse("0x212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f"),
        Address.Parse("0x00000000219ab540356cBB839Cbe05303d7705Fa"), 32, 12)
    {
        UnloggedGenesisValidators = 1_060_000,
    };

    public static Network Gnosis { get; } = new(
        "gnosis", 100, new Bytes4(0x00000064), new Bytes4(0x03000064), 648704,
        Bytes32.Parse("0xf5dcb5564e829aab27264b9becd5dfaa017085611224cb3036f573368dbb9d47"),
        Address.Parse("0x0B98057eA310F4d31F2a452B414647007d1645d9"), 16, 5);

    public static Network Chiado { get; } = new(
        "chiado", 10200, new Bytes4(0x0000006f), new Bytes4(0x0300006f), 244224,
        Bytes32.Parse("0x9d642dac73058fbf39c0ae41ab1e34e4d889043cb199851ded7095bc99eb4c1e"),
        Address.Parse("0xb97036A26259B7147018913bD58a774cf91acf25"), 16, 5)
    {
        UnloggedGenesisValidators = 6000,
    };

    public static IReadOnlyList<Network> BuiltIn { get; } = [Mainnet, Hoodi, Gnosis, Chiado];

    public static bool TryGetBuiltIn(string? name, [NotNullWhen(true)] out Network? network)
    {
        network = BuiltIn.FirstOrDefault(n => string.Equals(n.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));
        return network is not null;
    }

    /// <summary>The network the options name: a built-in one by name, or a devnet described in full. Throws <see cref="ArgumentException"/> with one readable line.</summary>
    public static Network Resolve(NetworkOptions options) =>
        TryResolve(options, out var network, out var error) ? network : throw new ArgumentException(error, nameof(options));

    public static bool TryResolve(NetworkOptions options, [NotNullWhen(true)] out Network? network, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        network = null;
        error = null;
        var name = options.Name?.Trim();
        if (string.IsNullOrEmpty(name))
            return Fail(out error, $"a network Name is required: one of {KnownNames}, or a devnet name with its parameters");

        if (TryGetBuiltIn(name, out var builtIn))
        {
            if (options.HasCustomParameters)
                return Fail(out error, $"network '{builtIn.Name}' is built in and its parameters cannot be overridden; give a devnet its own name");
            network = builtIn;
            return true;
        }

        if (!options.HasCustomParameters)
            return Fail(out error, $"unknown network '{name}': use one of {KnownNames}, or describe the devnet (ChainId, GenesisForkVersion, CapellaForkVersion, GenesisValidatorsRoot, DepositContractAddress)");
        if (options.ChainId is not { } chainId || chainId == 0)
            return Fail(out error, $"network '{name}': ChainId is required and must be positive");
        if (!Bytes4.TryParse(options.GenesisForkVersion, out var genesisFork))
            return Fail(out error, $"network '{name}': GenesisForkVersion must be 4 bytes of hex");
        if (!Bytes4.TryParse(options.CapellaForkVersion, out var capellaFork))
            return Fail(out error, $"network '{name}': CapellaForkVersion must be 4 bytes of hex");
        if (!Bytes32.TryParse(options.GenesisValidatorsRoot, out var genesisRoot))
            return Fail(out error, $"network '{name}': GenesisValidatorsRoot must be 32 bytes of hex");
        if (!Address.TryParse(options.DepositContractAddress, out var depositContract))
            return Fail(out error, $"network '{name}': DepositContractAddress must be a 20-byte address");
        if (options.SlotsPerEpoch == 0 || options.SecondsPerSlot == 0)
            return Fail(out error, $"network '{name}': SlotsPerEpoch and SecondsPerSlot must be positive");

        network = new Network(name, chainId, genesisFork, capellaFork, options.CapellaEpoch ?? 0, genesisRoot,
            depositContract, options.SlotsPerEpoch ?? 32, options.SecondsPerSlot ?? 12)
        {
            UnloggedGenesisValidators = options.UnloggedGenesisValidators ?? 0,
        };
        return true;
    }

    /// <summary>
    /// Null when a file that names <paramref name="forkVersion"/> (an Obol cluster lock's fork_version; empty when
    /// an old lock names none) may be used on <paramref name="network"/>; otherwise why not, to follow the file's name.
    /// </summary>
    public static string? ForkVersionMismatch(string forkVersion, Network network)
    {
        ArgumentNullException.ThrowIfNull(forkVersion);
        ArgumentNullException.ThrowIfNull(network);
        if (forkVersion.Length == 0) return null;
        if (!Bytes4.TryParse(forkVersion, out var fork)) return $"has fork_version '{forkVersion}', which is not 4 bytes of hex";
        if (fork == network.GenesisForkVersion) return null;
        var known = BuiltIn.FirstOrDefault(n => n.GenesisForkVersion == fork);
        return $"is for fork version {fork}{(known is null ? "" : $" ({known.Name})")}, not {network.Name} ({network.GenesisForkVersion})";
    }

    private static string KnownNames => string.Join(", ", BuiltIn.Select(n => n.Name));

    private static bool Fail([NotNullWhen(false)] out string? error, string message)
    {
        error = message;
        return false;
    }

}
