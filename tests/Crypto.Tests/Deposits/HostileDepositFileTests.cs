using System.Text;
using System.Text.Json.Nodes;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using Xunit;
using static DvtBus.Crypto.Tests.Deposits.DepositFiles;

namespace DvtBus.Crypto.Tests.Deposits;

/// <summary>
/// Malformed and hostile variants of a real hoodi file (0x01 credentials to <see cref="LighthouseVault"/>),
/// each refused with its own reason. Every variant here fails before the BLS checks.
/// </summary>
public class HostileDepositFileTests
{
    public sealed record Variant(string Name, Func<byte[]> Build, DepositProblem Problem, string ReasonPart, int? Position)
    {
        public override string ToString() => Name;
    }

    private static JsonObject E() => Entry(Hoodi01, 0);
    private static JsonObject E02() => Entry(Hoodi02, 0);

    private static Func<byte[]> One(Action<JsonObject> change, Func<JsonObject>? baseEntry = null) => () =>
    {
        var entry = (baseEntry ?? E)();
        change(entry);
        return FileOf(entry);
    };

    private static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    private static readonly string Pubkey = (string)E()["pubkey"]!;
    private static readonly string Vault = "0f51bb10119727a7e5ea3538074fb341f56b09ad";

    public static IEnumerable<Variant> Variants =>
    [
        // The file as a whole.
        new("empty file", () => [], DepositProblem.Empty, "empty", null),
        new("whitespace only", () => Utf8(" \r\n\t "), DepositProblem.Empty, "empty", null),
        new("truncated in the middle", () => Bytes(Hoodi01)[..700], DepositProblem.NotJson, "not valid JSON", null),
        new("plain text", () => Utf8("pubkey,amount\n88b6,32"), DepositProblem.NotJson, "not valid JSON", null),
        new("trailing garbage after the array", () => [.. Bytes(Hoodi01), .. Utf8(" ]")], DepositProblem.NotJson, "not valid JSON", null),
        new("trailing comma", () => Utf8("[" + E().ToJsonString() + ",]"), DepositProblem.NotJson, "not valid JSON", null),
        new("comment in JSON", () => Utf8("// deposits\n[" + E().ToJsonString() + "]"), DepositProblem.NotJson, "line 1", null),
        new("single object instead of array", () => Utf8(E().ToJsonString()), DepositProblem.NotAnArray, "found an object", null),
        new("string at top level", () => Utf8("\"deposits\""), DepositProblem.NotAnArray, "found a string", null),
        new("null at top level", () => Utf8("null"), DepositProblem.NotAnArray, "found null", null),
        new("empty array", () => Utf8("[]"), DepositProblem.NoValidators, "no validators", null),
        new("10,001 entries", () => Utf8("[" + string.Join(",", Enumerable.Repeat("{}", 10_001)) + "]"), DepositProblem.TooManyValidators, "lists 10001 validators", null),
        new("UTF-16 with byte order mark", () => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("[]")], DepositProblem.NotUtf8, "UTF-16", null),
        new("invalid UTF-8 inside a string", () => [.. Utf8("[{\"network_name\":\"ho"), 0xC3, 0x28, .. Utf8("di\"}]")], DepositProblem.NotUtf8, "not valid UTF-8", null),
        new("50 MB file", () => Enumerable.Repeat((byte)' ', 50 * 1024 * 1024).Prepend((byte)'[').ToArray(), DepositProblem.TooLarge, "larger than 10485760 bytes", null),
        new("100,000 nested arrays", () => Utf8(Nested(100_000)), DepositProblem.TooDeep, "nested deeper than 8", null),
        new("lone surrogate escape in a value", () => Utf8("[{\"pubkey\":\"\\ud800\"}]"), DepositProblem.NotJson, "lone surrogate", null),
        new("lone surrogate escape in a field name", () => Utf8("[{\"\\udc00\":\"00\"}]"), DepositProblem.NotJson, "lone surrogate", null),
        new("deep object inside an entry", One(e => e["extra"] = JsonNode.Parse(Nested(10))), DepositProblem.TooDeep, "nested deeper", null),

