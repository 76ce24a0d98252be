using System.Text.Json.Serialization;

namespace DvtBus.Devnet.Oracles;

/// <summary>What the operator POSTs to every oracle (PROTOCOL.md, "Oracle approval"); hex strings are 0x-prefixed.</summary>
public sealed class ApprovalRequest
{
    [JsonPropertyName("validator_index")] public ulong? ValidatorIndex { get; set; }
    [JsonPropertyName("vault_address")] public string? VaultAddress { get; set; }
    [JsonPropertyName("validators_root")] public string? ValidatorsRoot { get; set; }
    [JsonPropertyName("public_keys")] public List<string>? PublicKeys { get; set; }
    [JsonPropertyName("deposit_signatures")] public List<string>? DepositSignatures { get; set; }
    [JsonPropertyName("public_key_shards")] public List<List<string>>? PublicKeyShards { get; set; }
    [JsonPropertyName("exit_signature_shards")] public List<List<string>>? ExitSignatureShards { get; set; }
    [JsonPropertyName("deadline")] public long? Deadline { get; set; }
    [JsonPropertyName("validators_manager_signature")] public string? ValidatorsManagerSignature { get; set; }
}

/// <summary>An oracle's approval: its KeeperValidators signature, the content id of the exit shards, and the deadline it signed.</summary>
public sealed record Approval(
    [property: JsonPropertyName("signature")] string Signature,
    [property: JsonPropertyName("ipfs_hash")] string IpfsHash,
    [property: JsonPropertyName("deadline")] long Deadline);
