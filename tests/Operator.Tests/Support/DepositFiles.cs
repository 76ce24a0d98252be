using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Ethereum.Abi;
using DvtBus.Primitives;
using DvtBus.TestSupport;

namespace DvtBus.Operator.Tests.Support;

/// <summary>Deposit-data files as staking-deposit-cli writes them, signed with known BLS keys for a test network and vault.</summary>
public static class DepositFiles
{
    public const ulong Gwei32Eth = DepositContract.Gwei32Eth;

    public static Network Devnet(Address depositContract, ulong chainId = 31337) => new(
        "operator-devnet", chainId, new Bytes4(0x10000038), new Bytes4(0x40000038), 0,
        Bytes32.From(SHA256.HashData("operator-devnet genesis"u8)), depositContract, 32, 12);

    public static BlsSecretKey Key(string label) =>
        BlsSecretKey.FromBytes(Scalar(SHA256.HashData(Encoding.UTF8.GetBytes("operator-test-" + label))));

    /// <summary>One deposit entry for the vault's 0x01 credentials, with its roots and signature.</summary>
    public static DepositValidator Entry(Network network, Address vault, string label)
    {
        using var key = Key(label);
        return DepositContract.Entry(network, key, vault);
    }

    public static string Json(Network network, IEnumerable<DepositValidator> validators) =>
        JsonSerializer.Serialize(validators.Select(v => new Dictionary<string, object>
        {
            ["pubkey"] = Hex.Encode(v.PublicKey.Span, prefix: false),
            ["withdrawal_credentials"] = Hex.Encode(v.WithdrawalCredentials.Span, prefix: false),
            ["amount"] = v.Amount,
            ["signature"] = Hex.Encode(v.Signature.Span, prefix: false),
            ["deposit_message_root"] = Hex.Encode(new DepositMessage(v.PublicKey, v.WithdrawalCredentials, v.Amount).HashTreeRoot().Span, prefix: false),
            ["deposit_data_root"] = Hex.Encode(v.DepositDataRoot.Span, prefix: false),
            ["fork_version"] = Hex.Encode(BitConverter.GetBytes(network.GenesisForkVersion.BigEndianValue).Reverse().ToArray(), prefix: false),
            ["network_name"] = network.Name,
            ["deposit_cli_version"] = "2.7.0",
        }));

    /// <summary>Keeps a hash below the BLS12-381 group order by clearing its top bits; enough for test keys.</summary>
    private static byte[] Scalar(byte[] hash)
    {
        hash[0] &= 0x3F;
        if (hash.All(b => b == 0)) hash[31] = 1;
        return hash;
    }
}
