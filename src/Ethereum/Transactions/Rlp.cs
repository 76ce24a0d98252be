using System.Numerics;

namespace DvtBus.Ethereum.Transactions;

/// <summary>An RLP item: a byte string or a list of items.</summary>
public sealed class RlpItem
{
    private readonly byte[]? _bytes;
    private readonly IReadOnlyList<RlpItem>? _items;

    private RlpItem(byte[]? bytes, IReadOnlyList<RlpItem>? items)
    {
        _bytes = bytes;
        _items = items;
    }

    public static RlpItem Of(ReadOnlySpan<byte> bytes) => new(bytes.ToArray(), null);
    public static RlpItem Of(string utf8) => new(System.Text.Encoding.UTF8.GetBytes(utf8), null);

    /// <summary>A non-negative integer as its minimal big-endian bytes (zero is the empty string).</summary>
    public static RlpItem Of(BigInteger value)
    {
        if (value.Sign < 0) throw new ArgumentOutOfRangeException(nameof(value), "RLP integers are non-negative");
        return new(value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true), null);
    }

    public static RlpItem List(params RlpItem[] items) => new(null, items);
    public static RlpItem List(IEnumerable<RlpItem> items) => new(null, items.ToArray());

    public bool IsList => _items is not null;

    public byte[] Bytes => _bytes ?? throw new FormatException("RLP item is a list, expected a byte string");

    public IReadOnlyList<RlpItem> Items => _items ?? throw new FormatException("RLP item is a byte string, expected a list");

    /// <summary>The byte string as an unsigned integer; leading zeros are non-canonical and rejected.</summary>
    public BigInteger ToBigInteger()
    {
        var bytes = Bytes;
        if (bytes.Length > 0 && bytes[0] == 0) throw new FormatException("RLP integer has a leading zero");
        if (bytes.Length > 32) throw new FormatException("RLP integer is longer than 32 bytes");
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    public ulong ToUInt64()
    {
        var value = ToBigInteger();
        return value <= ulong.MaxValue ? (ulong)value : throw new FormatException("RLP integer does not fit 64 bits");
    }
}

/// <summary>Recursive Length Prefix encoding (yellow paper appendix B) with a strict decoder.</summary>
public static class Rlp
{
    public static byte[] Encode(RlpItem item)
    {
        using var output = new MemoryStream();
        Write(item, output);
        return output.ToArray();
    }

    private static void Write(RlpItem item, MemoryStream output)
    {
        if (!item.IsList)
        {
            var bytes = item.Bytes;
            if (bytes.Length == 1 && bytes[0] < 0x80)
            {
                output.WriteByte(bytes[0]);
                return;
            }
            WriteHeader(output, 0x80, bytes.Length);
            output.Write(bytes);
            return;
        }
        using var payload = new MemoryStream();
        foreach (var child in item.Items) Write(child, payload);
        WriteHeader(output, 0xc0, (int)payload.Length);
        payload.Position = 0;
        payload.CopyTo(output);
    }

    private static void WriteHeader(MemoryStream output, byte offset, int length)
    {
        if (length < 56)
        {
            output.WriteByte((byte)(offset + length));
            return;
        }
        var lengthBytes = new BigInteger(length).ToByteArray(isUnsigned: true, isBigEndian: true);
        output.WriteByte((byte)(offset + 55 + lengthBytes.Length));
        output.Write(lengthBytes);
    }

    /// <summary>Decodes exactly one item spanning all of <paramref name="encoded"/>; non-canonical forms are rejected.</summary>
    public static RlpItem Decode(ReadOnlySpan<byte> encoded)
    {
        var position = 0;
        var item = Read(encoded, ref position, depth: 0);
        if (position != encoded.Length) throw new FormatException("RLP data has trailing bytes");
        return item;
    }

    private static RlpItem Read(ReadOnlySpan<byte> data, ref int position, int depth)
    {
        if (depth > 64) throw new FormatException("RLP nesting is too deep");
        if (position >= data.Length) throw new FormatException("RLP data is truncated");
        var prefix = data[position++];
        if (prefix < 0x80) return RlpItem.Of([prefix]);
        var isList = prefix >= 0xc0;
        var shortBase = isList ? 0xc0 : 0x80;
        int length;
        if (prefix - shortBase <= 55)
        {
            length = prefix - shortBase;
        }
        else
        {
            var lengthOfLength = prefix - shortBase - 55;
            if (lengthOfLength > 4 || position + lengthOfLength > data.Length) throw new FormatException("RLP length is truncated or too large");
            if (data[position] == 0) throw new FormatException("RLP length has a leading zero");
            long longLength = 0;
            for (var i = 0; i < lengthOfLength; i++) longLength = (longLength << 8) | data[position++];
            if (longLength < 56) throw new FormatException("RLP long form used for a short length");
            if (longLength > int.MaxValue) throw new FormatException("RLP length is too large");
            length = (int)longLength;
        }
        if (length > data.Length - position) throw new FormatException("RLP data is truncated");
        var payload = data.Slice(position, length);
        position += length;
        if (!isList)
        {
            if (length == 1 && payload[0] < 0x80) throw new FormatException("RLP single byte below 0x80 must encode itself");
            return RlpItem.Of(payload);
        }
        var items = new List<RlpItem>();
        var inner = 0;
        while (inner < payload.Length) items.Add(Read(payload, ref inner, depth + 1));
        return RlpItem.List(items);
    }
}
