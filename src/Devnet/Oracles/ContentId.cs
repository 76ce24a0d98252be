using System.Security.Cryptography;
using System.Text;

namespace DvtBus.Devnet.Oracles;

/// <summary>
/// An IPFS content id (CIDv1, raw codec, sha2-256, base32 "b..." text) of bytes, computed the way IPFS
/// does for a single-block raw file, so that the same exit shards give every oracle the same id.
/// </summary>
public static class ContentId
{
    private const byte Version = 0x01;
    private const byte RawCodec = 0x55;
    private const byte Sha256Code = 0x12;

    public static string Of(ReadOnlySpan<byte> content)
    {
        Span<byte> cid = stackalloc byte[4 + 32];
        cid[0] = Version;
        cid[1] = RawCodec;
        cid[2] = Sha256Code;
        cid[3] = 32;
        SHA256.HashData(content, cid[4..]);
        return "b" + Base32Lower(cid);
    }

    /// <summary>RFC 4648 base32, lower case, no padding: the multibase 'b' alphabet.</summary>
    private static string Base32Lower(ReadOnlySpan<byte> bytes)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var text = new StringBuilder((bytes.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) text.Append(alphabet[(buffer << (5 - bits)) & 31]);
        return text.ToString();
    }
}
