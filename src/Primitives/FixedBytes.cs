using System.Text.Json;
using System.Text.Json.Serialization;

namespace DvtBus.Primitives;

/// <summary>
/// A byte string of one fixed length. Each concrete type names its length; parsing, equality,
/// hex and JSON are shared here so that every value type behaves the same way on the wire.
/// </summary>
public interface IFixedBytes<TSelf> where TSelf : struct, IFixedBytes<TSelf>
{
    static abstract int Length { get; }
    static abstract string Name { get; }
    static abstract TSelf Wrap(byte[] bytes);
    ReadOnlySpan<byte> Span { get; }
}

public static class FixedBytes
{
    public static T From<T>(ReadOnlySpan<byte> bytes) where T : struct, IFixedBytes<T> =>
        bytes.Length == T.Length
            ? T.Wrap(bytes.ToArray())
            : throw new FormatException($"{T.Name} must be {T.Length} bytes, got {bytes.Length}");

    public static bool TryParse<T>(string? hex, out T value) where T : struct, IFixedBytes<T>
    {
        value = default;
        if (!Hex.TryDecodeFixed(hex, T.Length, out var bytes)) return false;
        value = T.Wrap(bytes);
        return true;
    }

    public static T Parse<T>(string? hex) where T : struct, IFixedBytes<T> =>
        TryParse<T>(hex, out T value)
            ? value
            : throw new FormatException($"{T.Name} must be {T.Length} bytes of hex");

    internal static ReadOnlySpan<byte> Checked(byte[]? bytes, string name) =>
        bytes ?? throw new InvalidOperationException($"{name} is uninitialised (default value)");

    internal static int Hash(byte[]? bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}

/// <summary>Reads and writes a fixed-size value as a lowercase 0x-prefixed hex string.</summary>
public sealed class FixedBytesJsonConverter<T> : JsonConverter<T> where T : struct, IFixedBytes<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"{T.Name} must be a hex string");
        return FixedBytes.TryParse<T>(reader.GetString(), out T value)
            ? value
            : throw new JsonException($"{T.Name} must be {T.Length} bytes of hex");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Hex.Encode(value.Span));

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Read(ref reader, typeToConvert, options);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WritePropertyName(Hex.Encode(value.Span));
}
