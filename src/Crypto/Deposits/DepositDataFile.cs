using System.Text.Json;
using System.Text.Unicode;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;

namespace DvtBus.Crypto.Deposits;

/// <summary>
/// Reads a deposit-data file (staking-deposit-cli, ethstaker-deposit-cli, charon) and checks every
/// entry against one network and one vault. Never throws on bad content: every problem becomes an
/// issue in the report, so a bad file can be moved aside with its reasons.
/// </summary>
public static class DepositDataFile
{
    private const ulong Gwei = 1_000_000_000;
    private const ulong ExecutionAmount = 32 * Gwei;
    // The vault refuses to register a validator below 32 ETH whatever its credentials (a smaller 0x02 deposit is
    // only a top-up of a validator it already has).
    private const ulong MinCompoundingAmount = 32 * Gwei;
    private const ulong MaxCompoundingAmount = 2048 * Gwei;

    /// <summary>Reads at most <see cref="DepositDataOptions.MaxBytes"/> + 1 bytes, so an oversized file is refused without being loaded.</summary>
    public static async Task<DepositDataReport> ValidateAsync(Stream json, Network network, Address vault,
        DepositDataOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        options ??= new DepositDataOptions();
        options.Check();
        var buffer = new byte[Math.Min(options.MaxBytes + 1L, 1 << 20)];
        using var content = new MemoryStream();
        while (content.Length <= options.MaxBytes)
        {
            var wanted = (int)Math.Min(buffer.Length, options.MaxBytes + 1L - content.Length);
            var read = await json.ReadAsync(buffer.AsMemory(0, wanted), cancellationToken).ConfigureAwait(false);
            if (read == 0)
                return Validate(content.GetBuffer().AsSpan(0, (int)content.Length), network, vault, options);
            content.Write(buffer, 0, read);
        }
        return TooLarge(options);
    }

    /// <summary>Checks a whole file held in memory (UTF-8, with or without a byte order mark).</summary>
    public static DepositDataReport Validate(ReadOnlySpan<byte> json, Network network, Address vault, DepositDataOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new DepositDataOptions();
        options.Check();
        if (json.Length > options.MaxBytes) return TooLarge(options);

        if (json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) json = json[3..];
        else if (json.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || json.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
            return FileIssue(DepositProblem.NotUtf8, "the file is UTF-16; save it as UTF-8");
        if (json.Trim(" \t\r\n"u8).IsEmpty)
            return FileIssue(DepositProblem.Empty, "the file is empty");
        if (!Utf8.IsValid(json))
            return FileIssue(DepositProblem.NotUtf8, "the file is not valid UTF-8 text");
        if (ScanStructure(json, options.MaxDepth) is { } structureIssue)
            return new DepositDataReport([], [structureIssue]);

        using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = options.MaxDepth });
        if (document.RootElement.ValueKind != JsonValueKind.Array)
            return FileIssue(DepositProblem.NotAnArray, $"expected a JSON array of deposits, found {Describe(document.RootElement.ValueKind)}");
        var count = document.RootElement.GetArrayLength();
        if (count == 0)
            return FileIssue(DepositProblem.NoValidators, "the file lists no validators");
        if (count > options.MaxValidators)
            return FileIssue(DepositProblem.TooManyValidators, $"the file lists {count} validators; split it into files of at most {options.MaxValidators}");

