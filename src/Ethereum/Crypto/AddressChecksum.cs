using DvtBus.Primitives;

namespace DvtBus.Ethereum.Crypto;

/// <summary>EIP-55 mixed-case checksum addresses.</summary>
public static class AddressChecksum
{
    public static string Encode(Address address)
    {
        var lower = Hex.Encode(address.Span, prefix: false);
        var hash = Keccak.Hash(System.Text.Encoding.ASCII.GetBytes(lower)).Span;
        var chars = lower.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var nibble = (i % 2 == 0 ? hash[i / 2] >> 4 : hash[i / 2]) & 0x0f;
            if (nibble >= 8) chars[i] = char.ToUpperInvariant(chars[i]);
        }
        return "0x" + new string(chars);
    }

    /// <summary>
    /// Accepts an all-lowercase or all-uppercase address (no checksum to check) or a mixed-case one whose
    /// checksum is right; a mixed-case address with a wrong checksum is a typo and is rejected.
    /// </summary>
    public static bool TryParse(string? text, out Address address)
    {
        address = default;
        if (text is null || text.Length != 42 || !text.StartsWith("0x", StringComparison.Ordinal)) return false;
        if (!Address.TryParse(text, out var parsed)) return false;
        var digits = text.AsSpan(2);
        var hasLower = digits.ContainsAny("abcdef");
        var hasUpper = digits.ContainsAny("ABCDEF");
        if (hasLower && hasUpper && !string.Equals(Encode(parsed), text, StringComparison.Ordinal)) return false;
        address = parsed;
        return true;
    }

    public static bool IsValid(string? text) => TryParse(text, out _);
}
