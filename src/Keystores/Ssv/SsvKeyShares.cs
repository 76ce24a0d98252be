using System.Text.Json.Nodes;
using DvtBus.Keystores.Internal;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Ssv;

public sealed record SsvOperator(ulong Id, SsvOperatorPublicKey PublicKey);

/// <summary>One validator of a keyshares file: who owns it, which operators run it, and its shares.</summary>
public sealed record SsvKeyShare(Address? OwnerAddress, ulong? OwnerNonce, IReadOnlyList<SsvOperator> Operators, SsvValidatorShares Shares);

/// <summary>
/// Keyshares files of ssv-keys and ssv-dkg: the v1.x list form `{version, shares: [{data, payload}]}`,
/// the older single form `{version, data, payload}`, and a bare `{data, payload}` item.
/// </summary>
public static class SsvKeyShares
{
    public static IReadOnlyList<SsvKeyShare> Parse(string json)
    {
        var root = JsonFields.ParseObject(json, "keyshares file");
        if (root["shares"] is JsonArray items)
        {
            if (items.Count == 0) throw new KeyMaterialException("keyshares file has an empty 'shares' list");
            var result = new List<SsvKeyShare>(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i] as JsonObject ?? throw new KeyMaterialException($"keyshares item {i} is not an object");
                result.Add(ParseItem(item, $"keyshares item {i}"));
            }
            var duplicate = result.GroupBy(s => s.Shares.ValidatorPublicKey).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw new KeyMaterialException($"keyshares file lists validator {duplicate.Key} twice");
            return result;
        }
        if (root.ContainsKey("data") || root.ContainsKey("payload"))
            return [ParseItem(root, "keyshares")];
        throw new KeyMaterialException("keyshares file has neither a 'shares' list nor 'data' and 'payload'");
    }

    public static IReadOnlyList<SsvKeyShare> Load(string file) =>
        KeyFile.Load(file, "keyshares file", Parse);

    private static SsvKeyShare ParseItem(JsonObject item, string where)
    {
        try
        {
            return ParseItem(item);
        }
        catch (KeyMaterialException e)
        {
            throw new KeyMaterialException($"{where}: {e.Message}", e);
        }
    }

    private static SsvKeyShare ParseItem(JsonObject item)
    {
        var data = item["data"] as JsonObject ?? throw new KeyMaterialException("missing 'data' object");
        var payload = item["payload"] as JsonObject ?? throw new KeyMaterialException("missing 'payload' object");

        var validator = PublicKey(data, "data.publicKey");
        var payloadValidator = PublicKey(payload, "payload.publicKey");
        if (validator != payloadValidator)
            throw new KeyMaterialException($"data.publicKey {validator} differs from payload.publicKey {payloadValidator}");

        var operators = Operators(data);
        var payloadIds = (payload["operatorIds"] as JsonArray ?? throw new KeyMaterialException("missing payload.operatorIds"))
            .Select(node => JsonFields.UInt64(node, "payload.operatorIds[]")).ToArray();
        var dataIds = operators.Select(o => o.Id).Order().ToArray();
        if (!payloadIds.SequenceEqual(dataIds))
            throw new KeyMaterialException(
                $"payload.operatorIds [{string.Join(",", payloadIds)}] are not the sorted data.operators ids [{string.Join(",", dataIds)}]");

        var sharesHex = payload["sharesData"] is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : throw new KeyMaterialException("missing payload.sharesData");
        if (!Hex.TryDecode(sharesHex, out var sharesBytes)) throw new KeyMaterialException("payload.sharesData is not hex");
        var shares = SsvValidatorShares.Parse(validator, payloadIds, sharesBytes);

        Address? owner = null;
        if (data["ownerAddress"] is { } ownerNode)
            owner = ownerNode is JsonValue ov && ov.TryGetValue<string>(out var ownerHex) && Address.TryParse(ownerHex, out var a)
                ? a
                : throw new KeyMaterialException("data.ownerAddress is not a 20-byte address");
        ulong? nonce = data["ownerNonce"] is { } nonceNode ? JsonFields.UInt64(nonceNode, "data.ownerNonce") : null;
        return new SsvKeyShare(owner, nonce, operators.OrderBy(o => o.Id).ToArray(), shares);
    }

    private static BlsPublicKey PublicKey(JsonObject parent, string name)
    {
        var node = parent["publicKey"];
        if (node is null) throw new KeyMaterialException($"{name} is missing");
        return node is JsonValue value && value.TryGetValue<string>(out var hex) && BlsPublicKey.TryParse(hex, out var pk)
            ? pk
            : throw new KeyMaterialException($"{name} is not a 48-byte hex public key");
    }

    private static List<SsvOperator> Operators(JsonObject data)
    {
        var list = data["operators"] as JsonArray;
        if (list is null || list.Count == 0) throw new KeyMaterialException("data.operators is missing or empty");
        var operators = new List<SsvOperator>(list.Count);
        foreach (var node in list)
        {
            var op = node as JsonObject ?? throw new KeyMaterialException("data.operators[] entry is not an object");
            var idNode = op["id"];
            if (idNode is not JsonValue idValue || idValue.GetValueKind() != System.Text.Json.JsonValueKind.Number
                || !idValue.TryGetValue<ulong>(out var id) || id == 0)
                throw new KeyMaterialException($"operator id '{idNode?.ToJsonString().Trim('"')}' is not a positive integer");
            if (operators.Any(o => o.Id == id)) throw new KeyMaterialException($"operator id {id} appears twice");
            var keyText = op["operatorKey"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : "";
            if (keyText.Length == 0) throw new KeyMaterialException($"operator {id} has no operatorKey");
            SsvOperatorPublicKey key;
            try
            {
                key = SsvOperatorPublicKey.Parse(keyText);
            }
            catch (KeyMaterialException e)
            {
                throw new KeyMaterialException($"operator {id}: {e.Message}", e);
            }
            var twin = operators.FirstOrDefault(o => o.PublicKey.Equals(key));
            if (twin is not null) throw new KeyMaterialException($"operators {twin.Id} and {id} have the same operatorKey");
            operators.Add(new SsvOperator(id, key));
        }
        return operators;
    }
}
