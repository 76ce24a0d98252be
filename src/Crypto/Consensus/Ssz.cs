using System.Buffers.Binary;
using System.Security.Cryptography;
using DvtBus.Primitives;

namespace DvtBus.Crypto.Consensus;

/// <summary>
/// The few SSZ merkleization steps the fixed-size containers here need. Every container in this
/// project has at most four fields and every field at most four chunks, so the trees are written out
/// instead of going through a general merkleizer.
/// </summary>
internal static class Ssz
{
    public static ReadOnlySpan<byte> ZeroChunk => s_zeroChunk;
    private static readonly byte[] s_zeroChunk = new byte[32];

    public static void HashPair(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> both = stackalloc byte[64];
        left.CopyTo(both);
        right.CopyTo(both[32..]);
        SHA256.HashData(both, destination);
    }

    public static Bytes32 Root(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> root = stackalloc byte[32];
        HashPair(left, right, root);
        return Bytes32.From(root);
    }

    public static Bytes32 Root(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
    {
        Span<byte> left = stackalloc byte[32];
        Span<byte> right = stackalloc byte[32];
        HashPair(a, b, left);
        HashPair(c, d, right);
        return Root(left, right);
    }

    public static void UInt64Chunk(ulong value, Span<byte> chunk)
    {
        chunk.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(chunk, value);
    }

    /// <summary>
    /// hash_tree_root of a byte vector of 33..128 bytes (a BLS key: two chunks; a BLS signature: three
    /// chunks, padded to four).
    /// </summary>
    public static void ByteVectorRoot(ReadOnlySpan<byte> bytes, Span<byte> root)
    {
        Span<byte> chunks = stackalloc byte[128];
        chunks.Clear();
        bytes.CopyTo(chunks);
        if (bytes.Length <= 64)
        {
            HashPair(chunks[..32], chunks[32..64], root);
            return;
        }
        Span<byte> left = stackalloc byte[32];
        Span<byte> right = stackalloc byte[32];
        HashPair(chunks[..32], chunks[32..64], left);
        HashPair(chunks[64..96], chunks[96..128], right);
        HashPair(left, right, root);
    }
}
