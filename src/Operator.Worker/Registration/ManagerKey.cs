using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.Transactions;
using DvtBus.Keystores;

namespace DvtBus.Operator.Registration;

/// <summary>
/// The validators manager's key, decrypted once from its keystore v3 and password file (read as raw
/// bytes: a trailing newline is part of the password), and the one transaction sender that uses it,
/// so that its local nonce counter sees every registration.
/// </summary>
public sealed class ManagerKey(string keystoreFile, string passwordFile, EthRpcClient rpc, ulong chainId) : IDisposable
{
    private readonly Lazy<(EthPrivateKey Key, TransactionSender Sender)> _loaded = new(() =>
    {
        var keystore = EthereumKeystore.Load(keystoreFile);
        using var password = KeystorePassword.ReadFile(passwordFile);
        var secret = keystore.DecryptPrivateKey(password);
        try
        {
            var key = EthPrivateKey.FromBytes(secret);
            return (key, new TransactionSender(rpc, key, chainId));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }
    });

    public EthPrivateKey Key => _loaded.Value.Key;

    public TransactionSender Sender => _loaded.Value.Sender;

    public void Dispose()
    {
        if (_loaded.IsValueCreated) _loaded.Value.Key.Dispose();
    }

    public override string ToString() => "ManagerKey(redacted)";
}
