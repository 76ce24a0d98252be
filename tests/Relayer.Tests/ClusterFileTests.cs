using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using DvtBus.Contracts;
using DvtBus.Primitives;
using DvtBus.Relayer.Tests.Support;
using DvtBus.TestSupport;
using Npgsql;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>
/// Generated clusters in cluster locks, and real SSV keyshares files from the vectors, configured on the relayer:
/// no sidecar announces anything, as with the stock StakeWise sidecar.
/// </summary>
public sealed class ClusterFileEnvironment : RelayerEnvironment, IDisposable
{
    public ClusterFileEnvironment()
    {
        Directory.CreateDirectory(Folder);
        ClusterLockFile.Write(GoodLock, Good);
        // The second node's public share is another split's: a valid point on the wrong polynomial.
        var wrong = Bad.Resplit().Shares[1].Key.PublicKey;
        ClusterLockFile.Write(BadLock, Bad.Threshold, "0x00000000",
        [
            (Fine.PublicKey, Fine.Shares.Select(s => s.Key.PublicKey).ToList()),
            (Bad.PublicKey, Bad.Shares.Select((s, i) => i == 1 ? wrong : s.Key.PublicKey).ToList()),
        ]);
        ObolLockFiles.AddRange([GoodLock, BadLock]);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "relayer-clusters-" + Guid.NewGuid().ToString("N"));
    public string GoodLock => Path.Combine(Folder, "good-lock.json");
    public string BadLock => Path.Combine(Folder, "bad-lock.json");

    /// <summary>Two validators of one cluster lock.</summary>
    public IReadOnlyList<TestCluster> Good { get; } = [new TestCluster(), new TestCluster()];

    /// <summary>In the bad lock with a public share that does not interpolate.</summary>
    public TestCluster Bad { get; } = new();

    /// <summary>In the bad lock too, with the right public shares.</summary>
    public TestCluster Fine { get; } = new();

    public static string SsvBulk => RepoPaths.Vector("ssv", "ssv-dkg", "ceremonies", "4_operators_10_validators_bulk", "keyshares.json");
    public static string SsvSeven => RepoPaths.Vector("ssv", "ssv-dkg", "ceremonies", "7_operators_1_validator", "keyshares.json");

    /// <summary>The locks the next relayer started reads.</summary>
    public List<string> ObolLockFiles { get; } = [];

    protected override Dictionary<string, string?> ExtraSettings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:SsvKeySharesFiles:0"] = SsvBulk,
            ["Clusters:SsvKeySharesFiles:1"] = SsvSeven,
        };
        for (var i = 0; i < ObolLockFiles.Count; i++) settings[$"Clusters:ObolLockFiles:{i}"] = ObolLockFiles[i];
        return settings;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

public sealed class ClusterFileTests(ClusterFileEnvironment env) : IClassFixture<ClusterFileEnvironment>
{
    [Fact]
    public async Task A_cluster_lock_alone_lets_stock_sidecar_shares_over_http_reach_ready()
    {
        const ulong start = 31000;
        var clusters = env.Good;
        foreach (var cluster in clusters)
        {
            var row = await WaitForValidatorAsync(cluster.PublicKey);
            Assert.Equal(3, row.Threshold);
            Assert.Equal(new long[] { 1, 2, 3, 4 }, row.ShareIndexes);
            Assert.Equal(cluster.Shares.Select(s => s.Key.PublicKey.ToArray()), row.PublicShares);
            Assert.Null(row.Conflict);
        }
        using var http = env.Http();
        var created = await http.PostAsJsonAsync("/validators", new { public_keys = clusters.Select(c => c.PublicKey.ToString()), validator_index = start });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);

