using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using DvtBus.Primitives;
using DvtBus.Relayer.Tests.Support;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>The public StakeWise operator and sidecars' way: only HTTP, shapes and field names of PROTOCOL.md.</summary>
public sealed class HttpApiTests(RelayerEnvironment env) : IClassFixture<RelayerEnvironment>
{
    [Fact]
    public async Task An_operator_and_sidecars_over_http_alone_reach_ready_with_shards_the_oracles_can_open()
    {
        var clusters = new[] { new TestCluster(), new TestCluster() };
        const ulong start = 8000;
        using var http = env.Http();

        var info = JsonNode.Parse(await http.GetStringAsync("/info"))!;
        Assert.Equal("mainnet", info["network"]!.GetValue<string>());

        var created = await PostAsync(http, "/validators", new { public_keys = clusters.Select(c => c.PublicKey.ToString()), validator_index = start });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var body = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.False(body["ready"]!.GetValue<bool>());
        Assert.All(body["validators"]!.AsArray(), v => Assert.Null(v!["oracles_exit_signature_shares"]));

        await RelayerEnvironment.AnnounceOverHttpAsync(http, clusters);

        var exits = JsonNode.Parse(await http.GetStringAsync("/exits"))!["exits"]!.AsArray();
        foreach (var (cluster, i) in clusters.Select((c, i) => (c, (ulong)i)))
        {
            var exit = exits.Single(e => e!["public_key"]!.GetValue<string>() == cluster.PublicKey.ToString())!;
            Assert.Equal(start + i, exit["validator_index"]!.GetValue<ulong>());
            Assert.False(exit["is_exit_signature_ready"]!.GetValue<bool>());
            Assert.Empty(exit["share_indexes_ready"]!.AsArray());
            Assert.True(exit["created_at_timestamp"]!.GetValue<long>() > 1_700_000_000);
            Assert.EndsWith("+0000", exit["created_at_string"]!.GetValue<string>());
        }

        // Sidecar 4 sends a bad share for the first validator: it is refused with its reason, its good one is kept.
        for (ulong node = 1; node <= 4; node++)
        {
            var response = await PostAsync(http, "/exit-signature", new
            {
                share_index = node,
                shares = clusters.Select((c, i) => new
                {
                    public_key = c.PublicKey.ToString(),
                    exit_signature = (node == 4 && i == 0 ? c.Sign(1, start) : c.Sign(node, start + (ulong)i)).ToString(),
                }),
            });
            Assert.Equal(node == 4 ? HttpStatusCode.UnprocessableContent : HttpStatusCode.OK, response.StatusCode);
            if (node == 4) Assert.Contains("DoesNotVerify", await response.Content.ReadAsStringAsync());
        }
        // Sidecar 1 sends its shares again (as after a 503 that said sending again is safe): taken, not refused.
        var again = await PostAsync(http, "/exit-signature", new
        {
            share_index = 1,
            shares = clusters.Select((c, i) => new { public_key = c.PublicKey.ToString(), exit_signature = c.Sign(1, start + (ulong)i).ToString() }),
        });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        var ready = await env.WaitReadyOverHttpAsync(http, clusters, start);

        exits = JsonNode.Parse(await http.GetStringAsync("/exits"))!["exits"]!.AsArray();
        var first = exits.Single(e => e!["public_key"]!.GetValue<string>() == clusters[0].PublicKey.ToString())!;
        Assert.True(first["is_exit_signature_ready"]!.GetValue<bool>());
        Assert.Equal([1L, 2L, 3L], first["share_indexes_ready"]!.AsArray().Select(x => x!.GetValue<long>()));
        var text = (await http.GetStringAsync("/exits")) + ready!.ToJsonString();
        Assert.DoesNotContain(Hex.Encode(clusters[0].FullSignature(start).Span, prefix: false), text);
    }

