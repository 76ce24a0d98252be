using System.Security.Cryptography;
using System.Text;
using DvtBus.Primitives;

namespace DvtBus.Contracts;

/// <summary>
/// The one correlation id of an exit: the same network, key and index give the same id in every
/// process, so a repeated request or a share arriving first finds the same saga.
/// </summary>
public static class ExitId
{
    public static Guid For(string network, BlsPublicKey publicKey, ulong validatorIndex)
    {
        var text = $"dvtbus-exit:{network.ToLowerInvariant()}:{publicKey}:{validatorIndex}";
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        // RFC 9562 name-based layout: version 8 (custom hash), RFC variant.
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
