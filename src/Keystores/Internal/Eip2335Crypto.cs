using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace DvtBus.Keystores.Internal;

/// <summary>The `crypto` module of an EIP-2335 keystore: KDF, sha256 checksum, AES-128-CTR.</summary>
internal sealed class Eip2335Crypto
{
    private readonly Kdf _kdf;
    private readonly byte[] _checksum;
    private readonly byte[] _iv;
    private readonly byte[] _ciphertext;

    private Eip2335Crypto(Kdf kdf, byte[] checksum, byte[] iv, byte[] ciphertext)
    {
        _kdf = kdf;
        _checksum = checksum;
        _iv = iv;
        _ciphertext = ciphertext;
    }

    public KdfFunction KdfFunction => _kdf.Function;

    public static Eip2335Crypto Parse(JsonObject crypto)
    {
        var kdf = JsonFields.Object(crypto, "kdf");
        var checksum = JsonFields.Object(crypto, "checksum");
        var cipher = JsonFields.Object(crypto, "cipher");

        var parsedKdf = Kdf.Parse(JsonFields.String(kdf, "function"), JsonFields.Object(kdf, "params"));
        var checksumFunction = JsonFields.String(checksum, "function");
        if (checksumFunction != "sha256") throw new KeyMaterialException($"unsupported checksum function '{checksumFunction}' (only sha256)");
        var checksumBytes = JsonFields.HexBytes(checksum, "message");
        if (checksumBytes.Length != 32) throw new KeyMaterialException($"checksum must be 32 bytes, got {checksumBytes.Length}");
        var cipherFunction = JsonFields.String(cipher, "function");
        if (cipherFunction != "aes-128-ctr") throw new KeyMaterialException($"unsupported cipher '{cipherFunction}' (only aes-128-ctr)");
        var iv = JsonFields.HexBytes(JsonFields.Object(cipher, "params"), "iv");
        if (iv.Length != AesCtr.IvLength) throw new KeyMaterialException($"cipher iv must be {AesCtr.IvLength} bytes, got {iv.Length}");
        var ciphertext = JsonFields.HexBytes(cipher, "message");
        if (ciphertext.Length == 0) throw new KeyMaterialException("cipher message is empty");
        return new Eip2335Crypto(parsedKdf, checksumBytes, iv, ciphertext);
    }

    public static Eip2335Crypto Encrypt(ReadOnlySpan<byte> secret, KeystorePassword password, KdfOptions options)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (secret.IsEmpty) throw new ArgumentException("secret is empty", nameof(secret));
        var kdf = Kdf.Create(options);
        var pw = password.Eip2335Bytes();
        var dk = kdf.Derive(pw);
        try
        {
            var iv = RandomNumberGenerator.GetBytes(AesCtr.IvLength);
            var ciphertext = AesCtr.Transform(dk.AsSpan(0, 16), iv, secret);
            return new Eip2335Crypto(kdf, Checksum(dk, ciphertext), iv, ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pw);
            CryptographicOperations.ZeroMemory(dk);
        }
    }

    public byte[] Decrypt(KeystorePassword password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var pw = password.Eip2335Bytes();
        var dk = _kdf.Derive(pw);
        try
        {
            if (!CryptographicOperations.FixedTimeEquals(Checksum(dk, _ciphertext), _checksum))
                throw new WrongPasswordException();
            return AesCtr.Transform(dk.AsSpan(0, 16), _iv, _ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pw);
            CryptographicOperations.ZeroMemory(dk);
        }
    }

    private static byte[] Checksum(byte[] dk, byte[] ciphertext)
    {
        var input = new byte[16 + ciphertext.Length];
        dk.AsSpan(16, 16).CopyTo(input);
        ciphertext.CopyTo(input, 16);
        var checksum = SHA256.HashData(input);
        CryptographicOperations.ZeroMemory(input);
        return checksum;
    }

    public JsonObject ToJson() => new()
    {
        ["kdf"] = new JsonObject { ["function"] = _kdf.FunctionName, ["params"] = _kdf.ToParams(), ["message"] = "" },
        ["checksum"] = new JsonObject { ["function"] = "sha256", ["params"] = new JsonObject(), ["message"] = Convert.ToHexStringLower(_checksum) },
        ["cipher"] = new JsonObject
        {
            ["function"] = "aes-128-ctr",
            ["params"] = new JsonObject { ["iv"] = Convert.ToHexStringLower(_iv) },
            ["message"] = Convert.ToHexStringLower(_ciphertext),
        },
    };
}
