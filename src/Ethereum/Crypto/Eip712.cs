using System.Numerics;
using System.Text;
using DvtBus.Ethereum.Abi;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.Crypto;

/// <summary>One member of an EIP-712 struct: its name, its Solidity type and its value.</summary>
/// <remarks>
/// Values: <see cref="Bytes32"/> or byte[] for bytesN, <see cref="Address"/>, byte[] for bytes, string,
/// <see cref="BigInteger"/> (or any integer type) for uintN/intN, bool, and <see cref="Eip712Struct"/>
/// for a nested struct whose type name is the member's type.
/// </remarks>
public sealed record Eip712Field(string Name, string Type, object Value);

/// <summary>An EIP-712 struct value: the type name and its members in declaration order.</summary>
public sealed record Eip712Struct(string TypeName, IReadOnlyList<Eip712Field> Fields)
{
    public Eip712Struct(string typeName, params Eip712Field[] fields) : this(typeName, (IReadOnlyList<Eip712Field>)fields) { }

    /// <summary>encodeType: this struct's signature followed by every referenced struct type, sorted by name.</summary>
    public string EncodeType()
    {
        var referenced = new SortedDictionary<string, Eip712Struct>(StringComparer.Ordinal);
        CollectReferenced(referenced);
        referenced.Remove(TypeName);
        var builder = new StringBuilder(Signature());
        foreach (var dependency in referenced.Values) builder.Append(dependency.Signature());
        return builder.ToString();
    }

    public Bytes32 TypeHash() => Keccak.Hash(EncodeType());

    /// <summary>hashStruct(s) = keccak256(typeHash || encodeData(s)).</summary>
    public Bytes32 Hash()
    {
        var encoded = new List<byte>(32 * (Fields.Count + 1));
        encoded.AddRange(TypeHash().Span);
        foreach (var field in Fields) encoded.AddRange(EncodeValue(field));
        return Keccak.Hash(encoded.ToArray());
    }

    private string Signature() => TypeName + "(" + string.Join(",", Fields.Select(f => f.Type + " " + f.Name)) + ")";

    private void CollectReferenced(SortedDictionary<string, Eip712Struct> into)
    {
        if (!into.TryAdd(TypeName, this)) return;
        foreach (var field in Fields)
            if (field.Value is Eip712Struct nested)
                nested.CollectReferenced(into);
    }

    private static byte[] EncodeValue(Eip712Field field)
    {
        switch (field.Value)
        {
            case Eip712Struct nested:
                if (nested.TypeName != field.Type)
                    throw new FormatException($"EIP-712 member '{field.Name}' is declared {field.Type} but holds a {nested.TypeName}");
                return nested.Hash().ToArray();
            case string text when field.Type == "string":
                return Keccak.Hash(Encoding.UTF8.GetBytes(text)).ToArray();
            case byte[] bytes when field.Type == "bytes":
                return Keccak.Hash(bytes).ToArray();
            case Bytes32 bytes32 when field.Type == "bytes":
                return Keccak.Hash(bytes32.Span).ToArray();
        }
        if (field.Type is "string" or "bytes")
            throw new FormatException($"EIP-712 member '{field.Name}' of type {field.Type} has a value of type {field.Value.GetType().Name}");
        if (field.Type.EndsWith(']'))
            throw new FormatException($"EIP-712 member '{field.Name}': array types are not supported by this encoder");
        // Atomic types are encoded exactly as the ABI encodes a single static value.
        return AbiCodec.Encode([AbiType.Parse(field.Type)], [field.Value]);
    }
}

/// <summary>The EIP712Domain with the four members StakeWise uses (name, version, chainId, verifyingContract).</summary>
public sealed record Eip712Domain(string Name, string Version, ulong ChainId, Address VerifyingContract)
{
    public Eip712Struct ToStruct() => new("EIP712Domain",
        new Eip712Field("name", "string", Name),
        new Eip712Field("version", "string", Version),
        new Eip712Field("chainId", "uint256", new BigInteger(ChainId)),
        new Eip712Field("verifyingContract", "address", VerifyingContract));

    public Bytes32 Separator() => ToStruct().Hash();
}

/// <summary>EIP-712 signing digest: keccak256(0x19 0x01 || domainSeparator || hashStruct(message)).</summary>
public static class Eip712
{
    public static Bytes32 Hash(Eip712Domain domain, Eip712Struct message) => Hash(domain.Separator(), message.Hash());

    public static Bytes32 Hash(Bytes32 domainSeparator, Bytes32 structHash) =>
        Keccak.Hash([0x19, 0x01, .. domainSeparator.Span, .. structHash.Span]);

    public static EthSignature Sign(EthPrivateKey key, Eip712Domain domain, Eip712Struct message) => key.Sign(Hash(domain, message));
}
