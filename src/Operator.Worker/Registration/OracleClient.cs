using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using DvtBus.Ethereum.Crypto;
using Microsoft.Extensions.Logging;

namespace DvtBus.Operator.Registration;

/// <summary>The approval request PROTOCOL.md describes, as every oracle endpoint receives it.</summary>
public sealed record ApprovalRequest(
    [property: JsonPropertyName("validator_index")] ulong ValidatorIndex,
    [property: JsonPropertyName("vault_address")] string VaultAddress,
    [property: JsonPropertyName("validators_root")] string ValidatorsRoot,
    [property: JsonPropertyName("public_keys")] IReadOnlyList<string> PublicKeys,
    [property: JsonPropertyName("deposit_signatures")] IReadOnlyList<string> DepositSignatures,
    [property: JsonPropertyName("public_key_shards")] IReadOnlyList<IReadOnlyList<string>> PublicKeyShards,
    [property: JsonPropertyName("exit_signature_shards")] IReadOnlyList<IReadOnlyList<string>> ExitSignatureShards,
    [property: JsonPropertyName("deadline")] long Deadline,
    [property: JsonPropertyName("validators_manager_signature")] string? ValidatorsManagerSignature);

/// <summary>Posts one approval request to every oracle at once; an oracle that fails or is late simply gives no answer.</summary>
public sealed partial class OracleClient(HttpClient http, IReadOnlyList<Uri> oracles, TimeSpan timeout, ILogger<OracleClient> logger)
{
    public async Task<IReadOnlyList<OracleApproval>> RequestAsync(ApprovalRequest request, CancellationToken ct)
    {
        var answers = await Task.WhenAll(oracles.Select((url, i) => AskAsync(i, url, request, ct)));
        return answers.OfType<OracleApproval>().ToList();
    }

    private async Task<OracleApproval?> AskAsync(int oracle, Uri url, ApprovalRequest request, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await http.PostAsJsonAsync(url, request, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                OracleRefused(logger, oracle, (int)response.StatusCode);
                return null;
            }
            var answer = await response.Content.ReadFromJsonAsync<Answer>(deadline.Token);
            // A deadline of zero or below is no time at all (and no uint256 to hash): the answer is unusable.
            if (answer?.Signature is null || answer.IpfsHash is null || answer.Deadline <= 0)
            {
                OracleMalformed(logger, oracle);
                return null;
            }
            return new OracleApproval(EthSignature.Parse(answer.Signature), answer.IpfsHash, answer.Deadline);
        }
        // Whatever one oracle sends (a charset the runtime does not know, say), it costs only its own answer: the
        // others are still counted.
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // The URL may carry a token: the oracle is named by its place in the configuration only.
            OracleUnavailable(logger, oracle, e.GetType().Name);
            return null;
        }
    }

    private sealed record Answer(
        [property: JsonPropertyName("signature")] string? Signature,
        [property: JsonPropertyName("ipfs_hash")] string? IpfsHash,
        [property: JsonPropertyName("deadline")] long Deadline);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Oracle {Oracle} refused the approval request with HTTP {Status}")]
    private static partial void OracleRefused(ILogger logger, int oracle, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Oracle {Oracle} answered without a signature, a content id or a positive deadline")]
    private static partial void OracleMalformed(ILogger logger, int oracle);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Oracle {Oracle} did not answer ({Error})")]
    private static partial void OracleUnavailable(ILogger logger, int oracle, string error);
}
