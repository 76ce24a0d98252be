namespace DvtBus.Crypto.Consensus;

/// <summary>
/// The "Network" configuration section. A built-in network needs only its <see cref="Name"/>; a devnet
/// gives its own name and its parameters (hex with or without 0x). Turned into a <see cref="Network"/> by
/// <see cref="Networks.Resolve"/>.
/// </summary>
public sealed class NetworkOptions
{
    public const string SectionName = "Network";

    public string? Name { get; set; }
    public ulong? ChainId { get; set; }
    public string? GenesisForkVersion { get; set; }
    public string? CapellaForkVersion { get; set; }
    public ulong? CapellaEpoch { get; set; }
    public string? GenesisValidatorsRoot { get; set; }
    public string? DepositContractAddress { get; set; }
    public uint? SlotsPerEpoch { get; set; }
    public uint? SecondsPerSlot { get; set; }

    /// <summary>See <see cref="Network.UnloggedGenesisValidators"/>; 0 when not given.</summary>
    public ulong? UnloggedGenesisValidators { get; set; }

    internal bool HasCustomParameters =>
        ChainId is not null || GenesisForkVersion is not null || CapellaForkVersion is not null || CapellaEpoch is not null
        || GenesisValidatorsRoot is not null || DepositContractAddress is not null || SlotsPerEpoch is not null || SecondsPerSlot is not null
        || UnloggedGenesisValidators is not null;
}
