using System.Text.Json.Serialization;

namespace DvtBus.Primitives;

/// <summary>A 20-byte Ethereum address. Written lowercase on the wire; EIP-55 checksums are the Ethereum library's concern.</summary>
[JsonConverter(typeof(FixedBytesJsonConverter<Address>))]
public readonly struct Address : IFixedBytes<Address>, IEquatable<Address>
{
    private readonly byte[]? _bytes;
    private Address(byte[] bytes) => _bytes = bytes;

    public static int Length => 20;
    public static string Name => "address";
    static Address IFixedBytes<Address>.Wrap(byte[] bytes) => new(bytes);

    public ReadOnlySpan<byte> Span => FixedBytes.Checked(_bytes, Name);
    public byte[] ToArray() => Span.ToArray();

    public static Address From(ReadOnlySpan<byte> bytes) => FixedBytes.From<Address>(bytes);
    public static Address Parse(string? hex) => FixedBytes.Parse<Address>(hex);
    public static bool TryParse(string? hex, out Address value) => FixedBytes.TryParse(hex, out value);

    public bool Equals(Address other) => Span.SequenceEqual(other.Span);
    public override bool Equals(object? obj) => obj is Address other && Equals(other);
    public override int GetHashCode() => FixedBytes.Hash(_bytes);
    public static bool operator ==(Address left, Address right) => left.Equals(right);
    public static bool operator !=(Address left, Address right) => !left.Equals(right);
    public override string ToString() => _bytes is null ? "<none>" : Hex.Encode(_bytes);
}
