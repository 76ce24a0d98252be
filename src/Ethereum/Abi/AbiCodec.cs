using System.Collections;
using System.Numerics;
using System.Text;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.Abi;

/// <summary>
/// Solidity ABI encoding and decoding of a parameter list (a tuple). .NET values: BigInteger (or any
/// built-in integer) for uintN/intN, <see cref="Address"/>, bool, byte[] (or <see cref="Bytes32"/>) for
/// bytesN and bytes, string, and a list (object[], List&lt;T&gt;, ...) for arrays and tuples. Decoding
/// returns BigInteger, Address, bool, byte[], string and object[].
/// </summary>
public static class AbiCodec
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static byte[] Encode(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values)
    {
        if (types.Count != values.Count) throw new ArgumentException($"ABI encoding needs {types.Count} values, got {values.Count}");
        using var output = new MemoryStream();
        EncodeTuple(types, values, output);
        return output.ToArray();
    }

    public static object[] Decode(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data) =>
        DecodeTuple(types, data, 0, new DecodeBudget(data.Length));

    /// <summary>
    /// In a well-formed encoding every decoded leaf value and every dynamic length owns at least one
    /// word of its own. Hostile data can point many offsets at the same bytes and make a small input
    /// decode into a huge tree; counting against the word total stops that.
    /// </summary>
    private sealed class DecodeBudget(int dataLength)
    {
        private long _remaining = dataLength / 32;

        public void Spend()
        {
            if (--_remaining < 0) throw new FormatException("ABI data reuses the same bytes for more values than it holds");
        }
    }

    private static void EncodeTuple(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values, Stream output)
    {
        var headSize = types.Sum(t => t.HeadSize);
        using var tails = new MemoryStream();
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i].IsDynamic)
            {
                WriteWord(output, new BigInteger(headSize + tails.Length));
                EncodeValue(types[i], values[i], tails);
            }
            else
            {
                EncodeValue(types[i], values[i], output);
            }
        }
        tails.Position = 0;
        tails.CopyTo(output);
    }

    private static void EncodeValue(AbiType type, object? value, Stream output)
    {
        if (value is null) throw new ArgumentException($"ABI value for {type} is null");
        switch (type.Kind)
        {
            case AbiKind.UInt:
            case AbiKind.Int:
                WriteWord(output, CheckRange(type, ToBigInteger(type, value)));
                break;
            case AbiKind.Address:
                if (value is not Address address) throw Mismatch(type, value);
                output.Write(new byte[12]);
                output.Write(address.Span);
                break;
            case AbiKind.Bool:
                if (value is not bool flag) throw Mismatch(type, value);
                WriteWord(output, flag ? BigInteger.One : BigInteger.Zero);
                break;
            case AbiKind.FixedBytes:
                var fixedBytes = ToBytes(type, value);
                if (fixedBytes.Length != type.Size) throw new ArgumentException($"ABI value for {type} must be {type.Size} bytes, got {fixedBytes.Length}");
                WritePadded(output, fixedBytes);
                break;
            case AbiKind.Bytes:
                var bytes = ToBytes(type, value);
                WriteWord(output, bytes.Length);
                WritePadded(output, bytes);
                break;
            case AbiKind.String:
                if (value is not string text) throw Mismatch(type, value);
                var utf8 = Encoding.UTF8.GetBytes(text);
                WriteWord(output, utf8.Length);
                WritePadded(output, utf8);
                break;
            case AbiKind.Array:
                var items = ToList(type, value);
                if (type.ArrayLength is { } length)
                {
                    if (items.Count != length) throw new ArgumentException($"ABI value for {type} must have {length} elements, got {items.Count}");
                }
                else
                {
                    WriteWord(output, items.Count);
                }
                EncodeTuple(Enumerable.Repeat(type.Element!, items.Count).ToArray(), items, output);
                break;
            case AbiKind.Tuple:
                var members = ToList(type, value);
                if (members.Count != type.Components.Count)
                    throw new ArgumentException($"ABI value for {type} must have {type.Components.Count} members, got {members.Count}");
                EncodeTuple(type.Components, members, output);
                break;
        }
    }

    private static object[] DecodeTuple(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data, int start, DecodeBudget budget)
    {
        var result = new object[types.Count];
        var head = start;
        foreach (var (type, i) in types.Select((t, i) => (t, i)))
        {
            if (type.IsDynamic)
            {
                var offset = ReadLength(data, head, "offset");
                if (offset > data.Length - start) throw Truncated(type);
                result[i] = DecodeValue(type, data, start + offset, budget);
            }
            else
            {
                result[i] = DecodeValue(type, data, head, budget);
            }
            head += type.HeadSize;
        }
        return result;
    }

    private static object DecodeValue(AbiType type, ReadOnlySpan<byte> data, int at, DecodeBudget budget)
    {
        if (type.Kind is not (AbiKind.Tuple or AbiKind.Array) || type is { Kind: AbiKind.Array, ArrayLength: null }) budget.Spend();
        switch (type.Kind)
        {
            case AbiKind.UInt:
            case AbiKind.Int:
                var word = Word(data, at, type);
                var value = type.Kind == AbiKind.UInt
                    ? new BigInteger(word, isUnsigned: true, isBigEndian: true)
                    : new BigInteger(word, isUnsigned: false, isBigEndian: true);
                return CheckRange(type, value, decoding: true);
            case AbiKind.Address:
                var addressWord = Word(data, at, type);
                if (addressWord[..12].ContainsAnyExcept((byte)0)) throw new FormatException("ABI address has non-zero high bytes");
                return Address.From(addressWord[12..]);
            case AbiKind.Bool:
                var boolWord = Word(data, at, type);
                if (boolWord[..31].ContainsAnyExcept((byte)0) || boolWord[31] > 1) throw new FormatException("ABI bool is neither 0 nor 1");
                return boolWord[31] == 1;
            case AbiKind.FixedBytes:
                return Word(data, at, type)[..type.Size].ToArray();
            case AbiKind.Bytes:
            case AbiKind.String:
                var length = ReadLength(data, at, "length");
                if (length > data.Length - at - 32) throw Truncated(type);
                var content = data.Slice(at + 32, length);
                if (type.Kind == AbiKind.Bytes) return content.ToArray();
                try
                {
                    return StrictUtf8.GetString(content);
                }
                catch (DecoderFallbackException)
                {
                    throw new FormatException("ABI string is not valid UTF-8");
                }
            case AbiKind.Array:
                var count = type.ArrayLength ?? ReadLength(data, at, "array length");
                var first = type.ArrayLength is null ? at + 32 : at;
                // Every element takes at least one word, so a count larger than the data is malformed (and would otherwise allocate freely).
                if ((long)count * 32 > data.Length - first) throw Truncated(type);
                return DecodeTuple(Enumerable.Repeat(type.Element!, count).ToArray(), data, first, budget);
            default:
                return DecodeTuple(type.Components, data, at, budget);
        }
    }

    private static ReadOnlySpan<byte> Word(ReadOnlySpan<byte> data, int at, AbiType type) =>
        at >= 0 && at <= data.Length - 32 ? data.Slice(at, 32) : throw Truncated(type);

    private static int ReadLength(ReadOnlySpan<byte> data, int at, string what)
    {
        if (at < 0 || at > data.Length - 32) throw new FormatException($"ABI data too short to hold an {what}");
        var word = data.Slice(at, 32);
        if (word[..28].ContainsAnyExcept((byte)0) || word[28] >= 0x80)
            throw new FormatException($"ABI {what} is out of range");
        return (word[28] << 24) | (word[29] << 16) | (word[30] << 8) | word[31];
    }

    private static FormatException Truncated(AbiType type) => new($"ABI data too short for {type}");

    private static BigInteger CheckRange(AbiType type, BigInteger value, bool decoding = false)
    {
        var (min, maxExclusive) = type.Kind == AbiKind.UInt
            ? (BigInteger.Zero, BigInteger.One << type.Size)
            : (-(BigInteger.One << (type.Size - 1)), BigInteger.One << (type.Size - 1));
        if (value >= min && value < maxExclusive) return value;
        var message = $"{value} is out of range for {type}";
        throw decoding ? new FormatException("ABI " + message) : new ArgumentOutOfRangeException(nameof(value), message);
    }

    private static void WriteWord(Stream output, BigInteger value)
    {
        Span<byte> word = stackalloc byte[32];
        word.Fill(value.Sign < 0 ? (byte)0xff : (byte)0);
        var count = value.GetByteCount(isUnsigned: value.Sign >= 0);
        value.TryWriteBytes(word[(32 - count)..], out _, isUnsigned: value.Sign >= 0, isBigEndian: true);
        output.Write(word);
    }

    private static void WritePadded(Stream output, ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        var padding = (32 - bytes.Length % 32) % 32;
        output.Write(new byte[padding]);
    }

    internal static BigInteger ToBigInteger(AbiType type, object value) => value switch
    {
        BigInteger b => b,
        int i => i,
        long l => l,
        uint u => u,
        ulong ul => ul,
        short s => s,
        ushort us => us,
        byte by => by,
        sbyte sb => sb,
        _ => throw Mismatch(type, value),
    };

    private static byte[] ToBytes(AbiType type, object value) => value switch
    {
        byte[] bytes => bytes,
        Bytes32 b32 => b32.ToArray(),
        ReadOnlyMemory<byte> memory => memory.ToArray(),
        _ => throw Mismatch(type, value),
    };

    private static IReadOnlyList<object?> ToList(AbiType type, object value) => value switch
    {
        IReadOnlyList<object?> list => list,
        IList list => list.Cast<object?>().ToArray(),
        _ => throw Mismatch(type, value),
    };

    private static ArgumentException Mismatch(AbiType type, object value) =>
        new($"ABI value of type {value.GetType().Name} cannot be encoded as {type}");
}
