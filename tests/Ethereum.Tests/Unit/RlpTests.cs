using System.Numerics;
using DvtBus.Ethereum.Transactions;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Ethereum.Tests.Unit;

public class RlpTests
{
    public static TheoryData<string, RlpItem> WikiExamples => new()
    {
        { "0x83646f67", RlpItem.Of("dog") },
        { "0xc88363617483646f67", RlpItem.List(RlpItem.Of("cat"), RlpItem.Of("dog")) },
        { "0x80", RlpItem.Of("") },
        { "0xc0", RlpItem.List() },
        { "0x80", RlpItem.Of(BigInteger.Zero) },
        { "0x00", RlpItem.Of([0x00]) },
        { "0x0f", RlpItem.Of(new BigInteger(15)) },
        { "0x820400", RlpItem.Of(new BigInteger(1024)) },
        { "0xc7c0c1c0c3c0c1c0", RlpItem.List(RlpItem.List(), RlpItem.List(RlpItem.List()), RlpItem.List(RlpItem.List(), RlpItem.List(RlpItem.List()))) },
        {
            "0xb8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974",
            RlpItem.Of("Lorem ipsum dolor sit amet, consectetur adipisicing elit")
        },
    };

    [Theory]
    [MemberData(nameof(WikiExamples))]
    public void Encodes_the_wiki_examples_and_decodes_them_back(string expected, RlpItem item)
    {
        var encoded = Rlp.Encode(item);
        Assert.Equal(expected, Hex.Encode(encoded));
        Assert.Equal(expected, Hex.Encode(Rlp.Encode(Rlp.Decode(encoded))));
    }

    [Fact]
    public void Long_lists_use_the_long_header()
    {
        var items = Enumerable.Range(0, 30).Select(i => RlpItem.Of("ab")).ToArray();
        var encoded = Rlp.Encode(RlpItem.List(items));
        Assert.Equal(0xf8, encoded[0]);
        Assert.Equal(90, encoded[1]);
        Assert.Equal(30, Rlp.Decode(encoded).Items.Count);
    }

    [Theory]
    [InlineData("0x8100")] // a single byte below 0x80 must not carry a prefix
    [InlineData("0x83646f")] // truncated string
    [InlineData("0xb80100")] // long form for a short length
    [InlineData("0xc88363617483646f")] // truncated list
    [InlineData("0x83646f6700")] // trailing bytes
    [InlineData("0xb900380000")] // length with a leading zero
    [InlineData("0x")]
    public void Rejects_non_canonical_or_truncated_input(string hex) =>
        Assert.Throws<FormatException>(() => Rlp.Decode(Hex.Decode(hex)));

    [Fact]
    public void Integers_with_leading_zeros_are_rejected()
    {
        var item = Rlp.Decode(Hex.Decode("0x820004"));
        Assert.Throws<FormatException>(() => item.ToBigInteger());
    }
}
