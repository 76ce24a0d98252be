using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.TestSupport;

namespace DvtBus.Ethereum.Tests.Peer;

/// <summary>Runs a batch of cases through tools/js/ethereum-peer.mjs (ethers 6) in one node process.</summary>
internal static class EthersPeer
{
    public static async Task<JsonElement[]> RunAsync(IEnumerable<JsonObject> cases)
    {
        var input = new JsonObject { ["cases"] = new JsonArray(cases.Cast<JsonNode?>().ToArray()) };
        var output = await NodePeer.RunAsync("ethereum-peer.mjs", input.ToJsonString());
        using var document = JsonDocument.Parse(output);
        return document.RootElement.GetProperty("results").EnumerateArray().Select(r => r.Clone()).ToArray();
    }
}
