using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Keystores.Internal;
using DvtBus.Primitives;

namespace DvtBus.Keystores;

/// <summary>
/// An EIP-2335 (version 4) keystore as written by deposit-cli, charon, eth-staking-smith and
/// wealdtech: scrypt or PBKDF2-HMAC-SHA256, sha256 checksum, AES-128-CTR.
/// </summary>
public sealed class Eip2335Keystore
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly Eip2335Crypto _crypto;

    private Eip2335Keystore(Eip2335Crypto crypto, BlsPublicKey? publicKey, string path, string uuid, string description)
    {
        _crypto = crypto;
        PublicKey = publicKey;
        Path = path;
        Uuid = uuid;
        Description = description;
    }

    /// <summary>The `pubkey` field; absent or empty in some tools' output.</summary>
    public BlsPublicKey? PublicKey { get; }

    public string Path { get; }
    public string Uuid { get; }
    public string Description { get; }
    public KdfFunction Kdf => _crypto.KdfFunction;

    public static Eip2335Keystore Parse(string json)
    {
        var root = JsonFields.ParseObject(json, "keystore");
        var version = JsonFields.Int(root, "version");
        if (version != 4) throw new KeyMaterialException($"keystore version must be 4, got {version}");
        var crypto = Eip2335Crypto.Parse(JsonFields.Object(root, "crypto"));
        var pubkeyHex = JsonFields.OptionalString(root, "pubkey");
        BlsPublicKey? publicKey = null;
        if (!string.IsNullOrEmpty(pubkeyHex))
            publicKey = BlsPublicKey.TryParse(pubkeyHex, out var pk)
                ? pk
                : throw new KeyMaterialException("keystore pubkey is not 48 bytes of hex");
        return new Eip2335Keystore(crypto, publicKey,
            JsonFields.OptionalString(root, "path") ?? "",
            JsonFields.OptionalString(root, "uuid") ?? "",
            JsonFields.OptionalString(root, "description") ?? "");
    }

    /// <summary>Reads and parses one keystore file; errors name the file.</summary>
    public static Eip2335Keystore Load(string file) =>
        KeyFile.Load(file, "keystore", Parse);

    /// <summary>The decrypted secret bytes, whatever they encode. Throws <see cref="WrongPasswordException"/> on a checksum mismatch.</summary>
    public byte[] DecryptSecret(KeystorePassword password) => _crypto.Decrypt(password);

    /// <summary>Decrypts a BLS secret key and checks it against the `pubkey` field when there is one.</summary>
    public BlsSecretKey DecryptKey(KeystorePassword password)
    {
        var secret = DecryptSecret(password);
        try
        {
            if (secret.Length != 32) throw new KeyMaterialException($"decrypted secret is {secret.Length} bytes, a BLS key is 32");
            if (!BlsSecretKey.TryFromBytes(secret, out var key) || key is null)
                throw new KeyMaterialException("decrypted secret is not a valid BLS secret key (zero or not below the group order)");
            if (PublicKey is { } expected && key.PublicKey != expected)
            {
                key.Dispose();
                throw new KeyMaterialException($"decrypted key does not match the keystore pubkey {expected}");
            }
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Encrypts arbitrary secret bytes with a fresh salt, IV and UUID.</summary>
    public static Eip2335Keystore Encrypt(ReadOnlySpan<byte> secret, KeystorePassword password, KdfOptions options,
        BlsPublicKey? publicKey = null, string path = "", string description = "")
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(description);
        return new Eip2335Keystore(Eip2335Crypto.Encrypt(secret, password, options), publicKey, path,
            Guid.NewGuid().ToString(), description);
    }

    /// <summary>Encrypts a BLS secret key, recording its public key.</summary>
    public static Eip2335Keystore Encrypt(BlsSecretKey key, KeystorePassword password, KdfOptions options, string path = "")
    {
        ArgumentNullException.ThrowIfNull(key);
        var secret = key.ToBytes();
        try
        {
            return Encrypt(secret, password, options, key.PublicKey, path);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public string ToJson()
    {
        var root = new JsonObject
        {
            ["crypto"] = _crypto.ToJson(),
            ["description"] = Description,
            ["pubkey"] = PublicKey is { } pk ? Hex.Encode(pk.Span, prefix: false) : "",
            ["path"] = Path,
            ["uuid"] = Uuid,
            ["version"] = 4,
        };
        return root.ToJsonString(Indented);
    }

    public override string ToString() => $"Eip2335Keystore(pubkey {PublicKey?.ToString() ?? "none"}, {Kdf})";
}
