using System.Net.Http.Headers;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Ethereum.Abi;
using DvtBus.Primitives;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace DvtBus.Ethereum.Rpc;

public sealed class EthRpcOptions
{
    /// <summary>Time allowed for one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Retries after a transient transport failure (connection refused, timeout, HTTP 5xx/429).</summary>
    public int MaxRetries { get; init; } = 3;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Custom error signatures used to decode reverts, e.g. "AccessDenied()".</summary>
    public IReadOnlyList<string> CustomErrors { get; init; } = [];
}

/// <summary>
/// A JSON-RPC 2.0 client for an Ethereum execution node. Transport failures are retried with back-off
/// (eth_sendTransaction only when the request never reached the node); JSON-RPC errors (reverts, nonce and
/// fee errors) are thrown as <see cref="RpcException"/> at once.
/// </summary>
public sealed class EthRpcClient
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly EthRpcOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly ResiliencePipeline _unsentOnlyPipeline;
    private long _nextId;

    /// <summary>
    /// Methods a node carries out each time it gets them: eth_sendTransaction picks the next nonce, so an attempt
    /// that timed out or lost its answer may have sent a transfer, and a second attempt would send another. They
    /// are retried only when the request never reached the node.
    /// </summary>
    private static readonly HashSet<string> NotRepeatable = ["eth_sendTransaction"];

    public EthRpcClient(HttpClient http, Uri endpoint, EthRpcOptions? options = null)
    {
        _http = http;
        _endpoint = endpoint;
        _options = options ?? new EthRpcOptions();
        _pipeline = Pipeline(new PredicateBuilder().Handle<RpcTransportException>(e => e.IsTransient).Handle<TimeoutRejectedException>());
        _unsentOnlyPipeline = Pipeline(new PredicateBuilder().Handle<RpcTransportException>(e => e.IsTransient && e.NeverSent));
    }

    private ResiliencePipeline Pipeline(PredicateBuilder<object> retried)
    {
        var builder = new ResiliencePipelineBuilder();
        if (_options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = retried,
                MaxRetryAttempts = _options.MaxRetries,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }
        return builder.AddTimeout(_options.AttemptTimeout).Build();
    }

    public IReadOnlyList<string> CustomErrors => _options.CustomErrors;

    /// <summary>Sends one request and returns its result member (JSON null included).</summary>
    public async Task<JsonElement> RequestAsync(string method, JsonArray parameters, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString();
        try
        {
            var pipeline = NotRepeatable.Contains(method) ? _unsentOnlyPipeline : _pipeline;
            return await pipeline.ExecuteAsync(async token => await SendOnceAsync(method, body, token), cancellationToken);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new RpcTransportException($"{method}: no answer from the node within {_options.AttemptTimeout.TotalSeconds:0.#} s", isTransient: true, inner: ex);
        }
    }

    /// <summary>Sends a request and parses its result; an answer of the wrong shape is a non-transient transport error.</summary>
    private async Task<T> RequestAsync<T>(string method, JsonArray parameters, Func<JsonElement, T> parse, CancellationToken cancellationToken)
    {
        var result = await RequestAsync(method, parameters, cancellationToken);
        try
        {
            return parse(result);
        }
        catch (Exception ex) when (ex is FormatException or KeyNotFoundException or InvalidOperationException or OverflowException)
        {
            throw new RpcTransportException($"{method}: the node's answer is malformed ({ex.Message})", isTransient: false, inner: ex);
        }
    }

    private async Task<JsonElement> SendOnceAsync(string method, string body, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, token);
        }
        catch (HttpRequestException ex)
        {
            throw new RpcTransportException($"{method}: cannot reach the node ({ex.Message})", isTransient: true, inner: ex,
                neverSent: ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError);
        }
        catch (OperationCanceledException ex) when (!token.IsCancellationRequested)
        {
            throw new RpcTransportException($"{method}: the HTTP client timed out", isTransient: true, inner: ex);
        }
        using (response)
        {
            string text;
            try
            {
                text = await response.Content.ReadAsStringAsync(token);
            }
            catch (HttpRequestException ex)
            {
                throw new RpcTransportException($"{method}: the answer was cut off ({ex.Message})", isTransient: true, inner: ex);
            }
            JsonDocument? document = null;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException)
            {
                // Not JSON: judged by the HTTP status below.
            }
            using (document)
            {
                var status = (int)response.StatusCode;
                if (document is not null && document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                    throw ToRpcException(method, error);
                if (status == 429 || status >= 500)
                    throw new RpcTransportException($"{method}: node answered HTTP {status}", isTransient: true, status);
                if (!response.IsSuccessStatusCode)
                    throw new RpcTransportException($"{method}: node answered HTTP {status}", isTransient: false, status);
                if (document is null || document.RootElement.ValueKind != JsonValueKind.Object
                    || !document.RootElement.TryGetProperty("result", out var result))
                    throw new RpcTransportException($"{method}: the answer is not a JSON-RPC response", isTransient: false, status);
                return result.Clone();
            }
        }
    }

    private RpcException ToRpcException(string method, JsonElement error)
    {
        var code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var parsed) ? parsed : 0;
        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "(no message)";
        string? raw = null;
        byte[]? revert = null;
        if (error.TryGetProperty("data", out var data))
        {
            raw = data.GetRawText();
            // Nodes put revert data either directly in data or in data.data (older Ganache/Hardhat style).
            var candidate = data.ValueKind == JsonValueKind.String ? data.GetString()
                : data.ValueKind == JsonValueKind.Object && data.TryGetProperty("data", out var inner) && inner.ValueKind == JsonValueKind.String ? inner.GetString()
                : null;
            if (candidate is not null && candidate.StartsWith("0x", StringComparison.Ordinal) && Hex.TryDecode(candidate, out var bytes))
                revert = bytes;
        }
        return new RpcException(method, code, message, raw, revert, _options.CustomErrors);
    }

    public async Task<ulong> ChainIdAsync(CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_chainId", [], r => Quantity.ParseUInt64(r.GetString()), cancellationToken);

    public async Task<ulong> BlockNumberAsync(CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_blockNumber", [], r => Quantity.ParseUInt64(r.GetString()), cancellationToken);

    public async Task<BigInteger> GetBalanceAsync(Address address, BlockTag block = default, CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_getBalance", [Hex.Encode(address.Span), block.ToString()], r => Quantity.Parse(r.GetString()), cancellationToken);

    public async Task<byte[]> GetCodeAsync(Address address, BlockTag block = default, CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_getCode", [Hex.Encode(address.Span), block.ToString()], r => Hex.Decode(r.GetString()), cancellationToken);

    public async Task<ulong> GetTransactionCountAsync(Address address, BlockTag block = default, CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_getTransactionCount", [Hex.Encode(address.Span), block.ToString()], r => Quantity.ParseUInt64(r.GetString()), cancellationToken);

    /// <summary>eth_call; a revert throws <see cref="RpcException"/> with the decoded reason.</summary>
    public async Task<byte[]> CallAsync(CallRequest call, BlockTag block = default, CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_call", [ToJson(call), block.ToString()], r => Hex.Decode(r.GetString()), cancellationToken);

    /// <summary>Calls a view function and decodes its outputs.</summary>
    public async Task<object[]> CallAsync(Address contract, AbiFunction function, object?[] arguments, BlockTag block = default, CancellationToken cancellationToken = default) =>
        function.DecodeOutput(await CallAsync(new CallRequest(contract, function.EncodeCall(arguments)), block, cancellationToken));

    public async Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_estimateGas", [ToJson(call)], r => Quantity.ParseUInt64(r.GetString()), cancellationToken);

    public async Task<BigInteger> MaxPriorityFeePerGasAsync(CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_maxPriorityFeePerGas", [], r => Quantity.Parse(r.GetString()), cancellationToken);

    public async Task<FeeHistory> FeeHistoryAsync(int blockCount, BlockTag newest, IReadOnlyList<double> rewardPercentiles, CancellationToken cancellationToken = default)
    {
        var percentiles = new JsonArray(rewardPercentiles.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray());
        return await RequestAsync("eth_feeHistory", [Quantity.Format(blockCount), newest.ToString(), percentiles], ParseFeeHistory, cancellationToken);
    }

    private static FeeHistory ParseFeeHistory(JsonElement result)
    {
        var rewards = result.TryGetProperty("reward", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(block => (IReadOnlyList<BigInteger>)block.EnumerateArray().Select(x => Quantity.Parse(x.GetString())).ToArray()).ToArray()
            : [];
        return new FeeHistory(
            Quantity.ParseUInt64(result.GetProperty("oldestBlock").GetString()),
            result.GetProperty("baseFeePerGas").EnumerateArray().Select(x => Quantity.Parse(x.GetString())).ToArray(),
            result.GetProperty("gasUsedRatio").EnumerateArray().Select(x => x.GetDouble()).ToArray(),
            rewards);
    }

    public async Task<Bytes32> SendRawTransactionAsync(ReadOnlyMemory<byte> raw, CancellationToken cancellationToken = default) =>
        await RequestAsync("eth_sendRawTransaction", [Hex.Encode(raw.Span)], r => Bytes32.Parse(r.GetString()), cancellationToken);

    /// <summary>The receipt, or null while the transaction is not mined (or unknown).</summary>
    public async Task<TransactionReceipt?> GetTransactionReceiptAsync(Bytes32 hash, CancellationToken cancellationToken = default)
    {
        return await RequestAsync("eth_getTransactionReceipt", [hash.ToString()],
            result => result.ValueKind == JsonValueKind.Null ? null : ParseReceipt(result), cancellationToken);
    }

    public async Task<BlockHeader?> GetBlockByNumberAsync(BlockTag block = default, CancellationToken cancellationToken = default)
    {
        return await RequestAsync("eth_getBlockByNumber", [block.ToString(), false], ParseBlock, cancellationToken);
    }

    private static BlockHeader? ParseBlock(JsonElement result)
    {
        if (result.ValueKind == JsonValueKind.Null) return null;
        return new BlockHeader(
            Quantity.ParseUInt64(result.GetProperty("number").GetString()),
            Bytes32.Parse(result.GetProperty("hash").GetString()),
            Bytes32.Parse(result.GetProperty("parentHash").GetString()),
            Quantity.ParseUInt64(result.GetProperty("timestamp").GetString()),
            Quantity.ParseUInt64(result.GetProperty("gasLimit").GetString()),
            result.TryGetProperty("baseFeePerGas", out var fee) && fee.ValueKind == JsonValueKind.String ? Quantity.Parse(fee.GetString()) : null);
    }

    public async Task<IReadOnlyList<LogEntry>> GetLogsAsync(LogFilter filter, BlockTag fromBlock, BlockTag toBlock, CancellationToken cancellationToken = default)
    {
        var query = new JsonObject { ["fromBlock"] = fromBlock.ToString(), ["toBlock"] = toBlock.ToString() };
        if (filter.Address is { } address) query["address"] = Hex.Encode(address.Span);
        if (filter.Topics is { Count: > 0 } topics)
            query["topics"] = new JsonArray(topics.Select(t => t is { } topic ? (JsonNode?)JsonValue.Create(topic.ToString()) : null).ToArray());
        return await RequestAsync("eth_getLogs", [query], result => (IReadOnlyList<LogEntry>)result.EnumerateArray().Select(ParseLog).ToArray(), cancellationToken);
    }

    /// <summary>
    /// eth_getLogs over [from, to] in chunks of at most <paramref name="chunkSize"/> blocks, halving the
    /// chunk whenever the node says a query returns too much, so that a busy range never blocks a scan.
    /// </summary>
    public async Task<IReadOnlyList<LogEntry>> GetLogsInChunksAsync(
        LogFilter filter, ulong fromBlock, ulong toBlock, ulong chunkSize = 10_000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(chunkSize);
        var logs = new List<LogEntry>();
        var start = fromBlock;
        while (start <= toBlock)
        {
            var end = toBlock - start < chunkSize - 1 ? toBlock : start + chunkSize - 1;
            try
            {
                logs.AddRange(await GetLogsAsync(filter, start, end, cancellationToken));
            }
            catch (RpcException ex) when (chunkSize > 1 && IsTooManyResults(ex))
            {
                chunkSize = Math.Max(1, (end - start + 1) / 2);
                continue;
            }
            if (end == ulong.MaxValue) break;
            start = end + 1;
        }
        return logs;
    }

    private static bool IsTooManyResults(RpcException ex) =>
        ex.Code == -32005
        || new[] { "more than", "too many", "exceed", "too large", "too wide", "limit", "range" }
            .Any(hint => ex.RpcMessage.Contains(hint, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Polls until the transaction is mined and <paramref name="confirmations"/> blocks deep (1 = mined),
    /// re-reading the receipt at the end so that a reorged-out receipt is not reported.
    /// </summary>
    public async Task<TransactionReceipt> WaitForReceiptAsync(
        Bytes32 hash, int confirmations = 1, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(confirmations, 1);
        var interval = pollInterval ?? TimeSpan.FromSeconds(1);
        while (true)
        {
            var receipt = await GetTransactionReceiptAsync(hash, cancellationToken);
            if (receipt is not null)
            {
                var head = await BlockNumberAsync(cancellationToken);
                if (head >= receipt.BlockNumber && head - receipt.BlockNumber + 1 >= (ulong)confirmations)
                {
                    var again = await GetTransactionReceiptAsync(hash, cancellationToken);
                    if (again is not null && again.BlockHash == receipt.BlockHash) return again;
                }
            }
            await Task.Delay(interval, cancellationToken);
        }
    }

    private static JsonObject ToJson(CallRequest call)
    {
        var json = new JsonObject { ["data"] = Hex.Encode(call.Data) };
        if (call.To is { } to) json["to"] = Hex.Encode(to.Span);
        if (call.From is { } from) json["from"] = Hex.Encode(from.Span);
        if (call.Value is { } value) json["value"] = Quantity.Format(value);
        if (call.Gas is { } gas) json["gas"] = Quantity.Format(gas);
        return json;
    }

    private static TransactionReceipt ParseReceipt(JsonElement json) => new(
        Bytes32.Parse(json.GetProperty("transactionHash").GetString()),
        Quantity.ParseUInt64(json.GetProperty("blockNumber").GetString()),
        Bytes32.Parse(json.GetProperty("blockHash").GetString()),
        Quantity.ParseUInt64(json.GetProperty("status").GetString()) == 1,
        Quantity.ParseUInt64(json.GetProperty("gasUsed").GetString()),
        json.TryGetProperty("effectiveGasPrice", out var price) && price.ValueKind == JsonValueKind.String ? Quantity.Parse(price.GetString()) : BigInteger.Zero,
        Address.Parse(json.GetProperty("from").GetString()),
        OptionalAddress(json, "to"),
        OptionalAddress(json, "contractAddress"),
        json.GetProperty("logs").EnumerateArray().Select(ParseLog).ToArray());

    private static Address? OptionalAddress(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Address.Parse(value.GetString()) : null;

    private static LogEntry ParseLog(JsonElement json) => new(
        Address.Parse(json.GetProperty("address").GetString()),
        json.GetProperty("topics").EnumerateArray().Select(t => Bytes32.Parse(t.GetString())).ToArray(),
        Hex.Decode(json.GetProperty("data").GetString()),
        Quantity.ParseUInt64(json.GetProperty("blockNumber").GetString()),
        Bytes32.Parse(json.GetProperty("transactionHash").GetString()),
        (uint)Quantity.ParseUInt64(json.GetProperty("logIndex").GetString()),
        json.TryGetProperty("blockHash", out var blockHash) && blockHash.ValueKind == JsonValueKind.String ? Bytes32.Parse(blockHash.GetString()) : default,
        json.TryGetProperty("removed", out var removed) && removed.ValueKind == JsonValueKind.True);
}
