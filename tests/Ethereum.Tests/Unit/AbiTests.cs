using System.Numerics;
using DvtBus.Ethereum.Abi;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Ethereum.Tests.Unit;

public class AbiTests
{
    [Theory]
    [InlineData("transfer(address,uint256)", "0xa9059cbb")]
    [InlineData("balanceOf(address)", "0x70a08231")]
    [InlineData("get_deposit_root()", "0xc5f2892f")]
    [InlineData("Error(string)", "0x08c379a0")]
    [InlineData("Panic(uint256)", "0x4e487b71")]
    [InlineData("function transfer(address to, uint256 amount) external returns (bool)", "0xa9059cbb")]
    public void Selectors_match_the_well_known_values(string signature, string selector) =>
        Assert.Equal(selector, Hex.Encode(AbiFunction.Parse(signature).Selector));

    [Fact]
    public void Register_validators_has_the_vault_selector()
    {
        Assert.Equal("registerValidators((bytes32,uint256,bytes,bytes,string),bytes)", StakeWiseCalls.RegisterValidators.Signature);
        Assert.Equal("0x83d430d5", Hex.Encode(StakeWiseCalls.RegisterValidators.Selector));
        Assert.Equal("0xc5f2892f", Hex.Encode(StakeWiseCalls.GetDepositRoot.Selector));
    }

    [Fact]
    public void Register_validators_calldata_round_trips()
    {
        var keeper = new KeeperParams(Bytes32.From(Enumerable.Repeat((byte)7, 32).ToArray()), 1_700_000_000, new byte[176], new byte[65 * 3], "bafkreihash");
        var calldata = StakeWiseCalls.EncodeRegisterValidators(keeper, new byte[65]);
        var decoded = StakeWiseCalls.RegisterValidators.DecodeCall(calldata);
        var tuple = (object[])decoded[0];
        Assert.Equal(keeper.ValidatorsRegistryRoot.ToArray(), (byte[])tuple[0]);
        Assert.Equal(keeper.Deadline, (BigInteger)tuple[1]);
        Assert.Equal(176, ((byte[])tuple[2]).Length);
        Assert.Equal(195, ((byte[])tuple[3]).Length);
        Assert.Equal("bafkreihash", tuple[4]);
        Assert.Equal(65, ((byte[])decoded[1]).Length);
    }

    [Fact]
    public void Encodes_the_solidity_docs_example_for_dynamic_types()
    {
        // From the Solidity ABI specification: f(uint256,uint32[],bytes10,bytes) with (0x123, [0x456, 0x789], "1234567890", "Hello, world!").
        var function = AbiFunction.Parse("f(uint256,uint32[],bytes10,bytes)");
        var calldata = function.EncodeCall(
            new BigInteger(0x123), new object[] { 0x456, 0x789 }, "1234567890"u8.ToArray(), "Hello, world!"u8.ToArray());
        Assert.Equal(
            "0x8be65246" +
            "0000000000000000000000000000000000000000000000000000000000000123" +
            "0000000000000000000000000000000000000000000000000000000000000080" +
            "3132333435363738393000000000000000000000000000000000000000000000" +
            "00000000000000000000000000000000000000000000000000000000000000e0" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000456" +
            "0000000000000000000000000000000000000000000000000000000000000789" +
            "000000000000000000000000000000000000000000000000000000000000000d" +
            "48656c6c6f2c20776f726c642100000000000000000000000000000000000000",
            Hex.Encode(calldata));
    }