        // Shape of one entry.
        new("entry is a number", () => Utf8("[1]"), DepositProblem.NotAnObject, "found a number", 0),
        new("entry is an array", () => Utf8("[[" + E().ToJsonString() + "]]"), DepositProblem.NotAnObject, "found an array", 0),
        new("second entry is null", () => Utf8("[" + Wrong(E(), "fork_version", "00000000") + ",null]"), DepositProblem.NotAnObject, "found null", 1),
        new("pubkey field twice", () => Utf8("[" + E().ToJsonString().Replace("{\"pubkey\"", "{\"pubkey\":\"00\",\"pubkey\"") + "]"), DepositProblem.DuplicateField, "'pubkey' appears twice", 0),
        new("missing pubkey", One(e => e.Remove("pubkey")), DepositProblem.MissingField, "'pubkey' is missing", 0),
        new("missing withdrawal_credentials", One(e => e.Remove("withdrawal_credentials")), DepositProblem.MissingField, "'withdrawal_credentials' is missing", 0),
        new("missing amount", One(e => e.Remove("amount")), DepositProblem.MissingField, "'amount' is missing", 0),
        new("missing signature", One(e => e.Remove("signature")), DepositProblem.MissingField, "'signature' is missing", 0),
        new("missing deposit_message_root", One(e => e.Remove("deposit_message_root")), DepositProblem.MissingField, "'deposit_message_root' is missing", 0),
        new("missing deposit_data_root", One(e => e.Remove("deposit_data_root")), DepositProblem.MissingField, "'deposit_data_root' is missing", 0),
        new("missing fork_version", One(e => e.Remove("fork_version")), DepositProblem.MissingField, "'fork_version' is missing", 0),
        new("pubkey is a number", One(e => e["pubkey"] = 12345), DepositProblem.WrongType, "pubkey must be a hex string, found a number", 0),
        new("signature is an object", One(e => e["signature"] = new JsonObject()), DepositProblem.WrongType, "signature must be a hex string, found an object", 0),
        new("amount is a string", One(e => e["amount"] = "32000000000"), DepositProblem.WrongType, "amount must be a JSON number", 0),
        new("network_name is a boolean", One(e => e["network_name"] = true), DepositProblem.WrongType, "network_name must be a string", 0),

        // Hex fields.
        new("pubkey with a non-hex character", One(e => e["pubkey"] = "zz" + Pubkey[2..]), DepositProblem.NotHex, "pubkey is not hex", 0),
        new("signature with a space", One(e => e["signature"] = " " + ((string)e["signature"]!)[1..]), DepositProblem.NotHex, "signature is not hex", 0),
        new("pubkey with an odd number of digits", One(e => e["pubkey"] = Pubkey[1..]), DepositProblem.WrongLength, "got 95 hex digits", 0),
        new("pubkey one byte short", One(e => e["pubkey"] = Pubkey[2..]), DepositProblem.WrongLength, "pubkey must be 48 bytes", 0),
        new("empty pubkey", One(e => e["pubkey"] = ""), DepositProblem.WrongLength, "got 0 hex digits", 0),
        new("withdrawal_credentials one byte long", One(e => e["withdrawal_credentials"] = (string)e["withdrawal_credentials"]! + "00"), DepositProblem.WrongLength, "withdrawal_credentials must be 32 bytes", 0),
        new("deposit_data_root 31 bytes", One(e => e["deposit_data_root"] = ((string)e["deposit_data_root"]!)[2..]), DepositProblem.WrongLength, "deposit_data_root must be 32 bytes", 0),
        new("fork_version 5 bytes", One(e => e["fork_version"] = "1000091000"), DepositProblem.WrongLength, "fork_version must be 4 bytes", 0),

