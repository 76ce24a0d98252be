namespace DvtBus.Primitives;

/// <summary>Hex as Ethereum tooling writes it: lowercase, 0x-prefixed on output, prefix optional on input.</summary>
public static class Hex
{
    public static string Encode(ReadOnlySpan<byte> bytes, bool prefix = true) =>
        prefix ? "0x" + Convert.ToHexStringLower(bytes) : Convert.ToHexStringLower(bytes);

    public static byte[] Decode(string? hex) =>
        TryDecode(hex, out var bytes) ? bytes : throw new FormatException("not a hex string");

    public static bool TryDecode(string? hex, out byte[] bytes)
    {
        bytes = [];
        if (hex is null) return false;
        var digits = Strip(hex.AsSpan());
        if (digits.Length % 2 != 0) return false;
        var result = new byte[digits.Length / 2];
        if (Convert.FromHexString(digits, result, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != result.Length)
            return false;
        bytes = result;
        return true;
    }

    /// <summary>Decodes exactly <paramref name="length"/> bytes, or fails.</summary>
    public static bool TryDecodeFixed(string? hex, int length, out byte[] bytes) =>
        TryDecode(hex, out bytes) && bytes.Length == length;

    private static ReadOnlySpan<char> Strip(ReadOnlySpan<char> hex) =>
        hex.StartsWith("0x") || hex.StartsWith("0X") ? hex[2..] : hex;
}