    [Fact]
    public void Round_trips_nested_static_and_dynamic_values()
    {
        var types = new[] { "int8", "uint256[2]", "(bool,string,address)[]", "bytes32", "string[]", "int256" }.Select(AbiType.Parse).ToArray();
        var address = Address.Parse("0x00000000000000000000000000000000deadbeef");
        object[] values =
        [
            new BigInteger(-128),
            new object[] { BigInteger.One, (BigInteger.One << 256) - 1 },
            new object[] { new object[] { true, "héllo", address }, new object[] { false, "", address } },
            Enumerable.Repeat((byte)0xab, 32).ToArray(),
            new object[] { "a", "bb" },
            -(BigInteger.One << 255),
        ];
        var decoded = AbiCodec.Decode(types, AbiCodec.Encode(types, values));
        Assert.Equal(new BigInteger(-128), decoded[0]);
        Assert.Equal((BigInteger.One << 256) - 1, ((object[])decoded[1])[1]);
        var first = (object[])((object[])decoded[2])[0];
        Assert.Equal(true, first[0]);
        Assert.Equal("héllo", first[1]);
        Assert.Equal(address, first[2]);
        Assert.Equal(values[3], decoded[3]);
        Assert.Equal(new[] { "a", "bb" }, ((object[])decoded[4]).Cast<string>());
        Assert.Equal(-(BigInteger.One << 255), decoded[5]);
    }

    [Fact]
    public void Refuses_values_out_of_range_for_their_type()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AbiCodec.Encode([AbiType.Parse("uint8")], [new BigInteger(256)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => AbiCodec.Encode([AbiType.Parse("uint256")], [BigInteger.MinusOne]));
        Assert.Throws<ArgumentOutOfRangeException>(() => AbiCodec.Encode([AbiType.Parse("int8")], [new BigInteger(128)]));
        Assert.Throws<ArgumentException>(() => AbiCodec.Encode([AbiType.Parse("bytes4")], [new byte[3]]));
        Assert.Throws<ArgumentException>(() => AbiCodec.Encode([AbiType.Parse("address")], ["0x00"]));
    }

    [Theory]
    [InlineData("uint7")]
    [InlineData("uint264")]
    [InlineData("bytes33")]
    [InlineData("bytes0")]
    [InlineData("uint256[0]")]
    [InlineData("(uint256")]
    [InlineData("strin")]
    [InlineData("uint08")]
    public void Rejects_malformed_types(string type) => Assert.Throws<FormatException>(() => AbiType.Parse(type));

    [Fact]
    public void Rejects_truncated_or_hostile_data_with_a_format_error()
    {
        var types = new[] { AbiType.Parse("bytes") };
        var good = AbiCodec.Encode(types, [new byte[40]]);
        Assert.Throws<FormatException>(() => AbiCodec.Decode(types, good[..^1].AsSpan()[..70]));
        var hugeLength = (byte[])good.Clone();
        hugeLength[32 + 28] = 0x7f;
        Assert.Throws<FormatException>(() => AbiCodec.Decode(types, hugeLength));
        var hugeOffset = (byte[])good.Clone();
        hugeOffset[30] = 0x10;
        Assert.Throws<FormatException>(() => AbiCodec.Decode(types, hugeOffset));
        var array = new[] { AbiType.Parse("uint256[]") };
        var hugeCount = AbiCodec.Encode(array, [new object[] { 1 }]);
        hugeCount[32 + 29] = 0xff;
        Assert.Throws<FormatException>(() => AbiCodec.Decode(array, hugeCount));
        var dirtyAddress = new byte[32];
        dirtyAddress[0] = 1;
        Assert.Throws<FormatException>(() => AbiCodec.Decode([AbiType.Parse("address")], dirtyAddress));
        var notBool = new byte[32];
        notBool[31] = 2;
        Assert.Throws<FormatException>(() => AbiCodec.Decode([AbiType.Parse("bool")], notBool));
    }

    [Fact]
    public void Rejects_data_whose_offsets_reuse_the_same_bytes_over_and_over()
    {
        // Outer uint256[][] of 64 elements, every offset pointing at one inner array of 60 elements:
        // 64 * 60 values from ~128 words. A decoder that follows offsets blindly multiplies its input.
        const int outer = 64, inner = 60;
        var words = new List<BigInteger> { 32, outer };
        words.AddRange(Enumerable.Repeat(new BigInteger(outer * 32), outer));
        words.Add(inner);
        words.AddRange(Enumerable.Range(0, inner).Select(i => new BigInteger(i)));
        var data = AbiCodec.Encode(words.Select(_ => AbiType.Parse("uint256")).ToArray(), words.Cast<object?>().ToArray());
        var ex = Assert.Throws<FormatException>(() => AbiCodec.Decode([AbiType.Parse("uint256[][]")], data));
        Assert.Contains("reuses", ex.Message);
    }