        // The stock StakeWise sidecar: share_index and its shares, nothing else, and never a key-share announcement.
        for (ulong node = 1; node <= 3; node++)
        {
            var response = await http.PostAsJsonAsync("/exit-signature", new
            {
                share_index = node,
                shares = clusters.Select((c, i) => new { public_key = c.PublicKey.ToString(), exit_signature = c.Sign(node, start + (ulong)i).ToString() }),
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await env.WaitReadyOverHttpAsync(http, clusters, start);
        foreach (var cluster in clusters)
        {
            Assert.Equal(3L, await env.QueryScalarAsync<long>(
                "SELECT count(*) FROM relayer.shares s JOIN relayer.exits e ON e.id = s.exit_id WHERE e.public_key = @key AND s.sidecar_id = 'http'",
                new { key = cluster.PublicKey.ToArray() }));
        }
    }

    [Fact]
    public async Task A_lock_whose_public_shares_do_not_interpolate_is_refused_with_a_log_and_its_shares_wait_until_a_good_file_comes()
    {
        const ulong index = 32000;
        var bad = env.Bad;
        var refusal = await env.Logs.WaitForAsync(
            l => l.Contains("file:bad-lock.json") && l.Contains(Hex.Encode(bad.PublicKey.Span[..6])), "the refusal of the bad validator");
        Assert.StartsWith("Warning", refusal);
        Assert.Contains("do not interpolate to the validator key", refusal);
        var summary = await env.Logs.WaitForAsync(l => l.Contains("Clusters:ObolLockFiles:1") && l.Contains(env.BadLock), "the file's summary");
        Assert.StartsWith("Error", summary);
        Assert.Contains("1 of 2 validators refused", summary);
        // Only the bad validator is refused: the other one of the same file is known.
        Assert.Null((await WaitForValidatorAsync(env.Fine.PublicKey)).Conflict);
        Assert.Null(await ValidatorAsync(bad.PublicKey));

        using var http = env.Http();
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/validators", new { public_keys = new[] { bad.PublicKey.ToString() }, validator_index = index })).StatusCode);
        for (ulong node = 1; node <= 4; node++)
        {
            var response = await http.PostAsJsonAsync("/exit-signature", new
            {
                share_index = node,
                shares = new[] { new { public_key = bad.PublicKey.ToString(), exit_signature = bad.Sign(node, index).ToString() } },
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(4L, await env.QueryScalarAsync<long>(
            "SELECT count(*) FROM relayer.pending_shares WHERE public_key = @key AND validator_index = @index", new { key = bad.PublicKey.ToArray(), index = (long)index }));
        Assert.Equal(0L, await env.QueryScalarAsync<long>(
            "SELECT count(*) FROM relayer.shares s JOIN relayer.exits e ON e.id = s.exit_id WHERE e.public_key = @key", new { key = bad.PublicKey.ToArray() }));
        var exit = JsonNode.Parse(await http.GetStringAsync("/exits"))!["exits"]!.AsArray().Single(e => e!["public_key"]!.GetValue<string>() == bad.PublicKey.ToString())!;
        Assert.False(exit["is_exit_signature_ready"]!.GetValue<bool>());
        Assert.Empty(exit["share_indexes_ready"]!.AsArray());

        // A person fixes it: a relayer started with a correct lock for the validator releases the waiting shares.
        var fixedLock = Path.Combine(env.Folder, "fixed-lock.json");
        ClusterLockFile.Write(fixedLock, [bad]);
        env.ObolLockFiles.Add(fixedLock);
        var second = await env.StartRelayerAsync();
        try
        {
            var ready = await env.WaitReadyAsync(bad, index);
            Assert.Equal(ExitId.For("mainnet", bad.PublicKey, index), ready.ExitId);
            Assert.Equal(0L, await env.QueryScalarAsync<long>(
                "SELECT count(*) FROM relayer.pending_shares WHERE public_key = @key", new { key = bad.PublicKey.ToArray() }));
            Assert.Equal(3, (await WaitForValidatorAsync(bad.PublicKey)).Threshold);
        }
        finally
        {
            env.ObolLockFiles.Remove(fixedLock);
            await env.StopRelayerAsync(second);
        }
    }

    [Fact]
    public async Task A_lock_that_disagrees_with_a_sidecars_announcement_makes_the_validator_unusable_and_is_logged()
    {
        var cluster = new TestCluster();
        await env.AnnounceAsync(cluster);
        Assert.Null((await WaitForValidatorAsync(cluster.PublicKey)).Conflict);

        var conflictLock = Path.Combine(env.Folder, "conflict-lock.json");
        ClusterLockFile.Write(conflictLock, [cluster.Resplit()]);
        env.ObolLockFiles.Add(conflictLock);
        var second = await env.StartRelayerAsync();
        try
        {
            var logged = await env.Logs.WaitForAsync(
                l => l.Contains("file:conflict-lock.json") && l.Contains(Hex.Encode(cluster.PublicKey.Span[..6])), "the conflict's log");
            Assert.StartsWith("Error", logged);
            Assert.Contains("disagree with an earlier announcement", logged);
            var row = await ValidatorAsync(cluster.PublicKey);
            Assert.Equal("sidecar file:conflict-lock.json announced different public shares or threshold", row!.Conflict);
            // The sidecar's public shares stay as they were; the validator is used for nothing until a person looks.
            Assert.Equal(cluster.Shares.Select(s => s.Key.PublicKey.ToArray()), row.PublicShares);
        }
        finally
        {
            env.ObolLockFiles.Remove(conflictLock);
            await env.StopRelayerAsync(second);
        }
    }

    [Fact]
    public async Task The_validators_of_ssv_keyshares_files_are_known_with_their_operator_ids_threshold_and_public_shares()
    {
        var expected = ReadKeyShares(ClusterFileEnvironment.SsvBulk).Concat(ReadKeyShares(ClusterFileEnvironment.SsvSeven)).ToList();
        Assert.Equal(11, expected.Count);
        foreach (var (validator, operatorIds, publicShares) in expected)
        {
            var row = await WaitForValidatorAsync(validator);
            // n = 3f + 1 operators, 2f + 1 of them sign: 3 of 4, 5 of 7.
            Assert.Equal(operatorIds.Count == 4 ? 3 : 5, row.Threshold);
            Assert.Equal(operatorIds.Select(id => (long)id), row.ShareIndexes);
            Assert.Equal(publicShares, row.PublicShares);
            Assert.Null(row.Conflict);
        }
        Assert.Equal(new long[] { 11, 22, 33, 44 }, (await ValidatorAsync(expected[0].Validator))!.ShareIndexes);
    }

    /// <summary>The validator key, operator ids and public shares of each item, read here from the JSON and the sharesData bytes.</summary>
    private static IEnumerable<(BlsPublicKey Validator, IReadOnlyList<ulong> OperatorIds, byte[][] PublicShares)> ReadKeyShares(string file)
    {
        foreach (var item in JsonNode.Parse(File.ReadAllText(file))!["shares"]!.AsArray())
        {
            var payload = item!["payload"]!;
            var ids = payload["operatorIds"]!.AsArray().Select(i => i!.GetValue<ulong>()).ToList();
            var blob = Hex.Decode(payload["sharesData"]!.GetValue<string>());
            // signature (96) || n public shares (48 each) || n encrypted shares
            var shares = ids.Select((_, k) => blob.AsSpan(96 + 48 * k, 48).ToArray()).ToArray();
            yield return (BlsPublicKey.Parse(payload["publicKey"]!.GetValue<string>()), ids, shares);
        }
    }

    private async Task<ValidatorRow> WaitForValidatorAsync(BlsPublicKey key)
    {
        ValidatorRow? row = null;
        await RelayerEnvironment.WaitUntilAsync(async () => (row = await ValidatorAsync(key)) is not null, $"validator {key} in relayer.validators");
        return row!;
    }

    private async Task<ValidatorRow?> ValidatorAsync(BlsPublicKey key)
    {
        await using var connection = new NpgsqlConnection(env.Postgres);
        return await connection.QuerySingleOrDefaultAsync<ValidatorRow>(
            "SELECT threshold, share_indexes AS ShareIndexes, public_shares AS PublicShares, conflict FROM relayer.validators WHERE network = 'mainnet' AND public_key = @key",
            new { key = key.ToArray() });
    }

    private sealed class ValidatorRow
    {
        public int Threshold { get; init; }
        public long[] ShareIndexes { get; init; } = [];
        public byte[][] PublicShares { get; init; } = [];
        public string? Conflict { get; init; }
    }
}
