using DvtBus.Ethereum.Crypto;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.Abi;

/// <summary>A log as a node returns it.</summary>
public sealed record LogEntry(
    Address Address,
    IReadOnlyList<Bytes32> Topics,
    byte[] Data,
    ulong BlockNumber,
    Bytes32 TransactionHash,
    uint LogIndex,
    Bytes32 BlockHash = default,
    bool Removed = false);

/// <summary>A decoded event: its values by parameter name (and by position in <see cref="Values"/>).</summary>
public sealed record DecodedEvent(AbiEvent Event, IReadOnlyList<object> Values)
{
    /// <summary>Indexed dynamic values (bytes, string, arrays, tuples) come back as their Keccak hash (a <see cref="Bytes32"/>).</summary>
    public object this[string name]
    {
        get
        {
            for (var i = 0; i < Event.Parameters.Count; i++)
                if (Event.Parameters[i].Name == name) return Values[i];
            throw new KeyNotFoundException($"event {Event.Name} has no parameter '{name}'");
        }
    }
}

/// <summary>
/// An event from its human-readable signature, e.g. "Transfer(address indexed from,address indexed to,uint256 value)".
/// Topic 0 is the Keccak hash of the canonical signature (anonymous events are not supported).
/// </summary>
public sealed class AbiEvent
{
    private AbiEvent(string name, IReadOnlyList<AbiParameter> parameters)
    {
        Name = name;
        Parameters = parameters;
        Signature = name + "(" + string.Join(",", parameters.Select(p => p.Type.Canonical)) + ")";
        Topic0 = Keccak.Hash(Signature);
    }

    public string Name { get; }
    public IReadOnlyList<AbiParameter> Parameters { get; }
    public string Signature { get; }
    public Bytes32 Topic0 { get; }

    public static AbiEvent Parse(string signature)
    {
        var text = signature.Trim();
        if (text.StartsWith("event ", StringComparison.Ordinal)) text = text[6..].TrimStart();
        var open = text.IndexOf('(');
        if (open <= 0) throw new FormatException($"bad event signature '{signature}'");
        var parameters = AbiType.ParseParameters(text, open, out var end);
        if (text[end..].Trim().Length > 0) throw new FormatException($"bad event signature '{signature}': trailing text");
        if (parameters.Count(p => p.Indexed) > 3) throw new FormatException($"event '{signature}' has more than 3 indexed parameters");
        return new AbiEvent(text[..open].Trim(), parameters);
    }

    public bool Matches(LogEntry log) => log.Topics.Count > 0 && log.Topics[0] == Topic0;

    /// <summary>Decodes a log of this event, or false when the log is another event or malformed.</summary>
    public bool TryDecode(LogEntry log, out DecodedEvent decoded)
    {
        decoded = null!;
        try
        {
            decoded = Decode(log);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public DecodedEvent Decode(LogEntry log)
    {
        if (!Matches(log)) throw new FormatException($"log is not a {Signature} event");
        var indexed = Parameters.Where(p => p.Indexed).ToArray();
        if (log.Topics.Count != indexed.Length + 1)
            throw new FormatException($"{Name} log has {log.Topics.Count} topics, expected {indexed.Length + 1}");
        var data = AbiCodec.Decode(Parameters.Where(p => !p.Indexed).Select(p => p.Type).ToArray(), log.Data);
        var values = new object[Parameters.Count];
        int topic = 1, datum = 0;
        for (var i = 0; i < Parameters.Count; i++)
        {
            var parameter = Parameters[i];
            if (!parameter.Indexed)
                values[i] = data[datum++];
            else if (parameter.Type.IsDynamic || parameter.Type.Kind is AbiKind.Array or AbiKind.Tuple)
                values[i] = log.Topics[topic++];
            else
                values[i] = AbiCodec.Decode([parameter.Type], log.Topics[topic++].Span)[0];
        }
        return new DecodedEvent(this, values);
    }
}