    [Fact]
    public void Decodes_error_string_panic_and_custom_errors()
    {
        var error = AbiFunction.Parse("Error(string)").EncodeCall("not enough");
        Assert.Equal("not enough", RevertReason.Decode(error).Message);
        var panic = AbiFunction.Parse("Panic(uint256)").EncodeCall(new BigInteger(0x11));
        var panicReason = RevertReason.Decode(panic);
        Assert.Equal("Panic", panicReason.Name);
        Assert.Contains("overflow", panicReason.Message);
        var custom = AbiFunction.Parse("InsufficientBalance(uint256 have,uint256 want)").EncodeCall(1, 2);
        var customReason = RevertReason.Decode(custom, ["InsufficientBalance(uint256 have, uint256 want)"]);
        Assert.Equal("InsufficientBalance", customReason.Name);
        Assert.Equal("InsufficientBalance(1, 2)", customReason.Message);
        Assert.Null(RevertReason.Decode(custom).Name);
        Assert.Null(RevertReason.Decode([0x08, 0xc3, 0x79, 0xa0, 1]).Name);
        Assert.Equal("reverted without data", RevertReason.Decode([]).Message);
    }

    [Fact]
    public void Decodes_a_deposit_event_with_little_endian_amount_and_index()
    {
        var pubkey = Enumerable.Range(0, 48).Select(i => (byte)i).ToArray();
        var credentials = new byte[32];
        credentials[0] = 1;
        var amount = BitConverter.GetBytes(32_000_000_000UL);
        var signature = Enumerable.Repeat((byte)0x99, 96).ToArray();
        var index = BitConverter.GetBytes(12345UL);
        var data = AbiCodec.Encode(Enumerable.Repeat(AbiType.Parse("bytes"), 5).ToArray(), [pubkey, credentials, amount, signature, index]);
        var log = new LogEntry(Address.Parse("0x00000000219ab540356cBB839Cbe05303d7705Fa"), [StakeWiseCalls.DepositEvent.Topic0], data, 1, default, 0);
        Assert.Equal("0x649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5", StakeWiseCalls.DepositEvent.Topic0.ToString());
        Assert.True(StakeWiseCalls.TryDecodeDepositEvent(log, out var deposit));
        Assert.Equal(32_000_000_000UL, deposit.AmountGwei);
        Assert.Equal(12345UL, deposit.Index);
        Assert.Equal(pubkey, deposit.PublicKey.ToArray());
        Assert.False(StakeWiseCalls.TryDecodeDepositEvent(log with { Topics = [StakeWiseCalls.ValidatorRegistered.Topic0] }, out _));
        Assert.False(StakeWiseCalls.TryDecodeDepositEvent(log with { Data = data[..100] }, out _));
    }

    [Fact]
    public void Decodes_indexed_and_plain_event_parameters()
    {
        var transfer = AbiEvent.Parse("event Transfer(address indexed from, address indexed to, uint256 value)");
        Assert.Equal("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef", transfer.Topic0.ToString());
        var from = Address.Parse("0x1111111111111111111111111111111111111111");
        var to = Address.Parse("0x2222222222222222222222222222222222222222");
        Bytes32 Topic(Address a) => Bytes32.From([.. new byte[12], .. a.Span]);
        var log = new LogEntry(from, [transfer.Topic0, Topic(from), Topic(to)], AbiCodec.Encode([AbiType.Parse("uint256")], [new BigInteger(5)]), 1, default, 0);
        var decoded = transfer.Decode(log);
        Assert.Equal(from, decoded["from"]);
        Assert.Equal(to, decoded["to"]);
        Assert.Equal(new BigInteger(5), decoded["value"]);
        Assert.False(transfer.TryDecode(log with { Topics = [transfer.Topic0, Topic(from)] }, out _));
    }
}
