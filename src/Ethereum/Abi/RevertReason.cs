using System.Globalization;
using System.Numerics;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.Abi;

/// <summary>Why a call reverted, decoded from its return data.</summary>
/// <param name="Name">"Error" for require/revert strings, "Panic" for assert/overflow, the custom error's name, or null when unknown.</param>
/// <param name="Arguments">The decoded arguments (empty when unknown).</param>
/// <param name="Message">A one-line human-readable reason.</param>
/// <param name="Data">The raw revert data.</param>
public sealed record RevertReason(string? Name, IReadOnlyList<object> Arguments, string Message, byte[] Data)
{
    private static readonly AbiFunction ErrorString = AbiFunction.Parse("Error(string)");
    private static readonly AbiFunction PanicCode = AbiFunction.Parse("Panic(uint256)");

    /// <summary>
    /// Decodes Error(string), Panic(uint256) and any of <paramref name="customErrors"/> (human-readable
    /// signatures such as "InsufficientBalance(uint256 have,uint256 want)"). Never throws on bad data:
    /// unknown or malformed data gives a reason with Name null.
    /// </summary>
    public static RevertReason Decode(ReadOnlySpan<byte> data, IEnumerable<string>? customErrors = null)
    {
        var raw = data.ToArray();
        if (data.Length == 0) return new RevertReason(null, [], "reverted without data", raw);
        var candidates = new List<AbiFunction> { ErrorString, PanicCode };
        if (customErrors is not null) candidates.AddRange(customErrors.Select(e => AbiFunction.Parse(e)));
        foreach (var error in candidates)
        {
            if (data.Length < 4 || !data[..4].SequenceEqual(error.Selector)) continue;
            object[] arguments;
            try
            {
                arguments = error.DecodeCall(data);
            }
            catch (FormatException)
            {
                continue;
            }
            var message = error == ErrorString ? (string)arguments[0]
                : error == PanicCode ? "panic: " + PanicText((BigInteger)arguments[0])
                : error.Name + "(" + string.Join(", ", arguments.Select(Format)) + ")";
            return new RevertReason(error.Name, arguments, message, raw);
        }
        var prefix = Hex.Encode(data[..Math.Min(4, data.Length)]);
        return new RevertReason(null, [], $"unknown revert data (selector {prefix}, {data.Length} bytes)", raw);
    }

    private static string PanicText(BigInteger code) => (int)(code & 0xff) switch
    {
        _ when code > 0xff => "0x" + code.ToString("x", CultureInfo.InvariantCulture),
        0x01 => "assertion failed (0x01)",
        0x11 => "arithmetic overflow or underflow (0x11)",
        0x12 => "division or modulo by zero (0x12)",
        0x21 => "invalid enum value (0x21)",
        0x22 => "bad storage byte array encoding (0x22)",
        0x31 => "pop on empty array (0x31)",
        0x32 => "array index out of bounds (0x32)",
        0x41 => "out of memory (0x41)",
        0x51 => "call to zero-initialised function (0x51)",
        var other => "code 0x" + other.ToString("x2", CultureInfo.InvariantCulture),
    };

    private static string Format(object value) => value switch
    {
        byte[] bytes => Hex.Encode(bytes),
        object[] list => "[" + string.Join(", ", list.Select(Format)) + "]",
        BigInteger number => number.ToString(CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
