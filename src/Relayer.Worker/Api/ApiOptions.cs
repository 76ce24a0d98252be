using Microsoft.Extensions.Options;

namespace DvtBus.Relayer.Api;

/// <summary>Section <c>Api</c>: who may write through the HTTP API.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>The bearer token writes must carry.</summary>
    public string? Token { get; set; }

    /// <summary>The public StakeWise relayer's behaviour (anyone may write); must be chosen explicitly.</summary>
    public bool AllowUnauthenticated { get; set; }
}

internal sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions o)
    {
        if (o.AllowUnauthenticated) return ValidateOptionsResult.Success;
        if (string.IsNullOrWhiteSpace(o.Token))
            return ValidateOptionsResult.Fail("Api:Token is required for HTTP writes (or set Api:AllowUnauthenticated=true for the public relayer's open behaviour)");
        if (o.Token.Length < 16)
            return ValidateOptionsResult.Fail("Api:Token must be at least 16 characters");
        // The example env files' placeholder is public: a relayer started with it would take anyone's writes.
        if (o.Token.StartsWith("change-me", StringComparison.OrdinalIgnoreCase))
            return ValidateOptionsResult.Fail("Api:Token is still the example's placeholder; make one with `openssl rand -hex 32`");
        return ValidateOptionsResult.Success;
    }
}
