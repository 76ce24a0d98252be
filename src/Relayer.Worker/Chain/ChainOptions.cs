using Microsoft.Extensions.Options;

namespace DvtBus.Relayer.Chain;

/// <summary>
/// Section <c>Chain</c>, optional: an execution node for the validator indexes of <c>POST /validators</c> without
/// <c>validator_index</c>, as the public StakeWise operator sends it. Without <see cref="RpcUrl"/> such a request
/// only reads.
/// </summary>
public sealed class ChainOptions
{
    public const string Section = "Chain";

    /// <summary>The execution node's JSON-RPC endpoint (may hold an API key: never logged); empty for none.</summary>
    public string? RpcUrl { get; set; }

    /// <summary>The first block to read DepositEvent logs from (the deposit contract's creation block).</summary>
    public ulong DepositStartBlock { get; set; }

    public ulong LogChunkSize { get; set; } = 10_000;

    /// <summary>How often the deposit logs are read.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(12);

    /// <summary>The oldest a read of the deposit logs may be for indexes to be predicted from it; older, the request is answered 503.</summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromMinutes(2);

    public bool Configured => !string.IsNullOrWhiteSpace(RpcUrl);
}

internal sealed class ChainOptionsValidator : IValidateOptions<ChainOptions>
{
    public ValidateOptionsResult Validate(string? name, ChainOptions o)
    {
        if (!o.Configured) return ValidateOptionsResult.Success;
        if (!Uri.TryCreate(o.RpcUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return ValidateOptionsResult.Fail("Chain:RpcUrl must be an http(s) URL of an execution node");
        if (o.LogChunkSize == 0) return ValidateOptionsResult.Fail("Chain:LogChunkSize must be positive");
        if (o.ScanInterval <= TimeSpan.Zero) return ValidateOptionsResult.Fail("Chain:ScanInterval must be positive (e.g. 00:00:12)");
        if (o.MaxStaleness <= o.ScanInterval)
            return ValidateOptionsResult.Fail("Chain:MaxStaleness must be longer than Chain:ScanInterval, or every request between two reads would be refused");
        return ValidateOptionsResult.Success;
    }
}
