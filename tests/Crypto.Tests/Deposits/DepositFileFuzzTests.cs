using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using Xunit;
using static DvtBus.Crypto.Tests.Deposits.DepositFiles;

namespace DvtBus.Crypto.Tests.Deposits;

public class DepositFileFuzzTests
{
    /// <summary>
    /// Seeded random corruptions of a real file (flipped, dropped, inserted and swapped bytes): the
    /// validator must answer each with a report, never an exception, and never accept a changed entry
    /// whose signed fields differ from the original.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Random_corruptions_always_give_a_report(int seed)
    {
        var random = new Random(seed);
        var original = Bytes(Hoodi01);
        var originalReport = DepositDataFile.Validate(original, Networks.Hoodi, LighthouseVault);
        Assert.True(originalReport.IsValid);

        for (var round = 0; round < 100; round++)
        {
            var mutated = Mutate(original, random);
            var report = DepositDataFile.Validate(mutated, Networks.Hoodi, LighthouseVault);

            Assert.True(report.Accepted.Count + report.Issues.Count > 0);
            Assert.All(report.Issues, issue => Assert.False(string.IsNullOrWhiteSpace(issue.Reason)));
            Assert.All(report.Accepted, v => Assert.Contains(v, originalReport.Accepted));
        }
    }

    private const string JsonishCharacters = "{}[]\",:0x\\ 9af-.e";

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes.RemoveAt(at); break;
                case 2: bytes.Insert(at, (byte)JsonishCharacters[random.Next(JsonishCharacters.Length)]); break;
                default: (bytes[at], bytes[^1]) = (bytes[^1], bytes[at]); break;
            }
        }
        return [.. bytes];
    }
}
