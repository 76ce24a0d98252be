namespace DvtBus.Bls;

/// <summary>The flag byte of the ZCash point encodings, shared by G1 (48/96 bytes) and G2 (96/192 bytes).</summary>
internal static class ZcashEncoding
{
    /// <summary>
    /// Checks the length and the C, I and S flags, and copies the first 48 bytes without flags into
    /// <paramref name="firstElement"/>. <paramref name="identity"/> is true only for the exact identity
    /// pattern (I set, S clear, every other bit zero).
    /// </summary>
    internal static bool TryReadHeader(ReadOnlySpan<byte> bytes, int compressedLength, Span<byte> firstElement,
        out bool compressed, out bool identity, out bool sort)
    {
        compressed = bytes.Length == compressedLength;
        identity = false;
        sort = false;
        if (!compressed && bytes.Length != 2 * compressedLength) return false;
        byte flags = bytes[0];
        if (((flags & 0x80) != 0) != compressed) return false;
        bool infinity = (flags & 0x40) != 0;
        sort = (flags & 0x20) != 0;
        if (!compressed && sort) return false;
        bytes[..48].CopyTo(firstElement);
        firstElement[0] &= 0x1f;
        if (!infinity) return true;
        if (sort) return false;
        foreach (var b in firstElement) if (b != 0) return false;
        foreach (var b in bytes[48..]) if (b != 0) return false;
        identity = true;
        return true;
    }
}
