using System.Text.Json.Serialization;

namespace DvtBus.Primitives;

/// <summary>An oracle's exit-signature shard encrypted with ECIES: ephemeral key 65 || nonce 16 || tag 16 || ciphertext 96.</summary>
[JsonConverter(typeof(FixedBytesJsonConverter<EncryptedExitSignature>))]
public readonly struct EncryptedExitSignature : IFixedBytes<EncryptedExitSignature>, IEquatable<EncryptedExitSignature>
{
    private readonly byte[]? _bytes;
    private EncryptedExitSignature(byte[] bytes) => _bytes = bytes;

    public static int Length => 193;
    public static string Name => "encrypted exit signature";
    static EncryptedExitSignature IFixedBytes<EncryptedExitSignature>.Wrap(byte[] bytes) => new(bytes);

    public ReadOnlySpan<byte> Span => FixedBytes.Checked(_bytes, Name);
    public byte[] ToArray() => Span.ToArray();

    public static EncryptedExitSignature From(ReadOnlySpan<byte> bytes) => FixedBytes.From<EncryptedExitSignature>(bytes);
    public static EncryptedExitSignature Parse(string? hex) => FixedBytes.Parse<EncryptedExitSignature>(hex);
    public static bool TryParse(string? hex, out EncryptedExitSignature value) => FixedBytes.TryParse(hex, out value);

    public bool Equals(EncryptedExitSignature other) => Span.SequenceEqual(other.Span);
    public override bool Equals(object? obj) => obj is EncryptedExitSignature other && Equals(other);
    public override int GetHashCode() => FixedBytes.Hash(_bytes);
    public static bool operator ==(EncryptedExitSignature left, EncryptedExitSignature right) => left.Equals(right);
    public static bool operator !=(EncryptedExitSignature left, EncryptedExitSignature right) => !left.Equals(right);
    public override string ToString() => _bytes is null ? "<none>" : Hex.Encode(_bytes);
}
