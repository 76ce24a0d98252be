using System.Buffers.Binary;
using DvtBus.Primitives;

namespace DvtBus.Crypto.Deposits;

/// <summary>The <c>validators</c> bytes of the vault's registerValidators call.</summary>
public static class VaultValidators
{
    public const int ExecutionEntrySize = 48 + 96 + 32;
    public const int CompoundingEntrySize = ExecutionEntrySize + 8;

    /// <summary>
    /// pubkey || signature || deposit_data_root per validator (0x01), plus the amount in gwei as 8
    /// big-endian bytes (0x02). The vault reads one entry size for the whole batch, so a batch mixing
    /// credential types is refused.
    /// </summary>
    public static byte[] Pack(IReadOnlyList<DepositValidator> validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        if (validators.Count == 0) throw new ArgumentException("no validators to pack", nameof(validators));
        var type = validators[0].CredentialType;
        if (type is not (WithdrawalCredentialType.Execution or WithdrawalCredentialType.Compounding))
            throw new ArgumentException($"a vault registers only 0x01 or 0x02 credentials, not 0x{(byte)type:x2}", nameof(validators));
        if (validators.Any(v => v.CredentialType != type))
            throw new ArgumentException("a batch must use one withdrawal credential type", nameof(validators));

        var size = type == WithdrawalCredentialType.Execution ? ExecutionEntrySize : CompoundingEntrySize;
        var packed = new byte[size * validators.Count];
        for (var i = 0; i < validators.Count; i++)
        {
            var entry = packed.AsSpan(i * size, size);
            var v = validators[i];
            v.PublicKey.Span.CopyTo(entry);
            v.Signature.Span.CopyTo(entry[48..]);
            v.DepositDataRoot.Span.CopyTo(entry[144..]);
            if (type == WithdrawalCredentialType.Compounding)
                BinaryPrimitives.WriteUInt64BigEndian(entry[176..], v.Amount);
        }
        return packed;
    }
}
