using DvtBus.Crypto.Consensus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DvtBus.Relayer.Clusters;

/// <summary>
/// Section <c>Clusters</c>: public cluster files the relayer learns clusters from by itself, for sidecars
/// that announce nothing (the stock StakeWise sidecar only posts <c>/exit-signature</c>).
/// </summary>
public sealed class ClusterFileOptions
{
    public const string Section = "Clusters";

    /// <summary>Paths of Obol (charon) <c>cluster-lock.json</c> files.</summary>
    public List<string> ObolLockFiles { get; set; } = [];

    /// <summary>Paths of SSV keyshares files (SSV web app, ssv-keys, ssv-dkg).</summary>
    public List<string> SsvKeySharesFiles { get; set; } = [];
}

/// <summary>
/// Reads every configured file before the relayer starts: a missing, unreadable or malformed file, or one made
/// for another network, stops the daemon with one line naming the setting and the file.
/// </summary>
internal sealed class ClusterFileOptionsValidator(IConfiguration configuration) : IValidateOptions<ClusterFileOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterFileOptions options)
    {
        // The network section is checked by its own validator; without a valid one there is nothing to compare with.
        var networkOptions = configuration.GetSection(NetworkOptions.SectionName).Get<NetworkOptions>() ?? new NetworkOptions();
        var network = Networks.TryResolve(networkOptions, out var resolved, out _) ? resolved : null;
        var (_, failures) = ClusterFiles.Read(options, network);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
