using System.Buffers.Binary;
using DvtBus.Primitives;

namespace DvtBus.Crypto.Consensus;

/// <summary>
/// A 4-byte consensus value: a fork version or a domain type. Held as the big-endian reading of the
/// bytes so that 0x03000000 prints and compares the way the specs write it.
/// </summary>
public readonly record struct Bytes4(uint BigEndianValue)
{
    public static Bytes4 From(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 4
            ? new Bytes4(BinaryPrimitives.ReadUInt32BigEndian(bytes))
            : throw new FormatException($"a fork version or domain type must be 4 bytes, got {bytes.Length}");

    public static bool TryParse(string? hex, out Bytes4 value)
    {
        value = default;
        if (!Hex.TryDecodeFixed(hex, 4, out var bytes)) return false;
        value = From(bytes);
        return true;
    }

    public static Bytes4 Parse(string? hex) =>
        TryParse(hex, out var value) ? value : throw new FormatException("a fork version or domain type must be 4 bytes of hex");

    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, BigEndianValue);

    public byte[] ToArray()
    {
        var bytes = new byte[4];
        WriteTo(bytes);
        return bytes;
    }

    public override string ToString() => Hex.Encode(ToArray());
}
