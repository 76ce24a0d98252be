using System.Globalization;
using System.Numerics;
using DvtBus.Ethereum.Abi;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.Rpc;

/// <summary>A block number or one of the named tags (latest, pending, safe, finalized, earliest).</summary>
public readonly record struct BlockTag
{
    private readonly string? _tag;
    private readonly ulong? _number;

    private BlockTag(string? tag, ulong? number)
    {
        _tag = tag;
        _number = number;
    }

    public static BlockTag Latest => new("latest", null);
    public static BlockTag Pending => new("pending", null);
    public static BlockTag Safe => new("safe", null);
    public static BlockTag Finalized => new("finalized", null);
    public static BlockTag Earliest => new("earliest", null);
    public static BlockTag Number(ulong number) => new(null, number);

    public static implicit operator BlockTag(ulong number) => Number(number);

    /// <summary>The JSON-RPC form; the default value means latest.</summary>
    public override string ToString() => _number is { } n ? Quantity.Format(n) : _tag ?? "latest";
}

/// <summary>An eth_call / eth_estimateGas request.</summary>
public sealed record CallRequest(Address? To, byte[] Data, Address? From = null, BigInteger? Value = null, ulong? Gas = null);

/// <summary>An eth_getLogs filter: an address and topics by position, null meaning any.</summary>
public sealed record LogFilter(Address? Address, IReadOnlyList<Bytes32?>? Topics = null)
{
    public static LogFilter ForEvent(Address? address, AbiEvent @event) => new(address, [@event.Topic0]);
}

public sealed record TransactionReceipt(
    Bytes32 TransactionHash,
    ulong BlockNumber,
    Bytes32 BlockHash,
    bool Succeeded,
    ulong GasUsed,
    BigInteger EffectiveGasPrice,
    Address From,
    Address? To,
    Address? ContractAddress,
    IReadOnlyList<LogEntry> Logs);

public sealed record BlockHeader(ulong Number, Bytes32 Hash, Bytes32 ParentHash, ulong Timestamp, ulong GasLimit, BigInteger? BaseFeePerGas);

public sealed record FeeHistory(
    ulong OldestBlock,
    IReadOnlyList<BigInteger> BaseFeePerGas,
    IReadOnlyList<double> GasUsedRatio,
    IReadOnlyList<IReadOnlyList<BigInteger>> Reward);

/// <summary>JSON-RPC QUANTITY: 0x-prefixed hex without leading zeros.</summary>
public static class Quantity
{
    public static string Format(BigInteger value)
    {
        if (value.Sign < 0) throw new ArgumentOutOfRangeException(nameof(value), "quantities are non-negative");
        return value.IsZero ? "0x0" : "0x" + value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
    }

    public static BigInteger Parse(string? text)
    {
        if (text is null || !text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || text.Length < 3 || text.Length > 66)
            throw new FormatException("not a JSON-RPC quantity");
        if (!BigInteger.TryParse("0" + text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            throw new FormatException("not a JSON-RPC quantity");
        return value;
    }

    public static ulong ParseUInt64(string? text)
    {
        var value = Parse(text);
        return value <= ulong.MaxValue ? (ulong)value : throw new FormatException("quantity does not fit 64 bits");
    }
}
