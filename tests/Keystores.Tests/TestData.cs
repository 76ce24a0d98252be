using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DvtBus.Keystores.Ssv;
using DvtBus.TestSupport;

namespace DvtBus.Keystores.Tests;

/// <summary>Shared access to the public vectors; SSV operator keys are decrypted once per test run (PBKDF2 2^18 each).</summary>
internal static class TestData
{
    public const string OfficialPassword = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑";
    public const string OfficialSecret = "0x000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
    public const string OfficialPubkey = "0x9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07";

    public static string Eip2335(params string[] parts) => RepoPaths.Vector(["eip2335_eip2333", .. parts]);
    public static string Ssv(params string[] parts) => RepoPaths.Vector(["ssv", .. parts]);
    public static string Threshold(params string[] parts) => RepoPaths.Vector(["threshold", .. parts]);

    public static JsonNode Json(string path) => JsonNode.Parse(File.ReadAllText(path))!;

    private static readonly ConcurrentDictionary<string, Lazy<byte[]>> Secrets = new();

    /// <summary>
    /// Decrypts a vector keystore once per run: scrypt at N = 2^18 costs seconds, and several tests
    /// look at the same secret.
    /// </summary>
    public static byte[] DecryptOnce(string keystoreFile, string password)
    {
        using var pw = KeystorePassword.FromText(password);
        return DecryptOnce(keystoreFile, pw);
    }

    public static byte[] DecryptOnce(string keystoreFile, KeystorePassword password) =>
        Secrets.GetOrAdd(keystoreFile + "\0" + Convert.ToHexString(password.Utf8), _ => new Lazy<byte[]>(() =>
            Eip2335Keystore.Load(keystoreFile).DecryptSecret(password))).Value;

    private static readonly Lazy<IReadOnlyDictionary<ulong, SsvOperatorKey>> LazyOperators = new(LoadOperators);

    /// <summary>operatorN folders by operator id (operators_info.json: operator1..9 = 11..99, operator10..13 = 110..113).</summary>
    public static IReadOnlyDictionary<ulong, SsvOperatorKey> OperatorKeys => LazyOperators.Value;

    public static IReadOnlyList<(ulong Id, string Folder, SsvOperatorPublicKey PublicKey)> OperatorInfo()
    {
        var info = (JsonArray)Json(Ssv("ssv-dkg", "operators", "operators_info.json"));
        return info.Select(node => (
                node!["id"]!.GetValue<ulong>(),
                Ssv("ssv-dkg", "operators", $"operator{IdToNumber(node["id"]!.GetValue<ulong>())}"),
                SsvOperatorPublicKey.Parse(node["public_key"]!.GetValue<string>())))
            .ToArray();
    }

    private static int IdToNumber(ulong id) => id < 100 ? (int)(id / 11) : (int)(id - 100);

    private static IReadOnlyDictionary<ulong, SsvOperatorKey> LoadOperators()
    {
        var keys = new Dictionary<ulong, SsvOperatorKey>();
        foreach (var (id, folder, _) in OperatorInfo())
            keys[id] = SsvOperatorKey.Load(Path.Combine(folder, "encrypted_private_key.json"), Path.Combine(folder, "password"));
        return keys;
    }
}
