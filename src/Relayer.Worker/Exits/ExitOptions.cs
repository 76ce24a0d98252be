using Microsoft.Extensions.Options;

namespace DvtBus.Relayer.Exits;

/// <summary>Section <c>Exits</c>: how long an exit collects shares, and how often expiry is checked.</summary>
public sealed class ExitOptions
{
    public const string Section = "Exits";

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class ExitOptionsValidator : IValidateOptions<ExitOptions>
{
    public ValidateOptionsResult Validate(string? name, ExitOptions o)
    {
        var failures = new List<string>();
        if (o.Lifetime <= TimeSpan.Zero) failures.Add("Exits:Lifetime must be positive (e.g. 1.00:00:00)");
        if (o.ExpirySweepInterval <= TimeSpan.Zero) failures.Add("Exits:ExpirySweepInterval must be positive (e.g. 00:00:30)");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
