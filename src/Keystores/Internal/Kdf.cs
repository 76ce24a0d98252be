using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Org.BouncyCastle.Crypto.Generators;

namespace DvtBus.Keystores.Internal;

/// <summary>A parsed KDF section (EIP-2335 `kdf` or v3 `kdfparams`), bounded so a hostile file cannot exhaust the host.</summary>
internal sealed class Kdf
{
    public const int KeyLength = 32;
    private const int MaxPbkdf2Iterations = 10_000_000;
    private const long MaxScryptMemory = 1L << 30;

    private Kdf(KdfFunction function, byte[] salt, int cost, int r, int p)
    {
        Function = function;
        Salt = salt;
        Cost = cost;
        R = r;
        P = p;
    }

    public KdfFunction Function { get; }
    public byte[] Salt { get; }
    public int Cost { get; }
    public int R { get; }
    public int P { get; }

    public static Kdf Create(KdfOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var kdf = new Kdf(options.Function, RandomNumberGenerator.GetBytes(32), options.Cost, 8, 1);
        try
        {
            kdf.Validate();
        }
        catch (KeyMaterialException e)
        {
            throw new ArgumentException(e.Message, nameof(options));
        }
        return kdf;
    }

    public static Kdf Parse(string function, JsonObject parameters)
    {
        var dklen = JsonFields.Int(parameters, "dklen");
        if (dklen != KeyLength) throw new KeyMaterialException($"kdf dklen must be {KeyLength}, got {dklen}");
        var salt = JsonFields.HexBytes(parameters, "salt");
        Kdf kdf;
        switch (function)
        {
            case "pbkdf2":
                var prf = JsonFields.String(parameters, "prf");
                if (prf != "hmac-sha256") throw new KeyMaterialException($"unsupported pbkdf2 prf '{prf}' (only hmac-sha256)");
                kdf = new Kdf(KdfFunction.Pbkdf2, salt, JsonFields.Int(parameters, "c"), 0, 0);
                break;
            case "scrypt":
                kdf = new Kdf(KdfFunction.Scrypt, salt, JsonFields.Int(parameters, "n"),
                    JsonFields.Int(parameters, "r"), JsonFields.Int(parameters, "p"));
                break;
            default:
                throw new KeyMaterialException($"unsupported kdf function '{function}' (pbkdf2 or scrypt)");
        }
        kdf.Validate();
        return kdf;
    }

    private void Validate()
    {
        if (Salt.Length == 0) throw new KeyMaterialException("kdf salt is empty");
        if (Function == KdfFunction.Pbkdf2)
        {
            if (Cost is < 1 or > MaxPbkdf2Iterations)
                throw new KeyMaterialException($"pbkdf2 iteration count {Cost} is outside 1..{MaxPbkdf2Iterations}");
            return;
        }
        if (Cost < 2 || (Cost & (Cost - 1)) != 0) throw new KeyMaterialException($"scrypt n = {Cost} is not a power of two above 1");
        if (R < 1 || P < 1) throw new KeyMaterialException("scrypt r and p must be positive");
        if (128L * R * Cost > MaxScryptMemory || 128L * R * P > MaxScryptMemory)
            throw new KeyMaterialException($"scrypt n = {Cost}, r = {R}, p = {P} needs more than 1 GiB");
        // Memory alone does not bound the time: p runs the whole derivation p times, before any password check.
        if (128L * R * Cost * P > MaxScryptWork)
            throw new KeyMaterialException($"scrypt n = {Cost}, r = {R}, p = {P} is more than 8 times the work of EIP-2335's n = 262144, r = 8, p = 1");
    }

    /// <summary>128 r n p bytes worked through: 8 times EIP-2335's own parameters (2^28), a few seconds at most.
    /// The memory checks above keep the product below 2^61, inside a long.</summary>
    private const long MaxScryptWork = 1L << 31;

    public byte[] Derive(ReadOnlySpan<byte> password)
    {
        if (Function == KdfFunction.Pbkdf2)
            return Rfc2898DeriveBytes.Pbkdf2(password, Salt, Cost, HashAlgorithmName.SHA256, KeyLength);
        var copy = password.ToArray();
        try
        {
            return SCrypt.Generate(copy, Salt, Cost, R, P, KeyLength);
        }
        catch (ArgumentException e)
        {
            // Parameters our checks let through but the scrypt implementation refuses (n at or above 2^16 with r = 1).
            throw new KeyMaterialException($"scrypt n = {Cost}, r = {R}, p = {P}: {e.Message}");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
    }

    public string FunctionName => Function == KdfFunction.Pbkdf2 ? "pbkdf2" : "scrypt";

    public JsonObject ToParams()
    {
        var salt = Convert.ToHexStringLower(Salt);
        return Function == KdfFunction.Pbkdf2
            ? new JsonObject { ["dklen"] = KeyLength, ["c"] = Cost, ["prf"] = "hmac-sha256", ["salt"] = salt }
            : new JsonObject { ["dklen"] = KeyLength, ["n"] = Cost, ["r"] = R, ["p"] = P, ["salt"] = salt };
    }
}