    /// <summary>
    /// The exit at index 90 is ready, requested over the bus by an operator whose clock runs ahead; a POST for index
    /// 100 then comes with an earlier stamp, so index 100 is superseded at once and 90 stays the key's current exit.
    /// The answer for index 100 must not hand out index 90's shards (it names no index).
    /// </summary>
    [Fact]
    public async Task Validators_asked_at_an_index_answer_with_that_exits_shards_only()
    {
        using var http = env.Http();
        var cluster = new TestCluster();
        await env.AnnounceAsync(cluster);
        await env.Bus.Publish(TestCluster.Request((cluster, 90)) with { RequestedAt = DateTimeOffset.UtcNow.AddHours(1) });
        for (ulong node = 1; node <= 3; node++) await env.Bus.Publish(cluster.Share(node, 90));
        await env.WaitReadyAsync(cluster, 90);

        var asked = await PostAsync(http, "/validators", new { public_keys = new[] { cluster.PublicKey.ToString() }, validator_index = 100 });

        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var body = JsonNode.Parse(await asked.Content.ReadAsStringAsync())!;
        Assert.False(body["ready"]!.GetValue<bool>());
        Assert.Null(body["validators"]![0]!["oracles_exit_signature_shares"]);
        // Asked without an index, the key's current exit (index 90, ready) is what answers.
        var current = JsonNode.Parse(await (await PostAsync(http, "/validators", new { public_keys = new[] { cluster.PublicKey.ToString() } })).Content.ReadAsStringAsync())!;
        Assert.True(current["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Writes_without_the_bearer_token_are_refused_and_reads_are_open()
    {
        using var anonymous = env.Http(authorised: false);
        var key = new TestCluster().PublicKey.ToString();
        var validators = await PostAsync(anonymous, "/validators", new { public_keys = new[] { key }, validator_index = 9000 });
        Assert.Equal(HttpStatusCode.Unauthorized, validators.StatusCode);
        var share = await PostAsync(anonymous, "/exit-signature", new { share_index = 1, shares = new[] { new { public_key = key, exit_signature = "0x" + new string('a', 192) } } });
        Assert.Equal(HttpStatusCode.Unauthorized, share.StatusCode);
        using var wrong = env.Http(authorised: false);
        wrong.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-token-at-all");
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(wrong, "/validators", new { public_keys = new[] { key } })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/exits")).StatusCode);
        Assert.Equal(0, await env.QueryScalarAsync<long>("SELECT count(*) FROM relayer.exits WHERE validator_index = 9000"));
    }

    [Theory]
    [InlineData("/validators", "this is not json")]
    [InlineData("/validators", "[]")]
    [InlineData("/validators", "null")]
    [InlineData("/validators", "{}")]
    [InlineData("/validators", "{\"public_keys\": []}")]
    [InlineData("/validators", "{\"public_keys\": [\"0x1234\"]}")]
    [InlineData("/validators", "{\"public_keys\": [\"0x" + Zero48 + "\"], \"validator_index\": -1}")]
    [InlineData("/validators", "{\"public_keys\": \"0xabc\"}")]
    [InlineData("/exit-signature", "{\"share_index\": 0, \"shares\": []}")]
    [InlineData("/exit-signature", "{\"share_index\": 1, \"shares\": []}")]
    [InlineData("/exit-signature", "{\"share_index\": \"one\", \"shares\": []}")]
    [InlineData("/exit-signature", "{\"share_index\": 1, \"shares\": [{\"public_key\": \"0x12\", \"exit_signature\": \"0x34\"}]}")]
    [InlineData("/exit-signature", "{\"share_index\": 1, \"shares\": [null]}")]
    [InlineData("/key-shares", "{\"sidecar_id\": \"x\", \"validators\": [{\"public_key\": \"0x12\"}]}")]
    public async Task Bad_bodies_get_422_with_a_reason(string path, string json)
    {
        using var http = env.Http();
        var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableContent, response.StatusCode);
        var detail = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(detail));
    }

    [Fact]
    public async Task More_keys_in_one_call_than_any_batch_holds_get_422_naming_the_limit()
    {
        using var http = env.Http();
        var response = await http.PostAsJsonAsync("/validators", new { public_keys = Enumerable.Repeat("0x" + Zero48, 1001) });

        Assert.Equal(HttpStatusCode.UnprocessableContent, response.StatusCode);
        Assert.Contains("at most 1000 keys per call", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_share_for_a_key_without_an_exit_is_refused_as_unknown()
    {
        using var http = env.Http();
        var cluster = new TestCluster();
        var response = await PostAsync(http, "/exit-signature", new
        {
            share_index = 1,
            shares = new[] { new { public_key = cluster.PublicKey.ToString(), exit_signature = cluster.Sign(1, 1).ToString() } },
        });
        Assert.Equal(HttpStatusCode.UnprocessableContent, response.StatusCode);
        Assert.Contains("UnknownValidator", await response.Content.ReadAsStringAsync());
    }

    private const string Zero48 = "c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, object body) => http.PostAsJsonAsync(path, body);
}
