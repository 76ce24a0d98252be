using Microsoft.Extensions.Options;

namespace DvtBus.Sagas;

/// <summary>Section <c>Timeouts</c>: how often due timeouts are looked for, and how many are published per transaction.</summary>
public sealed class TimeoutOptions
{
    public const string Section = "Timeouts";

    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    public int BatchSize { get; set; } = 100;
}

internal sealed class TimeoutOptionsValidator : IValidateOptions<TimeoutOptions>
{
    public ValidateOptionsResult Validate(string? name, TimeoutOptions o)
    {
        var failures = new List<string>();
        if (o.SweepInterval <= TimeSpan.Zero) failures.Add("Timeouts:SweepInterval must be positive (e.g. 00:00:05)");
        if (o.BatchSize < 1) failures.Add("Timeouts:BatchSize must be at least 1");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
