using System.Numerics;
using DvtBus.Ethereum.Crypto;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.Transactions;

/// <summary>An EIP-2930 access-list entry (carried by type-2 transactions).</summary>
public sealed record AccessListEntry(Address Address, IReadOnlyList<Bytes32> StorageKeys);

/// <summary>
/// An EIP-1559 (type 2) transaction. To is null for a contract creation. The signing hash is
/// keccak256(0x02 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList])).
/// </summary>
public sealed record Eip1559Transaction(
    ulong ChainId,
    ulong Nonce,
    BigInteger MaxPriorityFeePerGas,
    BigInteger MaxFeePerGas,
    ulong GasLimit,
    Address? To,
    BigInteger Value,
    byte[] Data,
    IReadOnlyList<AccessListEntry>? AccessList = null)
{
    public const byte TypeByte = 0x02;

    public Bytes32 SigningHash() => Keccak.Hash([TypeByte, .. Rlp.Encode(RlpItem.List(Fields()))]);

    public SignedEip1559Transaction Sign(EthPrivateKey key)
    {
        if (MaxPriorityFeePerGas > MaxFeePerGas) throw new InvalidOperationException("maxPriorityFeePerGas exceeds maxFeePerGas");
        return new SignedEip1559Transaction(this, key.Sign(SigningHash()));
    }

    internal List<RlpItem> Fields()
    {
        if (Value.Sign < 0 || MaxFeePerGas.Sign < 0 || MaxPriorityFeePerGas.Sign < 0)
            throw new InvalidOperationException("transaction amounts must be non-negative");
        return
        [
            RlpItem.Of(ChainId),
            RlpItem.Of(Nonce),
            RlpItem.Of(MaxPriorityFeePerGas),
            RlpItem.Of(MaxFeePerGas),
            RlpItem.Of(GasLimit),
            To is { } to ? RlpItem.Of(to.Span) : RlpItem.Of(ReadOnlySpan<byte>.Empty),
            RlpItem.Of(Value),
            RlpItem.Of(Data),
            RlpItem.List((AccessList ?? []).Select(e => RlpItem.List(RlpItem.Of(e.Address.Span), RlpItem.List(e.StorageKeys.Select(k => RlpItem.Of(k.Span)))))),
        ];
    }
}

/// <summary>A signed type-2 transaction: what eth_sendRawTransaction takes, and its hash.</summary>
public sealed class SignedEip1559Transaction
{
    internal SignedEip1559Transaction(Eip1559Transaction transaction, EthSignature signature)
    {
        Transaction = transaction;
        Signature = signature;
        var fields = transaction.Fields();
        fields.Add(RlpItem.Of(signature.RecoveryId));
        fields.Add(RlpItem.Of(new BigInteger(signature.R.Span, isUnsigned: true, isBigEndian: true)));
        fields.Add(RlpItem.Of(new BigInteger(signature.S.Span, isUnsigned: true, isBigEndian: true)));
        Raw = [Eip1559Transaction.TypeByte, .. Rlp.Encode(RlpItem.List(fields))];
        Hash = Keccak.Hash(Raw);
    }

    public Eip1559Transaction Transaction { get; }
    public EthSignature Signature { get; }

    /// <summary>0x02 || rlp([... , yParity, r, s]).</summary>
    public byte[] Raw { get; }

    public Bytes32 Hash { get; }

    public Address Sender() => Signature.Recover(Transaction.SigningHash());

    /// <summary>Parses a raw type-2 transaction (strict RLP), e.g. to check what was sent.</summary>
    public static SignedEip1559Transaction Decode(ReadOnlySpan<byte> raw)
    {
        if (raw.Length == 0 || raw[0] != Eip1559Transaction.TypeByte) throw new FormatException("not an EIP-1559 (type 2) transaction");
        var items = Rlp.Decode(raw[1..]).Items;
        if (items.Count != 12) throw new FormatException($"EIP-1559 transaction has {items.Count} fields, expected 12");
        var to = items[5].Bytes;
        if (to.Length is not (0 or 20)) throw new FormatException("transaction 'to' must be empty or 20 bytes");
        var accessList = items[8].Items.Select(entry =>
        {
            var pair = entry.Items;
            if (pair.Count != 2) throw new FormatException("access list entry must be [address, storageKeys]");
            return new AccessListEntry(Address.From(pair[0].Bytes), pair[1].Items.Select(k => Bytes32.From(k.Bytes)).ToArray());
        }).ToArray();
        var transaction = new Eip1559Transaction(
            items[0].ToUInt64(), items[1].ToUInt64(), items[2].ToBigInteger(), items[3].ToBigInteger(), items[4].ToUInt64(),
            to.Length == 0 ? null : Address.From(to), items[6].ToBigInteger(), items[7].Bytes, accessList);
        var parity = items[9].ToUInt64();
        if (parity > 1) throw new FormatException("yParity must be 0 or 1");
        var signature = EthSignature.Create(To32(items[10].ToBigInteger()), To32(items[11].ToBigInteger()), (int)parity);
        var signed = new SignedEip1559Transaction(transaction, signature);
        if (!signed.Raw.AsSpan().SequenceEqual(raw)) throw new FormatException("transaction encoding is not canonical");
        return signed;
    }

    private static Bytes32 To32(BigInteger value)
    {
        var bytes = new byte[32];
        value.TryWriteBytes(bytes.AsSpan(32 - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return Bytes32.From(bytes);
    }
}
