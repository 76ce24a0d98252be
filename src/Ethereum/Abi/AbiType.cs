using System.Globalization;

namespace DvtBus.Ethereum.Abi;

public enum AbiKind { UInt, Int, Address, Bool, FixedBytes, Bytes, String, Array, Tuple }

/// <summary>A parsed Solidity ABI type: uintN/intN, address, bool, bytesN, bytes, string, T[], T[k], (T1,...,Tn).</summary>
public sealed class AbiType
{
    private AbiType(AbiKind kind, int size = 0, AbiType? element = null, int? length = null, IReadOnlyList<AbiType>? components = null)
    {
        Kind = kind;
        Size = size;
        Element = element;
        ArrayLength = length;
        Components = components ?? [];
        Canonical = kind switch
        {
            AbiKind.UInt => "uint" + size,
            AbiKind.Int => "int" + size,
            AbiKind.Address => "address",
            AbiKind.Bool => "bool",
            AbiKind.FixedBytes => "bytes" + size,
            AbiKind.Bytes => "bytes",
            AbiKind.String => "string",
            AbiKind.Array => element!.Canonical + "[" + (length?.ToString(CultureInfo.InvariantCulture) ?? "") + "]",
            _ => "(" + string.Join(",", Components.Select(c => c.Canonical)) + ")",
        };
    }

    public AbiKind Kind { get; }

    /// <summary>Bits for uintN/intN, bytes for bytesN.</summary>
    public int Size { get; }

    public AbiType? Element { get; }

    /// <summary>The fixed length of T[k]; null for a dynamic array T[].</summary>
    public int? ArrayLength { get; }

    public IReadOnlyList<AbiType> Components { get; }

    /// <summary>The form used in signatures and selectors (uint for uint256 already expanded).</summary>
    public string Canonical { get; }

    public bool IsDynamic => Kind switch
    {
        AbiKind.Bytes or AbiKind.String => true,
        AbiKind.Array => ArrayLength is null || Element!.IsDynamic,
        AbiKind.Tuple => Components.Any(c => c.IsDynamic),
        _ => false,
    };

    /// <summary>Bytes this type takes in the head of an enclosing tuple.</summary>
    internal int HeadSize => IsDynamic ? 32 : Kind switch
    {
        AbiKind.Array => ArrayLength!.Value * Element!.HeadSize,
        AbiKind.Tuple => Components.Sum(c => c.HeadSize),
        _ => 32,
    };

    public override string ToString() => Canonical;

    public static AbiType Tuple(IReadOnlyList<AbiType> components) => new(AbiKind.Tuple, components: components);

    public static AbiType Parse(string text)
    {
        var reader = new SignatureReader(text);
        var type = reader.ReadType();
        reader.ExpectEnd();
        return type;
    }

    /// <summary>Parses a parenthesised list such as "(uint256 a,bytes b)"; parameter names and "indexed" are returned alongside.</summary>
    internal static IReadOnlyList<AbiParameter> ParseParameters(string text, int start, out int end)
    {
        var reader = new SignatureReader(text, start);
        var parameters = reader.ReadParameterList();
        end = reader.Position;
        return parameters;
    }

    internal static AbiType Elementary(string name)
    {
        switch (name)
        {
            case "address": return new AbiType(AbiKind.Address);
            case "bool": return new AbiType(AbiKind.Bool);
            case "string": return new AbiType(AbiKind.String);
            case "bytes": return new AbiType(AbiKind.Bytes);
            case "uint": return new AbiType(AbiKind.UInt, 256);
            case "int": return new AbiType(AbiKind.Int, 256);
        }
        if (name.StartsWith("uint", StringComparison.Ordinal) && TrySize(name[4..], out var ubits) && ubits % 8 == 0 && ubits is >= 8 and <= 256)
            return new AbiType(AbiKind.UInt, ubits);
        if (name.StartsWith("int", StringComparison.Ordinal) && TrySize(name[3..], out var ibits) && ibits % 8 == 0 && ibits is >= 8 and <= 256)
            return new AbiType(AbiKind.Int, ibits);
        if (name.StartsWith("bytes", StringComparison.Ordinal) && TrySize(name[5..], out var n) && n is >= 1 and <= 32)
            return new AbiType(AbiKind.FixedBytes, n);
        throw new FormatException($"unknown ABI type '{name}'");
    }

    internal static AbiType ArrayOf(AbiType element, int? length) => new(AbiKind.Array, element: element, length: length);

    private static bool TrySize(string digits, out int value) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value) && !digits.StartsWith('0');
}

/// <summary>A parameter as written in a human-readable signature: type, optional name, and whether it is an indexed event topic.</summary>
public sealed record AbiParameter(AbiType Type, string Name, bool Indexed);

/// <summary>A small recursive-descent reader for Solidity signatures.</summary>
internal sealed class SignatureReader(string text, int position = 0)
{
    public int Position { get; private set; } = position;

    public AbiType ReadType()
    {
        SkipSpaces();
        AbiType type;
        if (Peek() == '(')
        {
            type = AbiType.Tuple(ReadParameterList().Select(p => p.Type).ToArray());
        }
        else if (text.AsSpan(Position).StartsWith("tuple(", StringComparison.Ordinal))
        {
            Position += 5;
            type = AbiType.Tuple(ReadParameterList().Select(p => p.Type).ToArray());
        }
        else
        {
            var start = Position;
            while (Position < text.Length && char.IsAsciiLetterOrDigit(text[Position])) Position++;
            if (start == Position) throw Error("expected a type");
            type = AbiType.Elementary(text[start..Position]);
        }
        while (Peek() == '[')
        {
            Position++;
            var start = Position;
            while (Position < text.Length && char.IsAsciiDigit(text[Position])) Position++;
            int? length = start == Position ? null : int.Parse(text.AsSpan(start, Position - start), CultureInfo.InvariantCulture);
            if (Peek() != ']') throw Error("expected ']'");
            Position++;
            if (length == 0) throw Error("fixed array length must be positive");
            type = AbiType.ArrayOf(type, length);
        }
        return type;
    }

    public List<AbiParameter> ReadParameterList()
    {
        SkipSpaces();
        if (Peek() != '(') throw Error("expected '('");
        Position++;
        var parameters = new List<AbiParameter>();
        SkipSpaces();
        if (Peek() == ')')
        {
            Position++;
            return parameters;
        }
        while (true)
        {
            var type = ReadType();
            var indexed = false;
            var name = ReadWord();
            if (name == "indexed")
            {
                indexed = true;
                name = ReadWord();
            }
            else if (name is "memory" or "calldata")
            {
                name = ReadWord();
            }
            parameters.Add(new AbiParameter(type, name, indexed));
            SkipSpaces();
            var c = Peek();
            Position++;
            if (c == ')') return parameters;
            if (c != ',') throw Error("expected ',' or ')'");
        }
    }

    public void ExpectEnd()
    {
        SkipSpaces();
        if (Position != text.Length) throw Error("unexpected trailing text");
    }

    private string ReadWord()
    {
        SkipSpaces();
        var start = Position;
        while (Position < text.Length && (char.IsAsciiLetterOrDigit(text[Position]) || text[Position] is '_' or '$')) Position++;
        return text[start..Position];
    }

    private char Peek() => Position < text.Length ? text[Position] : '\0';

    private void SkipSpaces()
    {
        while (Position < text.Length && text[Position] == ' ') Position++;
    }

    private FormatException Error(string what) => new($"bad ABI signature '{text}' at {Position}: {what}");
}
