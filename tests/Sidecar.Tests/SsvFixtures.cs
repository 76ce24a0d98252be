using System.Text.Json;
using DvtBus.TestSupport;

namespace DvtBus.Sidecar.Tests;

/// <summary>The ssv-dkg ceremonies in the public vectors and the operator keys that decrypt them.</summary>
internal static class SsvFixtures
{
    public static readonly string[] Ceremonies =
    [
        "4_operators_1_validator", "7_operators_1_validator", "10_operators_1_validator",
        "13_operators_1_validator", "4_operators_10_validators_bulk",
    ];

    public static string Ceremony(string name, string file) => RepoPaths.Vector("ssv", "ssv-dkg", "ceremonies", name, file);

    public static string MockKeyShares(string file) => RepoPaths.Vector("ssv", "ssv-keys", "mock-key-shares", file);

    /// <summary>Operator id -> its folder (operatorN), read from operators_info.json ("ip": "https://operatorN:3030").</summary>
    public static IReadOnlyDictionary<ulong, string> OperatorFolders { get; } = ReadOperatorFolders();

    public static string KeyFile(ulong operatorId) => Path.Combine(OperatorFolders[operatorId], "encrypted_private_key.json");

    public static string PasswordFile(ulong operatorId) => Path.Combine(OperatorFolders[operatorId], "password");

    /// <summary>The operator ids of a ceremony, from its keyshares payload.</summary>
    public static ulong[] OperatorIds(string ceremony)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Ceremony(ceremony, "keyshares.json")));
        return doc.RootElement.GetProperty("shares")[0].GetProperty("payload").GetProperty("operatorIds")
            .EnumerateArray().Select(e => e.GetUInt64()).ToArray();
    }

    /// <summary>Sidecar settings with every operator of the ceremony configured on its keyshares file.</summary>
    public static Dictionary<string, string?> Settings(string ceremony, string sidecarId = "ssv")
    {
        var settings = SidecarSettings.Base(sidecarId, "mainnet");
        var ids = OperatorIds(ceremony);
        for (var i = 0; i < ids.Length; i++)
            SidecarSettings.AddSsvOperator(settings, i, ids[i], KeyFile(ids[i]), PasswordFile(ids[i]), Ceremony(ceremony, "keyshares.json"));
        return settings;
    }

    public sealed record DepositEntry(string Pubkey, string WithdrawalCredentials, ulong Amount, string Signature);

    public static IReadOnlyList<DepositEntry> Deposits(string ceremony)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Ceremony(ceremony, "deposit_data.json")));
        return doc.RootElement.EnumerateArray().Select(e => new DepositEntry(
            e.GetProperty("pubkey").GetString()!, e.GetProperty("withdrawal_credentials").GetString()!,
            e.GetProperty("amount").GetUInt64(), e.GetProperty("signature").GetString()!)).ToArray();
    }

    private static Dictionary<ulong, string> ReadOperatorFolders()
    {
        var operators = RepoPaths.Vector("ssv", "ssv-dkg", "operators");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(operators, "operators_info.json")));
        return doc.RootElement.EnumerateArray().ToDictionary(
            e => e.GetProperty("id").GetUInt64(),
            e => Path.Combine(operators, new Uri(e.GetProperty("ip").GetString()!).Host));
    }
}
