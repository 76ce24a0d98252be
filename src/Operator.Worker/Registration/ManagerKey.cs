using DvtBus.Ethereum.Crypto;
using DvtBus.Keystores;

namespace DvtBus.Operator.Registration;

/// <summary>
/// The validators manager's key, decrypted once, at first use, from its keystore v3 and password file
/// (read as raw bytes: a trailing newline is part of the password). Transactions are signed by
/// <see cref="RegistrationSender"/>, which records each before it is broadcast.
/// </summary>
public sealed class ManagerKey(string keystoreFile, string passwordFile) : IDisposable
{
    private readonly Lazy<EthPrivateKey> _key = new(() =>
    {
        var keystore = EthereumKeystore.Load(keystoreFile);
        using var password = KeystorePassword.ReadFile(passwordFile);
        var secret = keystore.DecryptPrivateKey(password);
        try
        {
            return EthPrivateKey.FromBytes(secret);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }
    });

    public EthPrivateKey Key => _key.Value;

    public void Dispose()
    {
        if (_key.IsValueCreated) _key.Value.Dispose();
    }

    public override string ToString() => "ManagerKey(redacted)";
}
