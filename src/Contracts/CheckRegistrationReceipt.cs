using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>
/// Look the batch's registration transactions (the first and its same-nonce replacements) up on chain and
/// report a confirmed receipt as <see cref="ValidatorsRegistered"/> or a revert as <see cref="RegistrationFailed"/>.
/// Read-only: nothing is ever sent.
/// </summary>
public sealed record CheckRegistrationReceipt
{
    public required Guid BatchId { get; init; }
    public required IReadOnlyList<Bytes32> TransactionHashes { get; init; }
}
