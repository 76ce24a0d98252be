using System.Text;
using System.Text.Json.Nodes;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.TestSupport;

namespace DvtBus.Crypto.Tests.Deposits;

/// <summary>The real deposit-data files in the shared vectors, and what each is valid for.</summary>
internal static class DepositFiles
{
    public const string Hoodi01 = "lighthouse_hoodi_first_0_count_2_prefix_0x01_eth1_true_deposit_data-1785211442.json";
    public const string Hoodi02 = "lighthouse_hoodi_first_0_count_2_prefix_0x02_eth1_true_deposit_data-1785211449.json";
    public const string HoodiBls = "ethstakingsmith_withdrawal_credentials_bls_hoodi_deposit_data-1755000050.json";
    public const string MainnetSki = "ethstakingsmith_mainnet_existing_mnemonic_ski_deposit_data.json";

    /// <summary>The vault the lighthouse 0x01/0x02 files point their credentials at.</summary>
    public static readonly Address LighthouseVault = Address.Parse("0x0f51bb10119727a7e5ea3538074fb341f56b09ad");

    public static IEnumerable<string> All => Directory.GetFiles(RepoPaths.Vector("consensus", "deposit_data"), "*.json").Select(Path.GetFileName)!;

    public static byte[] Bytes(string file) => File.ReadAllBytes(RepoPaths.Vector("consensus", "deposit_data", file));

    public static JsonArray Array(string file) => (JsonArray)JsonNode.Parse(Bytes(file))!;

    public static JsonObject Entry(string file, int position) => (JsonObject)Array(file)[position]!.DeepClone();

    public static Network NetworkOf(string file) => file.Contains("mainnet") ? Networks.Mainnet : Networks.Hoodi;

    public static Network OtherNetworkOf(string file) => file.Contains("mainnet") ? Networks.Hoodi : Networks.Mainnet;

    /// <summary>The vault a file's own 0x01/0x02 credentials point at; null for 0x00 files.</summary>
    public static Address? OwnVault(string file)
    {
        var credentials = Hex.Decode((string)Array(file)[0]!["withdrawal_credentials"]!);
        return credentials[0] is 1 or 2 ? Address.From(credentials.AsSpan(12)) : null;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Json(JsonNode node) => Utf8(node.ToJsonString());

    public static byte[] FileOf(params JsonNode[] entries) => Json(new JsonArray(entries.Select(e => (JsonNode?)e.DeepClone()).ToArray()));

    /// <summary>Rewrites both roots from the entry's fields, so that a test isolates the signature check.</summary>
    public static JsonObject WithRecomputedRoots(JsonObject entry)
    {
        var data = new DepositData(
            BlsPublicKey.Parse((string)entry["pubkey"]!),
            Bytes32.Parse((string)entry["withdrawal_credentials"]!),
            ulong.Parse(entry["amount"]!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture),
            BlsSignature.Parse((string)entry["signature"]!));
        entry["deposit_message_root"] = Hex.Encode(data.Message.HashTreeRoot().Span, prefix: false);
        entry["deposit_data_root"] = Hex.Encode(data.HashTreeRoot().Span, prefix: false);
        return entry;
    }
}
