using System.Security.Cryptography;
using System.Text;
using DvtBus.Keystores.Internal;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Ssv;

/// <summary>
/// An SSV operator's RSA private key, which decrypts the BLS key shares the network assigns to the
/// operator. Never printed; disposed with its RSA handle.
/// </summary>
public sealed class SsvOperatorKey : IDisposable
{
    private readonly RSA _rsa;

    private SsvOperatorKey(RSA rsa)
    {
        _rsa = rsa;
        PublicKey = SsvOperatorPublicKey.FromRsa(rsa);
    }

    public SsvOperatorPublicKey PublicKey { get; }

    /// <summary>
    /// Decrypts an ssv-node / ssv-dkg `encrypted_private_key.json`: an EIP-2335 crypto module at the
    /// top level (or under `crypto`) whose secret is the PEM text of the RSA key.
    /// </summary>
    public static SsvOperatorKey FromKeystore(string json, KeystorePassword password)
    {
        var root = JsonFields.ParseObject(json, "operator keystore");
        var crypto = Eip2335Crypto.Parse(root["crypto"] as System.Text.Json.Nodes.JsonObject ?? root);
        var pem = crypto.Decrypt(password);
        // Characters in an array that is cleared, not a string, which would keep the private key until collected.
        var chars = new char[pem.Length];
        try
        {
            Encoding.ASCII.GetChars(pem, chars);
            return FromPem(chars);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pem);
            Array.Clear(chars);
        }
    }

    /// <summary>Reads an encrypted operator key and its password file; errors name the files.</summary>
    public static SsvOperatorKey Load(string keystoreFile, string passwordFile)
    {
        string json;
        try
        {
            json = File.ReadAllText(keystoreFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyMaterialException($"cannot read operator keystore {keystoreFile}: {e.Message}", e);
        }
        using var password = KeystorePassword.ReadFile(passwordFile);
        try
        {
            return FromKeystore(json, password);
        }
        catch (WrongPasswordException e)
        {
            throw new WrongPasswordException($"operator keystore {keystoreFile}: {e.Message}", e);
        }
        catch (KeyMaterialException e)
        {
            throw new KeyMaterialException($"operator keystore {keystoreFile}: {e.Message}", e);
        }
    }

    /// <summary>An RSA private key in PEM: PKCS#1 ("RSA PRIVATE KEY") or PKCS#8 ("PRIVATE KEY").</summary>
    public static SsvOperatorKey FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        return FromPem(pem.AsSpan());
    }

    public static SsvOperatorKey FromPem(ReadOnlySpan<char> pem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new KeyMaterialException("operator key is not an RSA private key in PEM");
        }
        if (rsa.KeySize < 2048)
        {
            rsa.Dispose();
            throw new KeyMaterialException($"operator RSA key is {rsa.KeySize} bits, at least 2048 required");
        }
        return new SsvOperatorKey(rsa);
    }

    /// <summary>RSA PKCS#1 v1.5 decryption.</summary>
    public byte[] Decrypt(ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length != _rsa.KeySize / 8)
            throw new KeyMaterialException($"ciphertext is {ciphertext.Length} bytes, the operator key needs {_rsa.KeySize / 8}");
        try
        {
            return _rsa.Decrypt(ciphertext.ToArray(), RSAEncryptionPadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            throw new KeyMaterialException("ciphertext does not decrypt with this operator key");
        }
    }

    /// <summary>
    /// Decrypts one encrypted key share: the plaintext is the hex text of the 32-byte share
    /// (ssv-keys and ssv-dkg write it without 0x; a prefix is tolerated).
    /// </summary>
    public byte[] DecryptShareSecret(ReadOnlySpan<byte> encryptedShare)
    {
        var plain = Decrypt(encryptedShare);
        var secret = new byte[32];
        try
        {
            // Decoded from the bytes themselves: no string copy of the share is left behind.
            ReadOnlySpan<byte> digits = plain;
            if (digits.Length >= 2 && digits[0] == (byte)'0' && (digits[1] | 0x20) == (byte)'x') digits = digits[2..];
            if (digits.Length != 64 || Convert.FromHexString(digits, secret, out _, out _) != System.Buffers.OperationStatus.Done)
                throw new KeyMaterialException("decrypted share is not the hex text of 32 bytes (wrong operator key?)");
            return secret;
        }
        catch
        {
            CryptographicOperations.ZeroMemory(secret);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    public void Dispose() => _rsa.Dispose();

    public override string ToString() => $"SsvOperatorKey(redacted, public {PublicKey})";
}
