using DvtBus.Primitives;

namespace DvtBus.Crypto.Consensus;

/// <summary>
/// The consensus and execution facts about one network that signing, deposits and registration
/// depend on. Built-in networks live in <see cref="Networks"/>; a devnet is built from <see cref="NetworkOptions"/>.
/// Its signing domains are computed by <see cref="ExitSigning"/> and <see cref="DepositSigning"/> only.
/// </summary>
public sealed record Network(
    string Name,
    ulong ChainId,
    Bytes4 GenesisForkVersion,
    Bytes4 CapellaForkVersion,
    ulong CapellaEpoch,
    Bytes32 GenesisValidatorsRoot,
    Address DepositContract,
    uint SlotsPerEpoch,
    uint SecondsPerSlot)
{
    /// <summary>
    /// Validators the genesis state holds whose deposits the deposit contract never logged: the validator indexes
    /// that the contract's logs give start after them. 0 where every genesis validator deposited through the
    /// contract (mainnet, gnosis, and the devnets <c>./dvt</c> makes); built in for the others (see <see cref="Networks"/>),
    /// a parameter of a devnet.
    /// </summary>
    public ulong UnloggedGenesisValidators { get; init; }
}
