using System.Numerics;
using System.Text.Json.Nodes;
using DvtBus.Ethereum.Abi;
using DvtBus.Primitives;

namespace DvtBus.Ethereum.Tests.Peer;

/// <summary>Random values for an ABI type, as .NET values for our codec and as JSON for ethers' AbiCoder.</summary>
internal static class RandomAbiValues
{
    private static readonly string[] Strings = ["", "a", "hello, world", "héllo wörld ✓", new string('x', 33), "bafkreigh2akiscaildc"];

    public static (object Value, JsonNode? Json) Make(AbiType type, Random random)
    {
        switch (type.Kind)
        {
            case AbiKind.UInt:
            {
                var value = RandomBits(random, random.Next(0, type.Size + 1));
                return (value, JsonValue.Create(value.ToString()));
            }
            case AbiKind.Int:
            {
                var value = RandomBits(random, random.Next(0, type.Size));
                if (random.Next(2) == 0) value = -value - 1;
                return (value, JsonValue.Create(value.ToString()));
            }
            case AbiKind.Address:
            {
                var address = Address.From(Bytes(random, 20));
                return (address, JsonValue.Create(address.ToString()));
            }
            case AbiKind.Bool:
            {
                var flag = random.Next(2) == 1;
                return (flag, JsonValue.Create(flag));
            }
            case AbiKind.FixedBytes:
            case AbiKind.Bytes:
            {
                var bytes = Bytes(random, type.Kind == AbiKind.FixedBytes ? type.Size : random.Next(0, 70));
                return (bytes, JsonValue.Create(Hex.Encode(bytes)));
            }
            case AbiKind.String:
            {
                var text = Strings[random.Next(Strings.Length)];
                return (text, JsonValue.Create(text));
            }
            case AbiKind.Array:
            {
                var count = type.ArrayLength ?? random.Next(0, 4);
                var items = Enumerable.Range(0, count).Select(_ => Make(type.Element!, random)).ToArray();
                return (items.Select(i => i.Value).ToArray(), new JsonArray(items.Select(i => i.Json).ToArray()));
            }
            default:
            {
                var members = type.Components.Select(c => Make(c, random)).ToArray();
                return (members.Select(m => m.Value).ToArray(), new JsonArray(members.Select(m => m.Json).ToArray()));
            }
        }
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static BigInteger RandomBits(Random random, int bits)
    {
        if (bits == 0) return BigInteger.Zero;
        var value = new BigInteger(Bytes(random, (bits + 7) / 8), isUnsigned: true);
        return value & ((BigInteger.One << bits) - 1);
    }
}