        // Amounts.
        new("negative amount", One(e => e["amount"] = -32000000000), DepositProblem.InvalidAmount, "not a whole, non-negative number", 0),
        new("fractional amount", One(e => e["amount"] = JsonNode.Parse("32000000000.5")), DepositProblem.InvalidAmount, "not a whole", 0),
        new("amount beyond uint64", One(e => e["amount"] = JsonNode.Parse("1e30")), DepositProblem.InvalidAmount, "not a whole", 0),
        new("31 ETH with 0x01 credentials", One(e => e["amount"] = 31_000_000_000), DepositProblem.InvalidAmount, "0x01 credentials need exactly 32000000000 gwei", 0),
        new("64 ETH with 0x01 credentials", One(e => e["amount"] = 64_000_000_000), DepositProblem.InvalidAmount, "0x01 credentials need exactly", 0),
        new("0.5 ETH with 0x02 credentials", One(e => e["amount"] = 500_000_000, E02), DepositProblem.InvalidAmount, "0x02 credentials need 32000000000 to 2048000000000 gwei", 0),
        new("1 ETH with 0x02 credentials", One(e => e["amount"] = 1_000_000_000, E02), DepositProblem.InvalidAmount, "0x02 credentials need 32000000000", 0),
        new("one gwei short of 32 ETH with 0x02 credentials", One(e => e["amount"] = 31_999_999_999, E02), DepositProblem.InvalidAmount, "(32 to 2048 ETH)", 0),
        new("2049 ETH with 0x02 credentials", One(e => e["amount"] = 2_049_000_000_000, E02), DepositProblem.InvalidAmount, "0x02 credentials need", 0),

        // Network.
        new("mainnet fork version in a hoodi batch", One(e => e["fork_version"] = "00000000"), DepositProblem.WrongForkVersion, "fork_version 0x00000000 is not hoodi's", 0),
        new("network_name says mainnet", One(e => e["network_name"] = "mainnet"), DepositProblem.WrongNetworkName, "network_name 'mainnet' is not hoodi", 0),
        new("legacy eth2_network_name says gnosis", One(e => { e.Remove("network_name"); e["eth2_network_name"] = "gnosis"; }), DepositProblem.WrongNetworkName, "'gnosis' is not hoodi", 0),

        // Withdrawal credentials.
        new("0x00 BLS credentials", () => Bytes(HoodiBls), DepositProblem.BlsWithdrawalCredentials, "0x00 (BLS) withdrawal credentials", 0),
        new("0x03 credentials to the vault", One(e => e["withdrawal_credentials"] = "03" + new string('0', 22) + Vault), DepositProblem.UnsupportedWithdrawalCredentials, "type 0x03", 0),
        new("0x01 credentials to another address", One(e => e["withdrawal_credentials"] = "01" + new string('0', 22) + "00000000219ab540356cbb839cbe05303d7705fa"), DepositProblem.CredentialsNotForVault, "do not point at vault 0x0f51bb10119727a7e5ea3538074fb341f56b09ad", 0),
        new("0x01 credentials with a non-zero padding byte", One(e => e["withdrawal_credentials"] = "01" + new string('0', 20) + "01" + Vault), DepositProblem.CredentialsNotForVault, "do not point at vault", 0),

