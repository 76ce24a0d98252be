using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Primitives;

namespace DvtBus.Devnet.Cluster;

/// <summary>
/// deposit-data.json the way staking-deposit-cli writes it: one object per validator, hex without 0x,
/// amount in gwei as a number, 0x01 credentials to the vault and 32 ETH, signed under the network's
/// genesis fork version. Charon writes the same shape from the threshold-signed deposit.
/// </summary>
public static class DepositDataWriter
{
    public const ulong Amount = 32_000_000_000;

    /// <summary>What deposit-cli records as its version; the operator does not depend on it.</summary>
    public const string CliVersion = "2.7.0";

    public static JsonObject Entry(Network network, BlsSecretKey key, Address vault)
    {
        var credentials = WithdrawalCredentials.ForVault(WithdrawalCredentialType.Execution, vault);
        var message = new DepositMessage(key.PublicKey, credentials, Amount);
        var signature = DepositSigning.Sign(network, key, message);
        var data = new DepositData(key.PublicKey, credentials, Amount, signature);
        return new JsonObject
        {
            ["pubkey"] = Bare(key.PublicKey.Span),
            ["withdrawal_credentials"] = Bare(credentials.Span),
            ["amount"] = Amount,
            ["signature"] = Bare(signature.Span),
            ["deposit_message_root"] = Bare(message.HashTreeRoot().Span),
            ["deposit_data_root"] = Bare(data.HashTreeRoot().Span),
            ["fork_version"] = Hex.Encode(network.GenesisForkVersion.ToArray(), prefix: false),
            ["network_name"] = network.Name,
            ["deposit_cli_version"] = CliVersion,
        };
    }

    private static string Bare(ReadOnlySpan<byte> bytes) => Hex.Encode(bytes, prefix: false);
}
