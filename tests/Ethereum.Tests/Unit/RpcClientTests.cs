using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DvtBus.Ethereum.Abi;
using DvtBus.Ethereum.Rpc;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Ethereum.Tests.Unit;

/// <summary>The client's error handling against a scripted node: what is retried, what is not, and chunked log scans.</summary>
public class RpcClientTests
{
    private sealed class ScriptedNode(Func<JsonElement, int, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        public int Calls;
        public readonly List<JsonElement> Requests = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
            lock (Requests) Requests.Add(body);
            return await answer(body, Interlocked.Increment(ref Calls)).WaitAsync(cancellationToken);
        }
    }

    private static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static string Result(JsonElement request, string resultJson) =>
        $$"""{"jsonrpc":"2.0","id":{{request.GetProperty("id").GetRawText()}},"result":{{resultJson}}}""";

    private static string Error(JsonElement request, int code, string message, string? dataJson = null) =>
        "{\"jsonrpc\":\"2.0\",\"id\":" + request.GetProperty("id").GetRawText()
        + ",\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\"" + (dataJson is null ? "" : ",\"data\":" + dataJson) + "}}";

    private static readonly EthRpcOptions Fast = new() { RetryDelay = TimeSpan.FromMilliseconds(1), MaxRetries = 3, AttemptTimeout = TimeSpan.FromSeconds(5) };

    private static (EthRpcClient Client, ScriptedNode Node) Client(Func<JsonElement, int, HttpResponseMessage> answer, EthRpcOptions? options = null)
    {
        var node = new ScriptedNode((request, call) => Task.FromResult(answer(request, call)));
        return (new EthRpcClient(new HttpClient(node), new Uri("http://node.invalid"), options ?? Fast), node);
    }

    [Fact]
    public async Task Retries_http_5xx_and_429_then_returns_the_answer()
    {
        var (client, node) = Client((request, call) => call switch
        {
            1 => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
            2 => new HttpResponseMessage(HttpStatusCode.TooManyRequests),
            _ => Json(Result(request, "\"0x7a69\"")),
        });
        Assert.Equal(31337UL, await client.ChainIdAsync());
        Assert.Equal(3, node.Calls);
    }

    [Fact]
    public async Task Gives_up_after_the_configured_retries_with_a_transient_transport_error()
    {
        var (client, node) = Client((_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway));
        var ex = await Assert.ThrowsAsync<RpcTransportException>(() => client.BlockNumberAsync());
        Assert.True(ex.IsTransient);
        Assert.Equal(502, ex.HttpStatus);
        Assert.Equal(4, node.Calls);
    }

    [Fact]
    public async Task Never_retries_a_revert_and_decodes_its_reason()
    {
        var revert = Hex.Encode(AbiFunction.Parse("Error(string)").EncodeCall("not the manager"));
        var (client, node) = Client((request, _) => Json(Error(request, 3, "execution reverted: not the manager", $"\"{revert}\"")));
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync(new CallRequest(Address.Parse("0x0000000000000000000000000000000000000001"), [])));
        Assert.Equal(1, node.Calls);
        Assert.True(ex.IsRevert);
        Assert.Equal("not the manager", ex.Revert!.Message);
        Assert.Equal(3, ex.Code);
    }

    [Fact]
    public async Task Never_retries_a_nonce_error()
    {
        var (client, node) = Client((request, _) => Json(Error(request, -32000, "nonce too low")));
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.SendRawTransactionAsync(new byte[] { 2, 0xc0 }));
        Assert.Equal(1, node.Calls);
        Assert.False(ex.IsRevert);
        Assert.Contains("nonce too low", ex.Message);
    }

    [Fact]
    public async Task A_json_rpc_error_inside_an_http_500_is_an_answer_not_an_outage()
    {
        var (client, node) = Client((request, _) => Json(Error(request, -32000, "insufficient funds for gas * price + value"), HttpStatusCode.InternalServerError));
        await Assert.ThrowsAsync<RpcException>(() => client.BlockNumberAsync());
        Assert.Equal(1, node.Calls);
    }

    [Fact]
    public async Task A_malformed_answer_is_a_permanent_transport_error()
    {
        var (client, node) = Client((request, _) => Json(Result(request, "\"not-a-quantity\"")));
        var ex = await Assert.ThrowsAsync<RpcTransportException>(() => client.BlockNumberAsync());
        Assert.False(ex.IsTransient);
        Assert.Equal(1, node.Calls);
        var (htmlClient, _) = Client((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>") });
        Assert.False((await Assert.ThrowsAsync<RpcTransportException>(() => htmlClient.BlockNumberAsync())).IsTransient);
    }

    [Fact]
    public async Task A_slow_attempt_is_abandoned_and_retried()
    {
        var node = new ScriptedNode(async (request, call) =>
        {
            if (call == 1) await Task.Delay(TimeSpan.FromSeconds(30));
            return Json(Result(request, "\"0x10\""));
        });
        var options = new EthRpcOptions { AttemptTimeout = TimeSpan.FromMilliseconds(200), RetryDelay = TimeSpan.FromMilliseconds(1) };
        var client = new EthRpcClient(new HttpClient(node), new Uri("http://node.invalid"), options);
        Assert.Equal(16UL, await client.BlockNumberAsync());
        Assert.Equal(2, node.Calls);
    }

    [Fact]
    public async Task Connection_refused_is_retried_then_reported_as_transient()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var client = new EthRpcClient(new HttpClient(), new Uri($"http://127.0.0.1:{port}"), Fast);
        var ex = await Assert.ThrowsAsync<RpcTransportException>(() => client.ChainIdAsync());
        Assert.True(ex.IsTransient);
        Assert.True(ex.NeverSent);
        Assert.IsType<HttpRequestException>(ex.InnerException);
    }

    /// <summary>
    /// The node picks the nonce of an eth_sendTransaction, so an attempt whose answer was lost may have sent it: a
    /// second attempt would send a second transfer. Only a request that never reached the node is sent again.
    /// </summary>
    [Fact]
    public async Task A_node_signed_transaction_is_sent_again_only_when_the_first_attempt_never_reached_the_node()
    {
        static System.Text.Json.Nodes.JsonArray Transfer() => [new System.Text.Json.Nodes.JsonObject { ["from"] = "0x0000000000000000000000000000000000000001" }];
        var hash = "\"0x" + new string('a', 64) + "\"";

        var (answeredBadly, badNode) = Client((request, call) => call == 1 ? new HttpResponseMessage(HttpStatusCode.BadGateway) : Json(Result(request, hash)));
        Assert.Equal(502, (await Assert.ThrowsAsync<RpcTransportException>(() => answeredBadly.RequestAsync("eth_sendTransaction", Transfer()))).HttpStatus);
        Assert.Equal(1, badNode.Calls);

        var slowNode = new ScriptedNode(async (request, call) =>
        {
            if (call == 1) await Task.Delay(TimeSpan.FromSeconds(30));
            return Json(Result(request, hash));
        });
        var slow = new EthRpcClient(new HttpClient(slowNode), new Uri("http://node.invalid"),
            new EthRpcOptions { AttemptTimeout = TimeSpan.FromMilliseconds(200), RetryDelay = TimeSpan.FromMilliseconds(1) });
        Assert.Contains("no answer", (await Assert.ThrowsAsync<RpcTransportException>(() => slow.RequestAsync("eth_sendTransaction", Transfer()))).Message);
        Assert.Equal(1, slowNode.Calls);

        var unreachableNode = new ScriptedNode((request, call) => call == 1
            ? throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused")
            : Task.FromResult(Json(Result(request, hash))));
        var unreachable = new EthRpcClient(new HttpClient(unreachableNode), new Uri("http://node.invalid"), Fast);
        Assert.Equal("0x" + new string('a', 64), (await unreachable.RequestAsync("eth_sendTransaction", Transfer())).GetString());
        Assert.Equal(2, unreachableNode.Calls);

        // Every other method is retried after any transient failure, a lost answer included.
        var (reads, readNode) = Client((request, call) => call == 1 ? new HttpResponseMessage(HttpStatusCode.BadGateway) : Json(Result(request, "\"0x10\"")));
        Assert.Equal(16UL, await reads.BlockNumberAsync());
        Assert.Equal(2, readNode.Calls);
    }

    [Fact]
    public async Task Chunked_log_scan_halves_the_range_when_the_node_refuses_a_large_one()
    {
        const ulong limit = 3;
        var topic = Keccak32("Ping()");
        var (client, node) = Client((request, _) =>
        {
            var filter = request.GetProperty("params")[0];
            var from = Quantity.ParseUInt64(filter.GetProperty("fromBlock").GetString());
            var to = Quantity.ParseUInt64(filter.GetProperty("toBlock").GetString());
            if (to - from + 1 > limit) return Json(Error(request, -32005, "query returned more than 10000 results"));
            var logs = Enumerable.Range((int)from, (int)(to - from + 1)).Select(b =>
                $$"""{"address":"0x0000000000000000000000000000000000000009","topics":["{{topic}}"],"data":"0x","blockNumber":"{{Quantity.Format(b)}}","transactionHash":"{{topic}}","logIndex":"0x0","blockHash":"{{topic}}","removed":false}""");
            return Json(Result(request, "[" + string.Join(",", logs) + "]"));
        });
        var found = await client.GetLogsInChunksAsync(new LogFilter(null, [Bytes32.Parse(topic)]), 5, 40, chunkSize: 16);
        Assert.Equal(Enumerable.Range(5, 36).Select(b => (ulong)b), found.Select(l => l.BlockNumber));
        var answered = node.Requests
            .Select(r => r.GetProperty("params")[0])
            .Select(f => (From: Quantity.ParseUInt64(f.GetProperty("fromBlock").GetString()), To: Quantity.ParseUInt64(f.GetProperty("toBlock").GetString())))
            .Where(range => range.To - range.From + 1 <= limit)
            .ToArray();
        Assert.Equal(36UL, answered.Aggregate(0UL, (sum, r) => sum + r.To - r.From + 1));
    }

    [Fact]
    public async Task Chunked_log_scan_gives_up_when_even_one_block_is_too_much()
    {
        var (client, _) = Client((request, _) => Json(Error(request, -32005, "query returned more than 10000 results")));
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.GetLogsInChunksAsync(new LogFilter(null), 0, 10, chunkSize: 4));
        Assert.Equal(-32005, ex.Code);
    }

    [Fact]
    public async Task Receipt_is_null_until_mined()
    {
        var (client, _) = Client((request, _) => Json(Result(request, "null")));
        Assert.Null(await client.GetTransactionReceiptAsync(Bytes32.From(new byte[32])));
    }

    [Fact]
    public void Quantities_have_no_leading_zeros()
    {
        Assert.Equal("0x0", Quantity.Format(0));
        Assert.Equal("0xff", Quantity.Format(255));
        Assert.Equal("0x400", Quantity.Format(1024));
        Assert.Equal(255, (int)Quantity.Parse("0xff"));
        Assert.Throws<FormatException>(() => Quantity.Parse("ff"));
        Assert.Throws<FormatException>(() => Quantity.Parse("0x"));
        Assert.Equal("latest", default(BlockTag).ToString());
        Assert.Equal("0x0", BlockTag.Number(0).ToString());
        Assert.Equal("pending", BlockTag.Pending.ToString());
    }

    private static string Keccak32(string text) => DvtBus.Ethereum.Crypto.Keccak.Hash(text).ToString();
}

