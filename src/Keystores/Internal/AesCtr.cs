using System.Security.Cryptography;

namespace DvtBus.Keystores.Internal;

/// <summary>AES-128-CTR with the IV as the whole initial counter block, incremented big-endian (EIP-2335, v3).</summary>
internal static class AesCtr
{
    public const int IvLength = 16;

    public static byte[] Transform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input)
    {
        if (key.Length != 16) throw new ArgumentException("AES-128 key must be 16 bytes", nameof(key));
        if (iv.Length != IvLength) throw new KeyMaterialException($"cipher iv must be {IvLength} bytes, got {iv.Length}");
        using var aes = Aes.Create();
        // The setter keeps its own copy; the one handed to it is cleared here.
        var keyCopy = key.ToArray();
        try
        {
            aes.Key = keyCopy;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyCopy);
        }
        var blocks = (input.Length + 15) / 16;
        var counters = new byte[blocks * 16];
        Span<byte> counter = stackalloc byte[16];
        iv.CopyTo(counter);
        for (var b = 0; b < blocks; b++)
        {
            counter.CopyTo(counters.AsSpan(b * 16));
            for (var i = 15; i >= 0 && ++counter[i] == 0; i--) { }
        }
        var stream = aes.EncryptEcb(counters, PaddingMode.None);
        var output = new byte[input.Length];
        for (var i = 0; i < input.Length; i++) output[i] = (byte)(input[i] ^ stream[i]);
        CryptographicOperations.ZeroMemory(stream);
        return output;
    }
}
