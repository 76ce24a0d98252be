using DvtBus.Primitives;

namespace DvtBus.Devnet.Oracles;

/// <summary>What an oracle reads from the chain to judge a registration request.</summary>
public interface IChainView
{
    /// <summary>The deposit contract's get_deposit_root(): the validators registry root an approval is bound to.</summary>
    Task<Bytes32> DepositRootAsync(CancellationToken cancellationToken);

    /// <summary>The index the next new validator will get: distinct public keys with a valid deposit signature so far.</summary>
    Task<ulong> NextValidatorIndexAsync(CancellationToken cancellationToken);

    Task<Address> ValidatorsManagerAsync(Address vault, CancellationToken cancellationToken);
}
