using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Crypto.Encryption;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;

namespace DvtBus.Devnet.Oracles;

/// <summary>The oracle's answer: an approval, or the reason it refuses (sent back as HTTP 400).</summary>
public sealed record OracleDecision(Approval? Approval, string? Refusal)
{
    public static OracleDecision Refuse(string reason) => new(null, reason);
}

/// <summary>
/// One development oracle: it checks a registration the way a StakeWise oracle must before it signs
/// anything — the request's shape, the deadline, the registry root and the validator index against the
/// chain, that the public key shards interpolate to each validator key, that its own exit shard decrypts
/// with its key and verifies over the exit signing root, the deposit signatures and the manager's consent —
/// and then signs the KeeperValidators message with its secp256k1 key.
/// </summary>
public sealed class DevOracle : IDisposable
{
    /// <summary>One request costs a pairing per validator; this bounds what a request can cost.</summary>
    public const int MaxValidators = 1000;

    private readonly byte[] _secret;
    private readonly EthPrivateKey _key;
    private readonly Network _network;
    private readonly Address _keeper;
    private readonly IChainView _chain;
    private readonly TimeProvider _time;

    /// <param name="position">0-based place in the oracle list: this oracle's shards carry x = position + 1.</param>
    public DevOracle(int position, OracleKeyEntry key, int count, int threshold, Network network, Address keeper, IChainView chain, TimeProvider? time = null)
    {
        if (count < 1 || position < 0 || position >= count) throw new ArgumentOutOfRangeException(nameof(position), "the oracle's position must be inside the oracle list");
        if (threshold < 1 || threshold > count) throw new ArgumentOutOfRangeException(nameof(threshold), $"the threshold must be between 1 and the number of oracles ({count})");
        _secret = Hex.TryDecodeFixed(key.PrivateKey, 32, out var secret) ? secret : throw new ArgumentException("the oracle's private key is not 32 bytes of hex", nameof(key));
        _key = EthPrivateKey.FromBytes(_secret);
        Position = position;
        Count = count;
        Threshold = threshold;
        _network = network;
        _keeper = keeper;
        _chain = chain;
        _time = time ?? TimeProvider.System;
    }

    public int Position { get; }
    public int Count { get; }
    public int Threshold { get; }
    public Address Address => _key.Address;

    public async Task<OracleDecision> DecideAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (parsed, problem) = Parse(request);
        if (parsed is null) return OracleDecision.Refuse(problem!);
        if (parsed.Deadline <= _time.GetUtcNow().ToUnixTimeSeconds())
            return OracleDecision.Refuse($"deadline {parsed.Deadline} has passed");

        var chainRoot = await _chain.DepositRootAsync(cancellationToken);
        if (chainRoot != parsed.Root)
            return OracleDecision.Refuse($"validators_root {parsed.Root} is not the deposit contract's current root {chainRoot}");
        var nextIndex = await _chain.NextValidatorIndexAsync(cancellationToken);
        if (parsed.StartIndex != nextIndex)
            return OracleDecision.Refuse($"validator_index {parsed.StartIndex} is not the next validator index {nextIndex}");

        if (CheckKeyShards(parsed) is { } shardProblem) return OracleDecision.Refuse(shardProblem);
        var exitShards = new BlsSignature[parsed.Validators.Count];
        for (var i = 0; i < parsed.Validators.Count; i++)
        {
            if (DecryptOwnShard(parsed.Validators[i]) is not { } shard)
                return OracleDecision.Refuse($"validator {parsed.Validators[i].PublicKey}: exit signature shard {Position} does not decrypt with this oracle's key");
            exitShards[i] = shard;
        }
        if (CheckSignatures(parsed, exitShards) is { } signatureProblem) return OracleDecision.Refuse(signatureProblem);

        var validators = VaultValidators.Pack(parsed.Validators.Select(v => v.Deposit).ToArray());
        if (parsed.ManagerSignature is { } managerSignature)
        {
            var manager = await _chain.ValidatorsManagerAsync(parsed.Vault, cancellationToken);
            var digest = StakeWiseTypedData.VaultValidatorsHash(_network.ChainId, parsed.Vault, parsed.Root, validators);
            if (!managerSignature.Verify(digest, manager))
                return OracleDecision.Refuse($"validators_manager_signature is not from the vault's validators manager {manager}");
        }

