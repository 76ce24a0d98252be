using System.Text.Json.Serialization;

namespace DvtBus.Primitives;

/// <summary>A 32-byte value: a hash tree root, a signing root, a domain, a Keccak-256 hash.</summary>
[JsonConverter(typeof(FixedBytesJsonConverter<Bytes32>))]
public readonly struct Bytes32 : IFixedBytes<Bytes32>, IEquatable<Bytes32>
{
    private readonly byte[]? _bytes;
    private Bytes32(byte[] bytes) => _bytes = bytes;

    public static int Length => 32;
    public static string Name => "Bytes32";
    static Bytes32 IFixedBytes<Bytes32>.Wrap(byte[] bytes) => new(bytes);

    public ReadOnlySpan<byte> Span => FixedBytes.Checked(_bytes, Name);
    public byte[] ToArray() => Span.ToArray();

    public static Bytes32 From(ReadOnlySpan<byte> bytes) => FixedBytes.From<Bytes32>(bytes);
    public static Bytes32 Parse(string? hex) => FixedBytes.Parse<Bytes32>(hex);
    public static bool TryParse(string? hex, out Bytes32 value) => FixedBytes.TryParse(hex, out value);

    public bool Equals(Bytes32 other) => Span.SequenceEqual(other.Span);
    public override bool Equals(object? obj) => obj is Bytes32 other && Equals(other);
    public override int GetHashCode() => FixedBytes.Hash(_bytes);
    public static bool operator ==(Bytes32 left, Bytes32 right) => left.Equals(right);
    public static bool operator !=(Bytes32 left, Bytes32 right) => !left.Equals(right);
    public override string ToString() => _bytes is null ? "<none>" : Hex.Encode(_bytes);
}
