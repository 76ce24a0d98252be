using DvtBus.Primitives;
using DvtBus.Ethereum.Crypto;

namespace DvtBus.Ethereum.Abi;

/// <summary>
/// A function (or custom error) from its human-readable signature, e.g.
/// "transfer(address to,uint256 amount)" with optional outputs "(uint256)".
/// </summary>
public sealed class AbiFunction
{
    private AbiFunction(string name, IReadOnlyList<AbiParameter> inputs, IReadOnlyList<AbiParameter> outputs)
    {
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        Signature = name + "(" + string.Join(",", inputs.Select(p => p.Type.Canonical)) + ")";
        Selector = Keccak.Hash(Signature).Span[..4].ToArray();
    }

    public string Name { get; }
    public IReadOnlyList<AbiParameter> Inputs { get; }
    public IReadOnlyList<AbiParameter> Outputs { get; }

    /// <summary>The canonical signature the selector is hashed from: no names, no spaces.</summary>
    public string Signature { get; }

    public byte[] Selector { get; }

    /// <summary>Parses "name(inputs)" optionally followed by " returns (outputs)" or just "(outputs)".</summary>
    public static AbiFunction Parse(string signature, string? outputs = null)
    {
        var text = signature.Trim();
        if (text.StartsWith("function ", StringComparison.Ordinal)) text = text[9..].TrimStart();
        if (text.StartsWith("error ", StringComparison.Ordinal)) text = text[6..].TrimStart();
        var open = text.IndexOf('(');
        if (open <= 0) throw new FormatException($"bad function signature '{signature}'");
        var name = text[..open].Trim();
        var inputs = AbiType.ParseParameters(text, open, out var end);
        // Whatever sits between the inputs and the next '(' (external, view, returns ...) says nothing about the encoding.
        var rest = text[end..];
        var outputsOpen = rest.IndexOf('(');
        var outputText = outputs ?? (outputsOpen >= 0 ? rest[outputsOpen..] : null);
        var outputParameters = outputText is null ? [] : AbiType.ParseParameters(outputText.Trim(), 0, out _);
        return new AbiFunction(name, inputs, outputParameters);
    }

    public byte[] EncodeCall(params object?[] arguments) =>
        [.. Selector, .. AbiCodec.Encode(Inputs.Select(p => p.Type).ToArray(), arguments)];

    public object[] DecodeOutput(ReadOnlySpan<byte> returnData) =>
        AbiCodec.Decode(Outputs.Select(p => p.Type).ToArray(), returnData);

    /// <summary>Decodes calldata made for this function (selector checked).</summary>
    public object[] DecodeCall(ReadOnlySpan<byte> calldata)
    {
        if (calldata.Length < 4 || !calldata[..4].SequenceEqual(Selector))
            throw new FormatException($"calldata is not a call to {Signature}");
        return AbiCodec.Decode(Inputs.Select(p => p.Type).ToArray(), calldata[4..]);
    }

    public override string ToString() => Signature + " " + Hex.Encode(Selector);
}
