using System.Globalization;
using System.Text;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.Crypto;

/// <summary>EIP-191 "personal message" hashing: keccak256("\x19Ethereum Signed Message:\n" + len + message).</summary>
public static class Eip191
{
    public static Bytes32 Hash(ReadOnlySpan<byte> message)
    {
        var prefix = Encoding.ASCII.GetBytes("\u0019Ethereum Signed Message:\n" + message.Length.ToString(CultureInfo.InvariantCulture));
        return Keccak.Hash([.. prefix, .. message]);
    }

    public static Bytes32 Hash(string utf8Message) => Hash(Encoding.UTF8.GetBytes(utf8Message));
}