        var batch = new BatchState(network, vault);
        var position = 0;
        foreach (var element in document.RootElement.EnumerateArray())
            batch.Check(element, position++);
        return batch.Finish();
    }

    private static DepositDataReport TooLarge(DepositDataOptions options) =>
        FileIssue(DepositProblem.TooLarge, $"the file is larger than {options.MaxBytes} bytes");

    private static DepositDataReport FileIssue(DepositProblem problem, string reason) => new([], [new DepositIssue(problem, reason)]);

    /// <summary>Whether the string or name token reads as text: a \\u escape of a lone surrogate does not.</summary>
    private static bool Unescapes(ref Utf8JsonReader reader)
    {
        try
        {
            reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// One pass of the reader before building a document: tells malformed JSON from JSON nested
    /// deeper than a deposit file ever is, and stops a hostile nesting before it costs anything.
    /// </summary>
    private static DepositIssue? ScanStructure(ReadOnlySpan<byte> json, int maxDepth)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth + 1 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject && (reader.CurrentDepth + 1 > maxDepth))
                    return new DepositIssue(DepositProblem.TooDeep, $"JSON nested deeper than {maxDepth} levels (a deposit file has 2)");
                // The reader takes any four hex digits after \u; a lone surrogate only fails when the text is read,
                // which would throw from the middle of the checks instead of naming the file's problem.
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped && !Unescapes(ref reader))
                    return new DepositIssue(DepositProblem.NotJson, $"a \\u escape that is no character (a lone surrogate) at byte {reader.TokenStartIndex + 1}");
            }
            return null;
        }
        catch (JsonException e)
        {
            return new DepositIssue(DepositProblem.NotJson,
                $"not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1})");
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>
    /// One file's entries: each is first checked on its own (shape, network, credentials, amount, roots,
    /// repeats), then the survivors' signatures are checked together, then the batch-wide rule on
    /// credential types is applied in file order.
    /// </summary>
    private sealed class BatchState(Network network, Address vault)
    {
        // Signatures are batch-verified in chunks (one multi-pairing per chunk, chunks in parallel);
        // a chunk that fails is re-checked one by one to name the bad entries.
        private const int SignatureChunk = 32;

        private readonly HashSet<BlsPublicKey> _seen = [];
        private readonly List<(int Position, DepositValidator Validator)> _candidates = [];
        private readonly List<DepositIssue> _issues = [];

        public void Check(JsonElement element, int position)
        {
            if (CheckEntry(element, position) is { } issue) _issues.Add(issue);
        }

        public DepositDataReport Finish()
        {
            var keyValid = new bool[_candidates.Count];
            var signatureValid = new bool[_candidates.Count];
            var chunks = Enumerable.Range(0, _candidates.Count).Chunk(SignatureChunk);
            Parallel.ForEach(chunks, chunk => VerifyChunk(chunk, keyValid, signatureValid));

            var accepted = new List<DepositValidator>();
            WithdrawalCredentialType? batchType = null;
            for (var i = 0; i < _candidates.Count; i++)
            {
                var (position, validator) = _candidates[i];
                if (!keyValid[i])
                    _issues.Add(new DepositIssue(DepositProblem.InvalidPublicKey, "pubkey is not a valid BLS12-381 public key", position, validator.PublicKey));
                else if (!signatureValid[i])
                    _issues.Add(new DepositIssue(DepositProblem.InvalidSignature, $"the deposit signature does not verify for {network.Name}", position, validator.PublicKey));
                else
                {
                    // The batch type is fixed by the first fully valid entry, so one stray entry cannot reject the rest.
                    batchType ??= validator.CredentialType;
                    if (validator.CredentialType == batchType)
                        accepted.Add(validator);
                    else
                        _issues.Add(new DepositIssue(DepositProblem.MixedCredentialTypes,
                            $"0x{(byte)validator.CredentialType:x2} credentials in a batch of 0x{(byte)batchType:x2} credentials; put each type in its own file",
                            position, validator.PublicKey));
                }
            }
            return new DepositDataReport(accepted, [.. _issues.OrderBy(i => i.Position)]);
        }

        private void VerifyChunk(int[] chunk, bool[] keyValid, bool[] signatureValid)
        {
            var sets = new List<(int Index, SignatureSet Set)>();
            foreach (var i in chunk)
            {
                var v = _candidates[i].Validator;
                keyValid[i] = BlsScheme.KeyValidate(v.PublicKey);
                if (!keyValid[i]) continue;
                var message = new DepositMessage(v.PublicKey, v.WithdrawalCredentials, v.Amount);
                sets.Add((i, new SignatureSet(v.PublicKey, DepositSigning.SigningRoot(network, message).ToArray(), v.Signature)));
            }
            if (sets.Count == 0) return;
            if (BlsScheme.BatchVerify([.. sets.Select(s => s.Set)]))
            {
                foreach (var (i, _) in sets) signatureValid[i] = true;
                return;
            }
            foreach (var (i, set) in sets) signatureValid[i] = BlsScheme.Verify(set.PublicKey, set.Message, set.Signature);
        }

        private DepositIssue? CheckEntry(JsonElement element, int position)
        {
            if (element.ValueKind != JsonValueKind.Object)
                return new DepositIssue(DepositProblem.NotAnObject, $"expected an object, found {Describe(element.ValueKind)}", position);

            var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
                if (!fields.TryAdd(property.Name, property.Value))
                    return new DepositIssue(DepositProblem.DuplicateField, $"field '{property.Name}' appears twice", position);

            var entry = new EntryReader(fields, position);
            if (!entry.Bytes("pubkey", 48, out var pubkeyBytes)) return entry.Issue;
            var publicKey = BlsPublicKey.From(pubkeyBytes);
            entry.PublicKey = publicKey;
            if (!entry.Bytes("withdrawal_credentials", 32, out var credentialBytes)
                || !entry.Amount(out var amount)
                || !entry.Bytes("signature", 96, out var signatureBytes)
                || !entry.Bytes("deposit_message_root", 32, out var messageRootBytes)
                || !entry.Bytes("deposit_data_root", 32, out var dataRootBytes)
                || !entry.Bytes("fork_version", 4, out var forkBytes)
                || !entry.OptionalString("network_name", out var networkName)
                || !entry.OptionalString("eth2_network_name", out var legacyNetworkName))
                return entry.Issue;

            if (!_seen.Add(publicKey))
                return entry.Fail(DepositProblem.DuplicatePublicKey, "the same public key appears earlier in the file");

            var forkVersion = Bytes4.From(forkBytes);
            if (forkVersion != network.GenesisForkVersion)
                return entry.Fail(DepositProblem.WrongForkVersion,
                    $"fork_version {forkVersion} is not {network.Name}'s genesis fork version {network.GenesisForkVersion}");
            if (NameMismatch(networkName ?? legacyNetworkName) is { } wrongName)
                return entry.Fail(DepositProblem.WrongNetworkName, $"network_name '{wrongName}' is not {network.Name}");

            var credentials = Bytes32.From(credentialBytes);
            if (CheckCredentials(credentials, entry) is { } credentialIssue) return credentialIssue;
            var type = WithdrawalCredentials.TypeOf(credentials);
            if (CheckAmount(type, amount, entry) is { } amountIssue) return amountIssue;

            var signature = BlsSignature.From(signatureBytes);
            var data = new DepositData(publicKey, credentials, amount, signature);
            var messageRoot = data.Message.HashTreeRoot();
            if (!messageRoot.Span.SequenceEqual(messageRootBytes))
                return entry.Fail(DepositProblem.DepositMessageRootMismatch,
                    $"deposit_message_root does not match the entry's fields (computed {messageRoot})");
            var dataRoot = data.HashTreeRoot();
            if (!dataRoot.Span.SequenceEqual(dataRootBytes))
                return entry.Fail(DepositProblem.DepositDataRootMismatch,
                    $"deposit_data_root does not match the entry's fields (computed {dataRoot})");

            _candidates.Add((position, new DepositValidator(publicKey, credentials, amount, signature, dataRoot)));
            return null;
        }

        private string? NameMismatch(string? name)
        {
            if (name is null || string.Equals(name, network.Name, StringComparison.OrdinalIgnoreCase)) return null;
            // A devnet's deposit tool may call it anything; only a name claiming another known network is wrong.
            var ourIsBuiltIn = Networks.TryGetBuiltIn(network.Name, out _);
            return ourIsBuiltIn || Networks.TryGetBuiltIn(name, out _) ? name : null;
        }

        private DepositIssue? CheckCredentials(Bytes32 credentials, EntryReader entry)
        {
            var type = WithdrawalCredentials.TypeOf(credentials);
            if (type == WithdrawalCredentialType.Bls)
                return entry.Fail(DepositProblem.BlsWithdrawalCredentials,
                    "0x00 (BLS) withdrawal credentials cannot belong to a vault; generate the deposit with 0x01 or 0x02 credentials to the vault address");
            if (type is not (WithdrawalCredentialType.Execution or WithdrawalCredentialType.Compounding))
                return entry.Fail(DepositProblem.UnsupportedWithdrawalCredentials,
                    $"withdrawal credentials of type 0x{(byte)type:x2}; a vault takes 0x01 or 0x02");
            if (credentials != WithdrawalCredentials.ForVault(type, vault))
                return entry.Fail(DepositProblem.CredentialsNotForVault,
                    $"withdrawal credentials {credentials} do not point at vault {vault}");
            return null;
        }

        private static DepositIssue? CheckAmount(WithdrawalCredentialType type, ulong amount, EntryReader entry)
        {
            if (type == WithdrawalCredentialType.Execution && amount != ExecutionAmount)
                return entry.Fail(DepositProblem.InvalidAmount, $"amount {amount} gwei: 0x01 credentials need exactly {ExecutionAmount} gwei (32 ETH)");
            if (type == WithdrawalCredentialType.Compounding && amount is < MinCompoundingAmount or > MaxCompoundingAmount)
                return entry.Fail(DepositProblem.InvalidAmount,
                    $"amount {amount} gwei: 0x02 credentials need {MinCompoundingAmount} to {MaxCompoundingAmount} gwei (32 to 2048 ETH)");
            return null;
        }
    }

    /// <summary>Reads typed fields of one entry, remembering the first problem as the entry's reason.</summary>
    private sealed class EntryReader(Dictionary<string, JsonElement> fields, int position)
    {
        public BlsPublicKey? PublicKey { get; set; }
        public DepositIssue? Issue { get; private set; }

        public DepositIssue Fail(DepositProblem problem, string reason) => Issue = new DepositIssue(problem, reason, position, PublicKey);

        public bool Bytes(string name, int length, out byte[] bytes)
        {
            bytes = [];
            if (!String(name, out var text)) return false;
            var digits = text.AsSpan();
            if (digits.StartsWith("0x") || digits.StartsWith("0X")) digits = digits[2..];
            foreach (var c in digits)
                if (!char.IsAsciiHexDigit(c))
                {
                    Fail(DepositProblem.NotHex, $"{name} is not hex");
                    return false;
                }
            if (digits.Length != length * 2)
            {
                Fail(DepositProblem.WrongLength, $"{name} must be {length} bytes ({length * 2} hex digits), got {digits.Length} hex digits");
                return false;
            }
            bytes = Convert.FromHexString(digits);
            return true;
        }

        public bool Amount(out ulong amount)
        {
            amount = 0;
            if (!Present("amount", out var value)) return false;
            if (value.ValueKind != JsonValueKind.Number)
            {
                Fail(DepositProblem.WrongType, $"amount must be a JSON number of gwei, found {Describe(value.ValueKind)}");
                return false;
            }
            if (!value.TryGetUInt64(out amount))
            {
                Fail(DepositProblem.InvalidAmount, $"amount {value.GetRawText()} is not a whole, non-negative number of gwei");
                return false;
            }
            return true;
        }

        public bool OptionalString(string name, out string? text)
        {
            text = null;
            if (!fields.TryGetValue(name, out var value)) return true;
            if (value.ValueKind != JsonValueKind.String)
            {
                Fail(DepositProblem.WrongType, $"{name} must be a string, found {Describe(value.ValueKind)}");
                return false;
            }
            text = value.GetString();
            return true;
        }

        private bool String(string name, out string text)
        {
            text = "";
            if (!Present(name, out var value)) return false;
            if (value.ValueKind != JsonValueKind.String)
            {
                Fail(DepositProblem.WrongType, $"{name} must be a hex string, found {Describe(value.ValueKind)}");
                return false;
            }
            text = value.GetString()!;
            return true;
        }

        private bool Present(string name, out JsonElement value)
        {
            if (fields.TryGetValue(name, out value)) return true;
            Fail(DepositProblem.MissingField, $"field '{name}' is missing");
            return false;
        }
    }
}
