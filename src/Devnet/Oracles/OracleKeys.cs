using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using DvtBus.Ethereum.Crypto;
using DvtBus.Primitives;

namespace DvtBus.Devnet.Oracles;

/// <summary>
/// One dev oracle's secp256k1 identity as the demo's --out lists it: <c>public_key</c> is the 64-byte
/// x || y form the relayer encrypts to, <c>address</c> what the keeper registers. Devnet only: the private
/// key is written in the clear.
/// </summary>
public sealed record OracleKeyEntry(
    [property: JsonPropertyName("public_key")] string PublicKey,
    [property: JsonPropertyName("private_key")] string PrivateKey,
    [property: JsonPropertyName("address")] string Address)
{
    public override string ToString() => $"oracle {Address}";
}

public static class OracleKeys
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static IReadOnlyList<OracleKeyEntry> Generate(int count)
    {
        if (count < 1) throw new ArgumentException("at least one oracle is needed", nameof(count));
        var entries = new List<OracleKeyEntry>(count);
        var secret = new byte[32];
        try
        {
            for (var i = 0; i < count; i++)
            {
                using var key = DevKeys.NewSecp256k1(secret);
                entries.Add(new OracleKeyEntry(Hex.Encode(key.PublicKey), Hex.Encode(secret), AddressChecksum.Encode(key.Address)));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
        return entries;
    }

    public static void Write(string file, IReadOnlyList<OracleKeyEntry> keys) => File.WriteAllText(file, JsonSerializer.Serialize(keys, Json));

    /// <summary>Reads a key file and checks that each entry's public key and address belong to its private key.</summary>
    public static IReadOnlyList<OracleKeyEntry> Load(string file)
    {
        List<OracleKeyEntry>? keys;
        try
        {
            keys = JsonSerializer.Deserialize<List<OracleKeyEntry>>(File.ReadAllText(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ArgumentException($"oracle key file {file}: {e.Message}", e);
        }
        if (keys is null || keys.Count == 0) throw new ArgumentException($"oracle key file {file} lists no oracle");
        for (var i = 0; i < keys.Count; i++)
        {
            EthPrivateKey key;
            try
            {
                key = EthPrivateKey.FromHex(keys[i].PrivateKey);
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"oracle key file {file}: entry {i} has no valid private_key", e);
            }
            using (key)
            {
                var publicKeyMatches = Hex.TryDecode(keys[i].PublicKey, out var pk) && pk.AsSpan().SequenceEqual(key.PublicKey);
                var addressMatches = Address.TryParse(keys[i].Address, out var address) && address == key.Address;
                if (!publicKeyMatches || !addressMatches)
                    throw new ArgumentException($"oracle key file {file}: entry {i}'s public_key or address does not belong to its private_key");
            }
        }
        return keys;
    }
}
