using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Internal;

/// <summary>Typed reads from a JSON tree that fail with the name of the missing or malformed field.</summary>
internal static class JsonFields
{
    public static JsonObject ParseObject(string json, string what)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? node;
        try
        {
            // A field given twice is refused while parsing: otherwise reading it would throw later, unnamed.
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new KeyMaterialException($"{what} is not valid JSON: {e.Message}", e);
        }
        return node as JsonObject ?? throw new KeyMaterialException($"{what} must be a JSON object");
    }

    public static JsonObject Object(JsonObject parent, string name) =>
        parent[name] as JsonObject ?? throw new KeyMaterialException($"missing or non-object field '{name}'");

    public static JsonArray Array(JsonObject parent, string name) =>
        parent[name] as JsonArray ?? throw new KeyMaterialException($"missing or non-array field '{name}'");

    public static string String(JsonObject parent, string name) =>
        OptionalString(parent, name) ?? throw new KeyMaterialException($"missing string field '{name}'");

    public static string? OptionalString(JsonObject parent, string name)
    {
        var node = parent[name];
        if (node is null) return null;
        return node is JsonValue value && value.TryGetValue<string>(out var s)
            ? s
            : throw new KeyMaterialException($"field '{name}' must be a string");
    }

    public static int Int(JsonObject parent, string name)
    {
        var node = parent[name] ?? throw new KeyMaterialException($"missing integer field '{name}'");
        return node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var i)
            ? i
            : throw new KeyMaterialException($"field '{name}' must be a 32-bit integer");
    }

    /// <summary>A non-negative integer given as a JSON number or a decimal string (both appear in the wild).</summary>
    public static ulong UInt64(JsonNode? node, string name)
    {
        if (node is JsonValue value)
        {
            if (value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<ulong>(out var n)) return n;
            if (value.TryGetValue<string>(out var s) && ulong.TryParse(s, System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out n)) return n;
        }
        throw new KeyMaterialException($"field '{name}' must be a non-negative integer");
    }

    public static byte[] HexBytes(JsonObject parent, string name) =>
        Hex.TryDecode(String(parent, name), out var bytes)
            ? bytes
            : throw new KeyMaterialException($"field '{name}' is not hex");
}