/// <summary>Mempool refusals as each execution client words them: the classification must not depend on geth's wording.</summary>
public class RpcRefusalWordingTests
{
    private static RpcException Refusal(string message) => new("eth_sendRawTransaction", -32000, message, null, null, null);

    [Theory]
    [InlineData("already known")] // geth, Erigon, reth
    [InlineData("Known transaction: 0x3b7baba5")] // Besu
    [InlineData("AlreadyKnown")] // Nethermind before its 2026 wording change
    [InlineData("transaction already imported")] // anvil
    public void Transaction_the_node_already_holds(string message)
    {
        Assert.True(Refusal(message).IsAlreadyKnown);
        Assert.False(Refusal(message).IsNonceTooLow);
    }

    [Theory]
    [InlineData("nonce too low: address 0xabc, tx: 3 state: 4")] // geth
    [InlineData("Nonce too low")] // Besu
    [InlineData("OldNonce, Current nonce: 4, nonce of rejected tx: 3")] // older Nethermind
    public void Nonce_already_used(string message)
    {
        Assert.True(Refusal(message).IsNonceTooLow);
        Assert.False(Refusal(message).IsAlreadyKnown);
    }

    [Theory]
    [InlineData("replacement transaction underpriced")]
    [InlineData("FeeTooLowToCompete")]
    [InlineData("insufficient funds for gas * price + value")]
    [InlineData("nonce too high")]
    [InlineData("unknown transaction type")]
    public void Other_refusals_are_neither(string message)
    {
        Assert.False(Refusal(message).IsAlreadyKnown);
        Assert.False(Refusal(message).IsNonceTooLow);
    }
}

/// <summary>A node URL in a log or a message shows where, never the provider's key.</summary>
public class RpcEndpointDisplayTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8545", "http://127.0.0.1:8545")]
    [InlineData("http://127.0.0.1:8545/", "http://127.0.0.1:8545")]
    [InlineData("https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef", "https://mainnet.infura.io/…")]
    [InlineData("https://eth-mainnet.g.alchemy.com/v2/SECRETKEY", "https://eth-mainnet.g.alchemy.com/…")]
    [InlineData("https://node.example:8443/?apikey=SECRET", "https://node.example:8443/…")]
    [InlineData("https://user:SECRET@node.example", "https://node.example/…")]
    [InlineData("not a url", "(not a URL)")]
    public void Only_scheme_host_and_port_are_shown(string url, string shown)
    {
        Assert.Equal(shown, RpcEndpoint.ForDisplay(url));
        Assert.DoesNotContain("SECRET", RpcEndpoint.ForDisplay(url), StringComparison.Ordinal);
    }
}
