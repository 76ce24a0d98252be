using DvtBus.Crypto.Encryption;
using DvtBus.Primitives;
using Microsoft.Extensions.Options;

namespace DvtBus.Relayer.Oracles;

/// <summary>Section <c>Oracles</c>: who receives the re-shared exit signature, and how many of them recover it.</summary>
public sealed class OracleOptions
{
    public const string Section = "Oracles";

    /// <summary>The oracles' secp256k1 public keys in protocol order: 64 bytes of hex (65 with the 04 prefix accepted).</summary>
    public List<string> PublicKeys { get; set; } = [];

    /// <summary>The protocol's exit_signature_recover_threshold.</summary>
    public int ExitSignatureRecoverThreshold { get; set; }

    /// <summary>An oracle key as configured: 64 bytes (x || y) or 65 with the 04 prefix, on secp256k1.</summary>
    internal static bool TryParsePublicKey(string? hex, out byte[] key) =>
        Hex.TryDecode(hex, out key) && key.Length is 64 or 65 && Ecies.IsValidPublicKey(key);
}

internal sealed class OracleOptionsValidator : IValidateOptions<OracleOptions>
{
    public ValidateOptionsResult Validate(string? name, OracleOptions o)
    {
        var failures = new List<string>();
        if (o.PublicKeys.Count == 0) failures.Add("Oracles:PublicKeys is required (the oracles' 64-byte secp256k1 public keys, in order)");
        for (var i = 0; i < o.PublicKeys.Count; i++)
            if (!OracleOptions.TryParsePublicKey(o.PublicKeys[i], out _))
                failures.Add($"Oracles:PublicKeys:{i} is not a secp256k1 public key (64 bytes of hex, or 65 starting with 04)");
        if (o.ExitSignatureRecoverThreshold < 1 || o.ExitSignatureRecoverThreshold > o.PublicKeys.Count)
            failures.Add($"Oracles:ExitSignatureRecoverThreshold must be between 1 and the number of oracles ({o.PublicKeys.Count}), got {o.ExitSignatureRecoverThreshold}");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
