using System.Text.Json;
using DvtBus.Crypto.Consensus;

namespace DvtBus.Devnet;

/// <summary>
/// A network as a JSON file holding the <see cref="NetworkOptions"/> properties (the same names the daemons
/// read under <c>Network</c>), so that one file describes the devnet to every tool and daemon.
/// </summary>
public static class NetworkConfig
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static NetworkOptions LoadOptions(string file)
    {
        NetworkOptions? options;
        try
        {
            options = JsonSerializer.Deserialize<NetworkOptions>(File.ReadAllText(file), Json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ArgumentException($"network config {file}: {e.Message}", e);
        }
        return options ?? throw new ArgumentException($"network config {file} is empty");
    }

    /// <summary>Reads and resolves the file; a bad file is one readable <see cref="ArgumentException"/>.</summary>
    public static Network Load(string file) =>
        Networks.TryResolve(LoadOptions(file), out var network, out var error)
            ? network
            : throw new ArgumentException($"network config {file}: {error}");

    public static void Write(string file, NetworkOptions options) =>
        File.WriteAllText(file, JsonSerializer.Serialize(options, Json));
}
