using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Encryption;
using DvtBus.Devnet.Oracles;
using DvtBus.Ethereum.Abi;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;

namespace DvtBus.Devnet.Demo;

/// <summary>
/// Follows one demo run from outside, the way a person would: the relayer's and the operator's HTTP
/// status, and ValidatorRegistered events on the chain. When every validator is registered it checks
/// every oracle shard (decrypts with the oracle's key, verifies over the exit signing root, t of them
/// recover a signature the validator key verifies) and writes the result file.
/// </summary>
public sealed class DemoWatch(DemoWatch.Settings settings, TextWriter output)
{
    public sealed record Settings(
        IReadOnlyList<BlsPublicKey> Validators, Uri Relayer, string RelayerToken, Uri Operator, Uri Rpc, Address Vault, Address Keeper,
        Network Network, IReadOnlyList<OracleKeyEntry> Oracles, int OracleThreshold, int ClusterThreshold, string? OutFile, TimeSpan Timeout);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly EthRpcClient _rpc = new(new HttpClient(), settings.Rpc);
    private readonly Dictionary<BlsPublicKey, LogEntry> _registrations = [];
    private ulong _nextBlock;

    /// <summary>0 when every validator registered and every shard checked out; otherwise 1 with the reason printed.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var progress = new DemoProgress(settings.Validators.Count, TimeProvider.System);
        var ours = settings.Validators.ToHashSet();
        output.WriteLine($"[demo] waiting for {settings.Validators.Count} validators: {string.Join(" -> ", DemoProgress.Stages)}");
        while (!progress.Done)
        {
            if (progress.Elapsed > settings.Timeout)
                return Fail($"timed out after {settings.Timeout.TotalSeconds:F0} s waiting for stage '{progress.Pending}': {progress.Line()}");
            var exits = await TryGetAsync(new Uri(settings.Relayer, "exits"), cancellationToken);
            var batches = await TryGetAsync(new Uri(settings.Operator, "batches?limit=1000"), cancellationToken);
            await ReadRegistrationsAsync(ours, cancellationToken);

            int requested = 0, shares = 0, ready = 0;
            foreach (var exit in Items(exits, "exits"))
            {
                if (!BlsPublicKey.TryParse(exit.GetProperty("public_key").GetString(), out var key) || !ours.Contains(key)) continue;
                requested++;
                if (exit.TryGetProperty("share_indexes_ready", out var indexes) && indexes.GetArrayLength() >= settings.ClusterThreshold) shares++;
                if (exit.TryGetProperty("is_exit_signature_ready", out var isReady) && isReady.ValueKind == JsonValueKind.True) ready++;
            }
            var (approved, sent, failure) = CountBatches(Items(batches, "batches"));
            if (failure is not null) return Fail(failure);
            if (progress.Update([requested, shares, ready, approved, sent, _registrations.Count])) output.WriteLine("[demo] " + progress.Line());
            if (!progress.Done) await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        var result = await VerifyAsync(_registrations, cancellationToken);
        if (result.Problem is { } problem) return Fail(problem);
        if (settings.OutFile is { } file)
            await File.WriteAllTextAsync(file, result.Document!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        PrintSummary(progress, result.Gas);
        return 0;
    }

    private int Fail(string reason)
    {
        output.WriteLine($"[demo] FAILED: {reason}");
        return 1;
    }

    private async Task<JsonDocument?> TryGetAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(url, cancellationToken);
            if (!response.IsSuccessStatusCode) return null;
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // A daemon still starting or busy: the next poll asks again; the script watches the processes themselves.
            return null;
        }
    }

    /// <summary>
    /// Approved and sent validators from the operator's <c>GET /batches</c> (its BatchStates): a batch is
    /// approved once it is Registering (approvals collected) or Registered, and sent once it records a
    /// transaction; or the reason of the first failed batch.
    /// </summary>
    public static (int Approved, int Sent, string? Failure) CountBatches(IEnumerable<JsonElement> batches)
    {
        int approved = 0, sent = 0;
        foreach (var batch in batches)
        {
            var state = batch.GetProperty("state").GetString();
            var count = batch.GetProperty("validators").GetInt32();
            if (state == "Failed") return (approved, sent, $"the operator failed a batch of {count} validators: {batch.GetProperty("failure").GetString()}");
            if (state is not ("Registering" or "Registered")) continue;
            approved += count;
            if (state == "Registered" || batch.TryGetProperty("transactionHash", out var tx) && tx.ValueKind == JsonValueKind.String) sent += count;
        }
        return (approved, sent, null);
    }

    private static IEnumerable<JsonElement> Items(JsonDocument? document, string property) =>
        document is not null && document.RootElement.ValueKind == JsonValueKind.Object
        && document.RootElement.TryGetProperty(property, out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray().ToArray()
            : [];

    /// <summary>Our validators' ValidatorRegistered events so far: each poll reads only the blocks mined since the last one.</summary>
    private async Task ReadRegistrationsAsync(HashSet<BlsPublicKey> ours, CancellationToken cancellationToken)
    {
        try
        {
            var head = await _rpc.BlockNumberAsync(cancellationToken);
            if (head < _nextBlock) return;
            var logs = await _rpc.GetLogsAsync(LogFilter.ForEvent(settings.Vault, StakeWiseCalls.ValidatorRegistered), _nextBlock, head, cancellationToken);
            foreach (var log in logs)
                if (StakeWiseCalls.TryDecodeValidatorRegistered(log, out var key) && ours.Contains(key)) _registrations.TryAdd(key, log);
            _nextBlock = head + 1;
        }
        catch (Exception e) when (e is RpcException or RpcTransportException)
        {
            // The node busy or restarting: the next poll reads the same blocks again.
        }
    }

    /// <summary>
    /// Each validator's index as the beacon chain assigns it from the deposit contract's logs, in log order: a
    /// new public key becomes the next validator at its first deposit whose signature verifies; a deposit with a
    /// bad signature creates none, a later one for a known key (a top-up) adds none.
    /// </summary>
    public static Dictionary<BlsPublicKey, ulong> ChainIndexes(IEnumerable<LogEntry> depositLogs, Network network)
    {
        var indexes = new Dictionary<BlsPublicKey, ulong>();
        foreach (var log in depositLogs.Where(l => !l.Removed).OrderBy(l => l.BlockNumber).ThenBy(l => l.LogIndex))
        {
            if (!StakeWiseCalls.TryDecodeDepositEvent(log, out var deposit) || indexes.ContainsKey(deposit.PublicKey)) continue;
            if (DepositSigning.Verify(network, new DepositMessage(deposit.PublicKey, deposit.WithdrawalCredentials, deposit.AmountGwei), deposit.Signature))
                indexes[deposit.PublicKey] = (ulong)indexes.Count;
        }
        return indexes;
    }

    private sealed record Verification(JsonObject? Document, IReadOnlyDictionary<Bytes32, ulong> Gas, string? Problem);

    private async Task<Verification> VerifyAsync(Dictionary<BlsPublicKey, LogEntry> registrations, CancellationToken cancellationToken)
    {
        static Verification Problem(string text) => new(null, new Dictionary<Bytes32, ulong>(), text);
        var indexes = new Dictionary<BlsPublicKey, ulong>();
        foreach (var exit in Items(await TryGetAsync(new Uri(settings.Relayer, "exits"), cancellationToken), "exits"))
            if (BlsPublicKey.TryParse(exit.GetProperty("public_key").GetString(), out var key))
                indexes[key] = exit.GetProperty("validator_index").GetUInt64();
        // The index the exits were signed for came from the operator's prediction, through the relayer: checked
        // against the deposits on chain, now that the vault has made them.
        var onChain = ChainIndexes(await _rpc.GetLogsInChunksAsync(
            LogFilter.ForEvent(settings.Network.DepositContract, StakeWiseCalls.DepositEvent), 0, await _rpc.BlockNumberAsync(cancellationToken), 10_000, cancellationToken),
            settings.Network);

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.Relayer, "validators"))
        {
            Content = JsonContent.Create(new { public_keys = settings.Validators.Select(v => v.ToString()).ToArray() }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.RelayerToken);
        using var response = await _http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode) return Problem($"the relayer answered POST /validators with {(int)response.StatusCode}");
        using var shares = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));

        var validators = new JsonArray();
        foreach (var item in shares.RootElement.GetProperty("validators").EnumerateArray())
        {
            var key = BlsPublicKey.Parse(item.GetProperty("public_key").GetString());
            if (!indexes.TryGetValue(key, out var index)) return Problem($"validator {key} has no exit at the relayer");
            if (!onChain.TryGetValue(key, out var chainIndex)) return Problem($"validator {key} has no valid deposit on chain");
            if (chainIndex != index) return Problem($"validator {key}: its exit is signed for index {index}, but the deposits on chain give it index {chainIndex}");
            if (!registrations.TryGetValue(key, out var registration)) return Problem($"validator {key} is not registered");
            if (item.GetProperty("oracles_exit_signature_shares") is not { ValueKind: JsonValueKind.Object } oracleShares)
                return Problem($"validator {key} has no oracle shards at the relayer");
            var keyShards = oracleShares.GetProperty("public_keys").EnumerateArray().Select(e => e.GetString()!).ToArray();
            var encrypted = oracleShares.GetProperty("encrypted_exit_signatures").EnumerateArray().Select(e => e.GetString()!).ToArray();
            var root = ExitSigning.SigningRoot(settings.Network, ExitSigning.Exit(settings.Network, index));
            if (CheckShards(key, root, keyShards, encrypted) is { } shardProblem) return Problem(shardProblem);
            validators.Add(new JsonObject
            {
                ["public_key"] = key.ToString(),
                ["validator_index"] = index,
                ["exit_signing_root"] = root.ToString(),
                ["public_key_shards"] = new JsonArray([.. keyShards.Select(s => (JsonNode)s)]),
                ["encrypted_exit_signatures"] = new JsonArray([.. encrypted.Select(s => (JsonNode)s)]),
                ["registration_tx"] = registration.TransactionHash.ToString(),
                ["block_number"] = registration.BlockNumber,
            });
        }
        if (validators.Count != settings.Validators.Count) return Problem($"the relayer returned {validators.Count} of {settings.Validators.Count} validators");

        var gas = new Dictionary<Bytes32, ulong>();
        foreach (var tx in registrations.Values.Select(r => r.TransactionHash).Distinct())
            if (await _rpc.GetTransactionReceiptAsync(tx, cancellationToken) is { } receipt) gas[tx] = receipt.GasUsed;

        var network = settings.Network;
        var document = new JsonObject
        {
            ["network"] = new JsonObject
            {
                ["name"] = network.Name,
                ["chain_id"] = network.ChainId,
                ["genesis_fork_version"] = network.GenesisForkVersion.ToString(),
                ["capella_fork_version"] = network.CapellaForkVersion.ToString(),
                ["capella_epoch"] = network.CapellaEpoch,
                ["genesis_validators_root"] = network.GenesisValidatorsRoot.ToString(),
                ["deposit_contract"] = network.DepositContract.ToString(),
            },
            ["vault"] = settings.Vault.ToString(),
            ["keeper"] = settings.Keeper.ToString(),
            ["rpc_url"] = settings.Rpc.ToString(),
            ["oracles"] = new JsonArray([.. settings.Oracles.Select(o => (JsonNode)new JsonObject
            {
                ["public_key"] = o.PublicKey,
                ["private_key"] = o.PrivateKey,
                ["address"] = o.Address,
            })]),
            ["oracle_threshold"] = settings.OracleThreshold,
            ["validators"] = validators,
        };
        return new Verification(document, gas, null);
    }

    /// <summary>Each shard decrypts with its oracle's key and verifies under its public key shard; the first t recover the validator's exit signature.</summary>
    private string? CheckShards(BlsPublicKey validator, Bytes32 root, string[] keyShards, string[] encrypted)
    {
        if (keyShards.Length != settings.Oracles.Count || encrypted.Length != settings.Oracles.Count)
            return $"validator {validator}: {encrypted.Length} shards for {settings.Oracles.Count} oracles";
        var signatures = new List<IndexedSignature>();
        for (var k = 0; k < settings.Oracles.Count; k++)
        {
            var secret = Hex.Decode(settings.Oracles[k].PrivateKey);
            byte[] plain;
            try
            {
                plain = Ecies.Decrypt(secret, Hex.Decode(encrypted[k]));
            }
            catch (CryptographicException)
            {
                return $"validator {validator}: shard {k} does not decrypt with oracle {k}'s key";
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
            if (plain.Length != BlsSignature.Length || !BlsPublicKey.TryParse(keyShards[k], out var shardKey)
                || !BlsScheme.Verify(shardKey, root.Span, BlsSignature.From(plain)))
                return $"validator {validator}: shard {k} does not verify over the exit signing root";
            signatures.Add(new IndexedSignature((ulong)k + 1, BlsSignature.From(plain)));
        }
        var recovered = BlsThreshold.RecoverSignature(signatures.Take(settings.OracleThreshold).ToArray());
        return BlsScheme.Verify(validator, root.Span, recovered)
            ? null
            : $"validator {validator}: {settings.OracleThreshold} oracle shards do not recover a signature the validator key verifies";
    }

    private void PrintSummary(DemoProgress progress, IReadOnlyDictionary<Bytes32, ulong> gas)
    {
        output.WriteLine($"[demo] all {progress.Validators} validators registered and every oracle shard decrypts and verifies");
        output.WriteLine("[demo] stage        done at   took");
        foreach (var (stage, at, took) in progress.Timings())
            output.WriteLine($"[demo]   {stage,-10} {(at is { } a ? $"{a,6:F1} s" : "      -"),8} {(took is { } t ? $"{t,6:F1} s" : "      -"),8}");
        foreach (var (tx, used) in gas) output.WriteLine($"[demo] registration tx {tx}  gas {used}");
        output.WriteLine($"[demo] total gas {gas.Values.Aggregate(0UL, (a, b) => a + b)}, {gas.Count} transactions, {progress.Elapsed.TotalSeconds:F1} s from the drop to the last registration");
        if (settings.OutFile is { } file) output.WriteLine($"[demo] result written to {file}");
    }
}
