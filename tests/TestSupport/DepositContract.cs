using System.Numerics;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Ethereum.Abi;
using DvtBus.Ethereum.Transactions;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.TestSupport;

/// <summary>Deposits made straight to a devnet's deposit contract, as any other staker's would be.</summary>
public static class DepositContract
{
    public const ulong Gwei32Eth = 32_000_000_000;

    private static readonly AbiFunction Deposit = AbiFunction.Parse("deposit(bytes pubkey,bytes withdrawal_credentials,bytes signature,bytes32 deposit_data_root)");

    /// <summary>A 32 ETH deposit of <paramref name="key"/> for the vault's 0x01 credentials, with its roots and signature.</summary>
    public static DepositValidator Entry(Network network, BlsSecretKey key, Address vault)
    {
        var credentials = WithdrawalCredentials.ForVault(WithdrawalCredentialType.Execution, vault);
        var publicKey = key.PublicKey;
        var signature = DepositSigning.Sign(network, key, new DepositMessage(publicKey, credentials, Gwei32Eth));
        return new DepositValidator(publicKey, credentials, Gwei32Eth, signature, new DepositData(publicKey, credentials, Gwei32Eth, signature).HashTreeRoot());
    }

    /// <summary>The deposit contract's <c>deposit</c> call for the entry; it must carry the entry's amount in wei (<see cref="Wei"/>).</summary>
    public static byte[] Call(DepositValidator v) =>
        Deposit.EncodeCall(v.PublicKey.ToArray(), v.WithdrawalCredentials.ToArray(), v.Signature.ToArray(), v.DepositDataRoot);

    public static BigInteger Wei(DepositValidator v) => new BigInteger(v.Amount) * 1_000_000_000;

    /// <summary>Sends the deposit and returns its transaction once mined; asserts it did not revert.</summary>
    public static async Task<Bytes32> DepositAsync(TransactionSender sender, Address depositContract, DepositValidator v)
    {
        // Bounded: a transaction anvil keeps pending (a nonce gap) fails the test instead of hanging the run.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receipt = await sender.SendAndWaitAsync(new TransactionRequest(depositContract, Call(v), Wei(v)), cancellationToken: timeout.Token);
        Assert.True(receipt.Succeeded, $"deposit {receipt.TransactionHash} reverted");
        return receipt.TransactionHash;
    }
}
