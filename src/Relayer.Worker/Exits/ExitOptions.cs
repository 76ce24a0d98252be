using Microsoft.Extensions.Options;

namespace DvtBus.Relayer.Exits;

/// <summary>Section <c>Exits</c>: how long an exit collects shares before it expires.</summary>
public sealed class ExitOptions
{
    public const string Section = "Exits";

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(24);
}

internal sealed class ExitOptionsValidator : IValidateOptions<ExitOptions>
{
    public ValidateOptionsResult Validate(string? name, ExitOptions o) =>
        o.Lifetime > TimeSpan.Zero ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail("Exits:Lifetime must be positive (e.g. 1.00:00:00)");
}
