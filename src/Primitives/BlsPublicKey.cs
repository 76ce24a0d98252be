using System.Text.Json.Serialization;

namespace DvtBus.Primitives;

/// <summary>A compressed BLS12-381 G1 public key (48 bytes). Only the length is checked here; curve and subgroup checks belong to the BLS library.</summary>
[JsonConverter(typeof(FixedBytesJsonConverter<BlsPublicKey>))]
public readonly struct BlsPublicKey : IFixedBytes<BlsPublicKey>, IEquatable<BlsPublicKey>
{
    private readonly byte[]? _bytes;
    private BlsPublicKey(byte[] bytes) => _bytes = bytes;

    public static int Length => 48;
    public static string Name => "BLS public key";
    static BlsPublicKey IFixedBytes<BlsPublicKey>.Wrap(byte[] bytes) => new(bytes);

    public ReadOnlySpan<byte> Span => FixedBytes.Checked(_bytes, Name);
    public byte[] ToArray() => Span.ToArray();

    public static BlsPublicKey From(ReadOnlySpan<byte> bytes) => FixedBytes.From<BlsPublicKey>(bytes);
    public static BlsPublicKey Parse(string? hex) => FixedBytes.Parse<BlsPublicKey>(hex);
    public static bool TryParse(string? hex, out BlsPublicKey value) => FixedBytes.TryParse(hex, out value);

    public bool Equals(BlsPublicKey other) => Span.SequenceEqual(other.Span);
    public override bool Equals(object? obj) => obj is BlsPublicKey other && Equals(other);
    public override int GetHashCode() => FixedBytes.Hash(_bytes);
    public static bool operator ==(BlsPublicKey left, BlsPublicKey right) => left.Equals(right);
    public static bool operator !=(BlsPublicKey left, BlsPublicKey right) => !left.Equals(right);
    public override string ToString() => _bytes is null ? "<none>" : Hex.Encode(_bytes);
}
