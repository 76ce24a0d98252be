using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>The operator sent (or replaced) the vault registerValidators transaction.</summary>
public sealed record RegistrationTransactionSent
{
    public required Guid BatchId { get; init; }
    public required Bytes32 TransactionHash { get; init; }
    public required ulong Nonce { get; init; }
}
