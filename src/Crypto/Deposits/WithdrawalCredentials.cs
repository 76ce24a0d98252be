using DvtBus.Primitives;

namespace DvtBus.Crypto.Deposits;

/// <summary>The first byte of withdrawal credentials.</summary>
public enum WithdrawalCredentialType : byte
{
    /// <summary>Withdrawals to a BLS key: a vault can never own such a validator.</summary>
    Bls = 0x00,
    /// <summary>Withdrawals to an execution address, exactly 32 ETH per validator.</summary>
    Execution = 0x01,
    /// <summary>EIP-7251 compounding: withdrawals to an execution address, 1..2048 ETH per validator.</summary>
    Compounding = 0x02,
}

public static class WithdrawalCredentials
{
    /// <summary>type || 11 zero bytes || vault: the only credentials a vault registers.</summary>
    public static Bytes32 ForVault(WithdrawalCredentialType type, Address vault)
    {
        if (type is not (WithdrawalCredentialType.Execution or WithdrawalCredentialType.Compounding))
            throw new ArgumentOutOfRangeException(nameof(type), type, "a vault needs 0x01 or 0x02 withdrawal credentials");
        Span<byte> credentials = stackalloc byte[32];
        credentials.Clear();
        credentials[0] = (byte)type;
        vault.Span.CopyTo(credentials[12..]);
        return Bytes32.From(credentials);
    }

    public static WithdrawalCredentialType TypeOf(Bytes32 credentials) => (WithdrawalCredentialType)credentials.Span[0];
}