        var ipfsHash = ContentId.Of(ExitShardsDocument(parsed));
        var hash = StakeWiseTypedData.KeeperValidatorsHash(_network.ChainId, _keeper, parsed.Root, parsed.Vault, validators, ipfsHash, parsed.Deadline);
        var signature = _key.Sign(hash);
        return new OracleDecision(new Approval(Hex.Encode(signature.ToBytes()), ipfsHash, parsed.Deadline), null);
    }

    private sealed record ValidatorEntry(
        BlsPublicKey PublicKey, DepositValidator Deposit, ulong Index, BlsPublicKey[] KeyShards, string[] ExitShards);

    private sealed record ParsedRequest(
        ulong StartIndex, Address Vault, Bytes32 Root, long Deadline, IReadOnlyList<ValidatorEntry> Validators, EthSignature? ManagerSignature);

    private (ParsedRequest? Request, string? Problem) Parse(ApprovalRequest r)
    {
        static (ParsedRequest?, string?) Fail(string reason) => (null, reason);
        if (r.ValidatorIndex is not { } start) return Fail("validator_index is required");
        if (!Address.TryParse(r.VaultAddress, out var vault)) return Fail("vault_address must be a 20-byte address");
        if (!Bytes32.TryParse(r.ValidatorsRoot, out var root)) return Fail("validators_root must be 32 bytes of hex");
        if (r.Deadline is not { } deadline) return Fail("deadline is required");
        var keys = r.PublicKeys ?? [];
        if (keys.Count == 0) return Fail("public_keys lists no validator");
        if (keys.Count > MaxValidators) return Fail($"at most {MaxValidators} validators per request");
        if (r.DepositSignatures?.Count != keys.Count || r.PublicKeyShards?.Count != keys.Count || r.ExitSignatureShards?.Count != keys.Count)
            return Fail("public_keys, deposit_signatures, public_key_shards and exit_signature_shards must have one entry per validator");
        EthSignature? managerSignature = null;
        if (r.ValidatorsManagerSignature is { } managerHex)
        {
            if (!Hex.TryDecodeFixed(managerHex, EthSignature.Length, out var managerBytes)) return Fail("validators_manager_signature must be 65 bytes of hex");
            try
            {
                managerSignature = EthSignature.FromBytes(managerBytes);
            }
            catch (FormatException)
            {
                return Fail("validators_manager_signature is not an r || s || v signature");
            }
        }

        var credentials = WithdrawalCredentials.ForVault(WithdrawalCredentialType.Execution, vault);
        var entries = new List<ValidatorEntry>(keys.Count);
        var seen = new HashSet<BlsPublicKey>();
        for (var i = 0; i < keys.Count; i++)
        {
            if (!BlsPublicKey.TryParse(keys[i], out var publicKey)) return Fail($"public_keys[{i}] is not a 48-byte key");
            if (!seen.Add(publicKey)) return Fail($"validator {publicKey} appears twice");
            if (!BlsSignature.TryParse(r.DepositSignatures[i], out var depositSignature)) return Fail($"deposit_signatures[{i}] is not a 96-byte signature");
            var keyShards = r.PublicKeyShards[i];
            var exitShards = r.ExitSignatureShards[i];
            if (keyShards?.Count != Count || exitShards?.Count != Count)
                return Fail($"validator {publicKey}: expected {Count} public key shards and {Count} exit signature shards, one per oracle");
            var parsedShards = new BlsPublicKey[Count];
            for (var k = 0; k < Count; k++)
                if (!BlsPublicKey.TryParse(keyShards[k], out parsedShards[k])) return Fail($"validator {publicKey}: public_key_shards[{k}] is not a 48-byte key");
            for (var k = 0; k < Count; k++)
                if (!EncryptedExitSignature.TryParse(exitShards[k], out _)) return Fail($"validator {publicKey}: exit_signature_shards[{k}] is not {EncryptedExitSignature.Length} bytes of hex");
            var data = new DepositData(publicKey, credentials, Cluster.DepositDataWriter.Amount, depositSignature);
            entries.Add(new ValidatorEntry(publicKey,
                new DepositValidator(publicKey, credentials, Cluster.DepositDataWriter.Amount, depositSignature, data.HashTreeRoot()),
                start + (ulong)i, parsedShards, [.. exitShards.Select(s => Hex.Encode(Hex.Decode(s)))]));
        }
        return (new ParsedRequest(start, vault, root, deadline, entries, managerSignature), null);
    }

    /// <summary>Any t shards must give the validator key; the first t and the last t together cover every shard.</summary>
    private string? CheckKeyShards(ParsedRequest request)
    {
        foreach (var v in request.Validators)
        {
            var indexed = v.KeyShards.Select((key, k) => new IndexedPublicKey((ulong)k + 1, key)).ToArray();
            try
            {
                if (BlsThreshold.RecoverPublicKey(indexed[..Threshold]) != v.PublicKey || BlsThreshold.RecoverPublicKey(indexed[^Threshold..]) != v.PublicKey)
                    return $"validator {v.PublicKey}: the public key shards do not interpolate to the validator key";
            }
            catch (ArgumentException)
            {
                return $"validator {v.PublicKey}: a public key shard is not a valid G1 point";
            }
        }
        return null;
    }

    private BlsSignature? DecryptOwnShard(ValidatorEntry v)
    {
        byte[] plain;
        try
        {
            plain = Ecies.Decrypt(_secret, Hex.Decode(v.ExitShards[Position]));
        }
        catch (CryptographicException)
        {
            return null;
        }
        return plain.Length == BlsSignature.Length ? BlsSignature.From(plain) : null;
    }

    /// <summary>Every exit shard of this oracle and every deposit signature, in one multi-pairing; on failure, one by one to name the culprit.</summary>
    private string? CheckSignatures(ParsedRequest request, BlsSignature[] exitShards)
    {
        var sets = new List<(string Problem, SignatureSet Set)>();
        for (var i = 0; i < request.Validators.Count; i++)
        {
            var v = request.Validators[i];
            var exitRoot = ExitSigning.SigningRoot(_network, ExitSigning.Exit(_network, v.Index));
            sets.Add(($"validator {v.PublicKey}: exit signature shard {Position} does not verify against its public key shard for index {v.Index}",
                new SignatureSet(v.KeyShards[Position], exitRoot.ToArray(), exitShards[i])));
            var depositRoot = DepositSigning.SigningRoot(_network, new DepositMessage(v.PublicKey, v.Deposit.WithdrawalCredentials, v.Deposit.Amount));
            sets.Add(($"validator {v.PublicKey}: the deposit signature does not verify for 32 ETH to the vault's 0x01 credentials on {_network.Name}",
                new SignatureSet(v.PublicKey, depositRoot.ToArray(), v.Deposit.Signature)));
        }
        if (BlsScheme.BatchVerify([.. sets.Select(s => s.Set)])) return null;
        foreach (var (problem, set) in sets)
            if (!BlsScheme.Verify(set.PublicKey, set.Message, set.Signature)) return problem;
        return null;
    }

    /// <summary>The exit shards as the oracles would pin them to IPFS; identical bytes for every oracle, hence one content id.</summary>
    private static byte[] ExitShardsDocument(ParsedRequest request)
    {
        var validators = new JsonArray();
        foreach (var v in request.Validators)
        {
            validators.Add(new JsonObject
            {
                ["public_key"] = v.PublicKey.ToString(),
                ["validator_index"] = v.Index,
                ["public_key_shards"] = new JsonArray([.. v.KeyShards.Select(k => (JsonNode)k.ToString())]),
                ["exit_signature_shards"] = new JsonArray([.. v.ExitShards.Select(s => (JsonNode)s)]),
            });
        }
        return JsonSerializer.SerializeToUtf8Bytes(validators);
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_secret);
        _key.Dispose();
    }

    public override string ToString() => $"DevOracle({Position}, {Address})";
}
