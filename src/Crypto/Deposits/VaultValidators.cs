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

        if (IsAmbiguous(type, validators.Count))
            throw new ArgumentException(
                $"{validators.Count} entries of 0x{(byte)type:x2} make {validators.Count * EntrySize(type)} bytes, a multiple of both entry sizes, which the vault refuses; split the batch",
                nameof(validators));
        var size = EntrySize(type);
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

    private static int EntrySize(WithdrawalCredentialType type) =>
        type == WithdrawalCredentialType.Execution ? ExecutionEntrySize : CompoundingEntrySize;

    /// <summary>
    /// The vault tells 0x01 from 0x02 entries by the length of the bytes alone, and refuses a length that both
    /// sizes divide (4048 bytes: 23 entries of 176 or 22 of 184, and their multiples).
    /// </summary>
    public static bool IsAmbiguous(WithdrawalCredentialType type, int count) =>
        count * EntrySize(type) % ExecutionEntrySize == 0 && count * EntrySize(type) % CompoundingEntrySize == 0;

    /// <summary>
    /// Sizes to split <paramref name="count"/> validators of one credential type into, in order: as many of at
    /// most <paramref name="maxBatchSize"/> as needed, each one smaller where its length would be ambiguous
    /// (<see cref="IsAmbiguous"/>), so 23 validators of 0x01 with a limit of 50 become 22 and 1.
    /// </summary>
    public static IReadOnlyList<int> BatchSizes(WithdrawalCredentialType type, int count, int maxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        var sizes = new List<int>();
        for (var left = count; left > 0;)
        {
            var size = Math.Min(left, maxBatchSize);
            // One fewer is never ambiguous: ambiguous counts are multiples of 22 or 23.
            if (IsAmbiguous(type, size)) size--;
            sizes.Add(size);
            left -= size;
        }
        return sizes;
    }
}