        // Roots.
        new("deposit_message_root of another entry", One(e => e["deposit_message_root"] = (string)Entry(Hoodi01, 1)["deposit_message_root"]!), DepositProblem.DepositMessageRootMismatch, "deposit_message_root does not match", 0),
        new("deposit_data_root of another entry", One(e => e["deposit_data_root"] = (string)Entry(Hoodi01, 1)["deposit_data_root"]!), DepositProblem.DepositDataRootMismatch, "deposit_data_root does not match", 0),
        new("signature swapped, roots left as they were", One(e => e["signature"] = (string)Entry(Hoodi01, 1)["signature"]!), DepositProblem.DepositDataRootMismatch, "computed 0x", 0),
        new("0x02 credentials with a 0x01 signature and roots", One(e => e["withdrawal_credentials"] = (string)E02()["withdrawal_credentials"]!), DepositProblem.DepositMessageRootMismatch, "deposit_message_root does not match", 0),
    ];

    private static string Wrong(JsonObject entry, string field, string value)
    {
        entry[field] = value;
        return entry.ToJsonString();
    }

    public static TheoryData<Variant> Corpus => new(Variants);

    [Fact]
    public void Corpus_has_at_least_forty_variants()
    {
        Assert.True(Variants.Count() >= 40, $"only {Variants.Count()} variants");
        Assert.Equal(Variants.Count(), Variants.Select(v => v.Name).Distinct().Count());
    }

    [Theory, MemberData(nameof(Corpus))]
    public void Refuses_variant_with_its_own_reason(Variant variant)
    {
        var report = DepositDataFile.Validate(variant.Build(), Networks.Hoodi, LighthouseVault);

        Assert.False(report.IsValid);
        Assert.Empty(report.Accepted);
        var issue = Assert.Single(report.Issues, i => i.Position == variant.Position);
        Assert.Equal(variant.Problem, issue.Problem);
        Assert.Contains(variant.ReasonPart, issue.Reason);
        if (variant.Position is { } position) Assert.StartsWith($"entry {position}", issue.ToString());
    }

    [Fact]
    public async Task Stops_reading_a_50_MB_stream_after_the_size_cap()
    {
        using var stream = new CountingStream(50L * 1024 * 1024);
        var options = new DepositDataOptions { MaxBytes = 1024 * 1024 };

        var report = await DepositDataFile.ValidateAsync(stream, Networks.Hoodi, LighthouseVault, options);

        Assert.Equal(DepositProblem.TooLarge, Assert.Single(report.Issues).Problem);
        Assert.Equal(1024 * 1024 + 1, stream.Served);
    }

    [Fact]
    public void Honours_a_configured_size_cap()
    {
        var report = DepositDataFile.Validate(Bytes(Hoodi01), Networks.Hoodi, LighthouseVault, new DepositDataOptions { MaxBytes = 100 });
        Assert.Equal("the file is larger than 100 bytes", Assert.Single(report.Issues).Reason);
    }

    [Fact]
    public void Rejects_nonsensical_limits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DepositDataFile.Validate(Bytes(Hoodi01), Networks.Hoodi, LighthouseVault, new DepositDataOptions { MaxDepth = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DepositDataFile.Validate(Bytes(Hoodi01), Networks.Hoodi, LighthouseVault, new DepositDataOptions { MaxBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DepositDataFile.Validate(Bytes(Hoodi01), Networks.Hoodi, LighthouseVault, new DepositDataOptions { MaxValidators = 0 }));
    }

    [Fact]
    public void Reports_each_bad_entry_at_its_position_with_its_key()
    {
        var first = E();
        first["amount"] = 1;
        var second = Entry(Hoodi01, 1);
        second["fork_version"] = "00000064";
        var report = DepositDataFile.Validate(FileOf(first, second), Networks.Hoodi, LighthouseVault);

        Assert.Collection(report.Issues,
            i => Assert.Equal((DepositProblem.InvalidAmount, 0, (string)first["pubkey"]!), (i.Problem, i.Position!.Value, i.PublicKey!.Value.ToString()[2..])),
            i => Assert.Equal((DepositProblem.WrongForkVersion, 1, (string)second["pubkey"]!), (i.Problem, i.Position!.Value, i.PublicKey!.Value.ToString()[2..])));
    }

    /// <summary>A stream of spaces that counts what it served.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        public long Served { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => Served; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - Served);
            buffer.AsSpan(offset, n).Fill((byte)' ');
            Served += n;
            return n;
        }
    }
}
