using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Keystores.Internal;
using DvtBus.Primitives;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;

namespace DvtBus.Keystores;

/// <summary>
/// An Ethereum (Web3 Secret Storage, version 3) keystore holding a secp256k1 private key, as geth,
/// ethers and web3 write it: scrypt or PBKDF2, AES-128-CTR, keccak256 MAC. The password is used as its
/// UTF-8 bytes without normalisation, as geth does.
/// </summary>
public sealed class EthereumKeystore
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly X9ECParameters Secp256k1 = Org.BouncyCastle.Asn1.Sec.SecNamedCurves.GetByName("secp256k1");

    private readonly Kdf _kdf;
    private readonly byte[] _iv;
    private readonly byte[] _ciphertext;
    private readonly byte[] _mac;

    private EthereumKeystore(Kdf kdf, byte[] iv, byte[] ciphertext, byte[] mac, Address? address, string id)
    {
        _kdf = kdf;
        _iv = iv;
        _ciphertext = ciphertext;
        _mac = mac;
        Address = address;
        Id = id;
    }

    /// <summary>The `address` field when present; checked against the decrypted key.</summary>
    public Address? Address { get; }

    public string Id { get; }
    public KdfFunction Kdf => _kdf.Function;

    public static EthereumKeystore Parse(string json)
    {
        var root = JsonFields.ParseObject(json, "keystore");
        var version = JsonFields.Int(root, "version");
        if (version != 3) throw new KeyMaterialException($"keystore version must be 3, got {version}");
        // Old geth files spell the section "Crypto".
        var crypto = root["crypto"] as JsonObject ?? root["Crypto"] as JsonObject
            ?? throw new KeyMaterialException("missing or non-object field 'crypto'");
        var cipher = JsonFields.String(crypto, "cipher");
        if (cipher != "aes-128-ctr") throw new KeyMaterialException($"unsupported cipher '{cipher}' (only aes-128-ctr)");
        var iv = JsonFields.HexBytes(JsonFields.Object(crypto, "cipherparams"), "iv");
        if (iv.Length != AesCtr.IvLength) throw new KeyMaterialException($"cipher iv must be {AesCtr.IvLength} bytes, got {iv.Length}");
        var ciphertext = JsonFields.HexBytes(crypto, "ciphertext");
        if (ciphertext.Length != 32) throw new KeyMaterialException($"ciphertext must be 32 bytes, got {ciphertext.Length}");
        var mac = JsonFields.HexBytes(crypto, "mac");
        if (mac.Length != 32) throw new KeyMaterialException($"mac must be 32 bytes, got {mac.Length}");
        var kdf = Internal.Kdf.Parse(JsonFields.String(crypto, "kdf"), JsonFields.Object(crypto, "kdfparams"));

        Address? address = null;
        var addressHex = JsonFields.OptionalString(root, "address");
        if (!string.IsNullOrEmpty(addressHex))
            address = Primitives.Address.TryParse(addressHex, out var a)
                ? a
                : throw new KeyMaterialException("keystore address is not 20 bytes of hex");
        return new EthereumKeystore(kdf, iv, ciphertext, mac, address, JsonFields.OptionalString(root, "id") ?? "");
    }

    /// <summary>Reads and parses one keystore file; errors name the file.</summary>
    public static EthereumKeystore Load(string file) =>
        KeyFile.Load(file, "keystore", Parse);

    /// <summary>The 32-byte private key. Throws <see cref="WrongPasswordException"/> on a MAC mismatch.</summary>
    public byte[] DecryptPrivateKey(KeystorePassword password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var dk = _kdf.Derive(password.Utf8);
        try
        {
            if (!CryptographicOperations.FixedTimeEquals(Mac(dk, _ciphertext), _mac))
                throw new WrongPasswordException("MAC mismatch: wrong password?");
            var key = AesCtr.Transform(dk.AsSpan(0, 16), _iv, _ciphertext);
            if (!IsValidPrivateKey(key))
            {
                CryptographicOperations.ZeroMemory(key);
                throw new KeyMaterialException("decrypted key is not a valid secp256k1 private key");
            }
            if (Address is { } expected && AddressOf(key) != expected)
            {
                CryptographicOperations.ZeroMemory(key);
                throw new KeyMaterialException($"decrypted key does not belong to the keystore address {expected}");
            }
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dk);
        }
    }

    public static EthereumKeystore Encrypt(ReadOnlySpan<byte> privateKey, KeystorePassword password, KdfOptions options)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (privateKey.Length != 32 || !IsValidPrivateKey(privateKey))
            throw new ArgumentException("not a valid 32-byte secp256k1 private key", nameof(privateKey));
        var kdf = Internal.Kdf.Create(options);
        var dk = kdf.Derive(password.Utf8);
        try
        {
            var iv = RandomNumberGenerator.GetBytes(AesCtr.IvLength);
            var ciphertext = AesCtr.Transform(dk.AsSpan(0, 16), iv, privateKey);
            return new EthereumKeystore(kdf, iv, ciphertext, Mac(dk, ciphertext), AddressOf(privateKey), Guid.NewGuid().ToString());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dk);
        }
    }

    /// <summary>The account address of a secp256k1 private key: the last 20 bytes of keccak256 of the uncompressed public key.</summary>
    public static Address AddressOf(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != 32 || !IsValidPrivateKey(privateKey))
            throw new ArgumentException("not a valid 32-byte secp256k1 private key", nameof(privateKey));
        var d = new Org.BouncyCastle.Math.BigInteger(1, privateKey.ToArray());
        var point = Secp256k1.G.Multiply(d).Normalize().GetEncoded(false);
        var hash = Keccak256(point.AsSpan(1));
        return Primitives.Address.From(hash.AsSpan(12));
    }

    private static bool IsValidPrivateKey(ReadOnlySpan<byte> key)
    {
        var d = new Org.BouncyCastle.Math.BigInteger(1, key.ToArray());
        return d.SignValue > 0 && d.CompareTo(Secp256k1.N) < 0;
    }

    private static byte[] Mac(byte[] dk, byte[] ciphertext)
    {
        var input = new byte[16 + ciphertext.Length];
        dk.AsSpan(16, 16).CopyTo(input);
        ciphertext.CopyTo(input, 16);
        var mac = Keccak256(input);
        CryptographicOperations.ZeroMemory(input);
        return mac;
    }

    internal static byte[] Keccak256(ReadOnlySpan<byte> data)
    {
        var digest = new KeccakDigest(256);
        var input = data.ToArray();
        digest.BlockUpdate(input, 0, input.Length);
        var output = new byte[32];
        digest.DoFinal(output, 0);
        return output;
    }

    public string ToJson()
    {
        var root = new JsonObject
        {
            ["version"] = 3,
            ["id"] = Id,
            ["address"] = Address is { } a ? Hex.Encode(a.Span, prefix: false) : null,
            ["crypto"] = new JsonObject
            {
                ["cipher"] = "aes-128-ctr",
                ["cipherparams"] = new JsonObject { ["iv"] = Convert.ToHexStringLower(_iv) },
                ["ciphertext"] = Convert.ToHexStringLower(_ciphertext),
                ["kdf"] = _kdf.FunctionName,
                ["kdfparams"] = _kdf.ToParams(),
                ["mac"] = Convert.ToHexStringLower(_mac),
            },
        };
        return root.ToJsonString(Indented);
    }

    public override string ToString() => $"EthereumKeystore(address {Address?.ToString() ?? "none"}, {Kdf})";
}
