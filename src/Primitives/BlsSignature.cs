using System.Text.Json.Serialization;

namespace DvtBus.Primitives;

/// <summary>A compressed BLS12-381 G2 signature (96 bytes). Only the length is checked here.</summary>
[JsonConverter(typeof(FixedBytesJsonConverter<BlsSignature>))]
public readonly struct BlsSignature : IFixedBytes<BlsSignature>, IEquatable<BlsSignature>
{
    private readonly byte[]? _bytes;
    private BlsSignature(byte[] bytes) => _bytes = bytes;

    public static int Length => 96;
    public static string Name => "BLS signature";
    static BlsSignature IFixedBytes<BlsSignature>.Wrap(byte[] bytes) => new(bytes);

    public ReadOnlySpan<byte> Span => FixedBytes.Checked(_bytes, Name);
    public byte[] ToArray() => Span.ToArray();

    public static BlsSignature From(ReadOnlySpan<byte> bytes) => FixedBytes.From<BlsSignature>(bytes);
    public static BlsSignature Parse(string? hex) => FixedBytes.Parse<BlsSignature>(hex);
    public static bool TryParse(string? hex, out BlsSignature value) => FixedBytes.TryParse(hex, out value);

    public bool Equals(BlsSignature other) => Span.SequenceEqual(other.Span);
    public override bool Equals(object? obj) => obj is BlsSignature other && Equals(other);
    public override int GetHashCode() => FixedBytes.Hash(_bytes);
    public static bool operator ==(BlsSignature left, BlsSignature right) => left.Equals(right);
    public static bool operator !=(BlsSignature left, BlsSignature right) => !left.Equals(right);
    public override string ToString() => _bytes is null ? "<none>" : Hex.Encode(_bytes);
}
