namespace DvtBus.Keystores;

public enum KdfFunction
{
    Pbkdf2,
    Scrypt,
}

/// <summary>
/// How a new keystore derives its key. <see cref="Cost"/> is PBKDF2's iteration count or scrypt's N
/// (a power of two); scrypt always uses r = 8, p = 1 as every Ethereum tool does.
/// </summary>
public sealed record KdfOptions(KdfFunction Function, int Cost)
{
    /// <summary>EIP-2335's recommended PBKDF2-HMAC-SHA256 with 2^18 iterations.</summary>
    public static KdfOptions Pbkdf2Default { get; } = new(KdfFunction.Pbkdf2, 262144);

    /// <summary>EIP-2335's recommended scrypt with N = 2^18, r = 8, p = 1 (256 MiB).</summary>
    public static KdfOptions ScryptDefault { get; } = new(KdfFunction.Scrypt, 262144);
}
