namespace DvtBus.Crypto.Deposits;

/// <summary>Limits on what a deposit-data file may cost to read; files come from people and folders, not from a trusted peer.</summary>
public sealed class DepositDataOptions
{
    /// <summary>A real file holds about 700 bytes per validator; 10 MiB is some 15,000 validators.</summary>
    public int MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Each entry costs a BLS verification; this bounds what one file can cost.</summary>
    public int MaxValidators { get; set; } = 10_000;

    /// <summary>A real file nests two levels (array, object); the headroom tolerates extra fields a new tool may add.</summary>
    public int MaxDepth { get; set; } = 8;

    internal void Check()
    {
        if (MaxBytes <= 0) throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "must be positive");
        if (MaxValidators <= 0) throw new ArgumentOutOfRangeException(nameof(MaxValidators), MaxValidators, "must be positive");
        if (MaxDepth < 2) throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "a deposit file needs at least 2 levels");
    }
}
