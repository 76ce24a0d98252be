using DvtBus.Primitives;

namespace DvtBus.Crypto.Deposits;

/// <summary>A validator from a deposit-data file that passed every check for the network and vault.</summary>
public sealed record DepositValidator(
    BlsPublicKey PublicKey,
    Bytes32 WithdrawalCredentials,
    ulong Amount,
    BlsSignature Signature,
    Bytes32 DepositDataRoot)
{
    public WithdrawalCredentialType CredentialType => Deposits.WithdrawalCredentials.TypeOf(WithdrawalCredentials);
}

public enum DepositProblem
{
    // The file as a whole.
    Empty,
    TooLarge,
    NotUtf8,
    NotJson,
    TooDeep,
    NotAnArray,
    NoValidators,
    TooManyValidators,

    // One entry of the array.
    NotAnObject,
    DuplicateField,
    MissingField,
    WrongType,
    NotHex,
    WrongLength,
    DuplicatePublicKey,
    WrongForkVersion,
    WrongNetworkName,
    BlsWithdrawalCredentials,
    UnsupportedWithdrawalCredentials,
    CredentialsNotForVault,
    MixedCredentialTypes,
    InvalidAmount,
    DepositMessageRootMismatch,
    DepositDataRootMismatch,
    InvalidPublicKey,
    InvalidSignature,
}

/// <summary>
/// Why a file or one of its entries was refused. <see cref="Position"/> is the entry's 0-based place
/// in the array (null for a problem with the whole file); <see cref="PublicKey"/> is set once the
/// entry's key could be read.
/// </summary>
public sealed record DepositIssue(DepositProblem Problem, string Reason, int? Position = null, BlsPublicKey? PublicKey = null)
{
    public override string ToString() =>
        Position is not { } position ? Reason
        : PublicKey is { } key ? $"entry {position} ({key}): {Reason}"
        : $"entry {position}: {Reason}";
}

/// <summary>The outcome of checking one deposit-data file: what can be registered, and why the rest cannot.</summary>
public sealed record DepositDataReport(IReadOnlyList<DepositValidator> Accepted, IReadOnlyList<DepositIssue> Issues)
{
    /// <summary>True when every entry passed; a file that is empty or unreadable always has an issue.</summary>
    public bool IsValid => Issues.Count == 0 && Accepted.Count > 0;
}
