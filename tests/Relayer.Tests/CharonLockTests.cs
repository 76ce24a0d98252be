using System.Text.Json.Nodes;
using Dapper;
using DvtBus.Primitives;
using DvtBus.Relayer.Tests.Support;
using DvtBus.TestSupport;
using Npgsql;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>A hoodi relayer configured with charon's own test cluster lock (fork_version 0x10000910) from the vectors.</summary>
public sealed class CharonLockEnvironment : RelayerEnvironment
{
    public static string LockFile => RepoPaths.Vector("threshold", "charon", "test_cluster_lock.json");

    protected override Dictionary<string, string?> ExtraSettings() => new()
    {
        ["Network:Name"] = "hoodi",
        ["Clusters:ObolLockFiles:0"] = LockFile,
    };
}

public sealed class CharonLockTests(CharonLockEnvironment env) : IClassFixture<CharonLockEnvironment>
{
    [Fact]
    [Trait("Category", "Vectors")]
    public async Task The_validators_of_a_real_charon_lock_are_known_with_threshold_and_public_shares_at_node_index_plus_one()
    {
        var root = JsonNode.Parse(File.ReadAllText(CharonLockEnvironment.LockFile))!;
        var validators = root["distributed_validators"]!.AsArray();
        Assert.Equal(5, validators.Count);
        foreach (var dv in validators)
        {
            var key = Hex.Decode(dv!["distributed_public_key"]!.GetValue<string>());
            var shares = dv["public_shares"]!.AsArray().Select(s => Hex.Decode(s!.GetValue<string>())).ToArray();
            Row? row = null;
            await RelayerEnvironment.WaitUntilAsync(async () =>
            {
                await using var connection = new NpgsqlConnection(env.Postgres);
                row = await connection.QuerySingleOrDefaultAsync<Row>(
                    "SELECT threshold, share_indexes AS ShareIndexes, public_shares AS PublicShares, conflict FROM relayer.validators WHERE network = 'hoodi' AND public_key = @key",
                    new { key });
                return row is not null;
            }, $"validator {Hex.Encode(key)} of the charon lock");
            Assert.Equal(3, row!.Threshold);
            Assert.Equal(new long[] { 1, 2, 3, 4 }, row.ShareIndexes);
            Assert.Equal(shares, row.PublicShares);
            Assert.Null(row.Conflict);
        }
        Assert.DoesNotContain(env.Logs.Lines, l => l.Contains("file:test_cluster_lock.json"));
    }

    private sealed class Row
    {
        public int Threshold { get; init; }
        public long[] ShareIndexes { get; init; } = [];
        public byte[][] PublicShares { get; init; } = [];
        public string? Conflict { get; init; }
    }
}
