using DvtBus.Primitives;
using Org.BouncyCastle.Crypto.Digests;

namespace DvtBus.Ethereum.Crypto;

/// <summary>Keccak-256 as Ethereum uses it (the original Keccak padding, not NIST SHA3-256).</summary>
public static class Keccak
{
    public static Bytes32 Hash(ReadOnlySpan<byte> data)
    {
        var digest = new KeccakDigest(256);
        var input = data.ToArray();
        digest.BlockUpdate(input, 0, input.Length);
        var output = new byte[32];
        digest.DoFinal(output, 0);
        return Bytes32.From(output);
    }

    public static Bytes32 Hash(string utf8) => Hash(System.Text.Encoding.UTF8.GetBytes(utf8));
}
