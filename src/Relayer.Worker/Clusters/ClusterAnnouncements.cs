using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Relayer.Shares;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace DvtBus.Relayer.Clusters;

/// <summary>
/// Learns each cluster from its sidecars (bus or HTTP): an announcement whose public shares do not
/// interpolate to the validator key is refused, and two that disagree make the validator unusable
/// until a person looks.
/// </summary>
internal sealed partial class ClusterAnnouncements(
    ClusterStore store, ShareIntake intake, Network network, RelayerMetrics metrics, ILogger<ClusterAnnouncements> logger)
{
    /// <returns>Why each refused validator was refused; empty when all were taken.</returns>
    public async Task<IReadOnlyList<string>> AnnounceAsync(
        string announcedNetwork, string sidecarId, IReadOnlyList<AnnouncedValidator> validators, IPublishEndpoint publish, CancellationToken ct)
    {
        if (!string.Equals(announcedNetwork, network.Name, StringComparison.OrdinalIgnoreCase))
        {
            OtherNetwork(logger, sidecarId, announcedNetwork, network.Name);
            return [$"this relayer serves {network.Name}, not {announcedNetwork}"];
        }
        var refused = new List<string>();
        foreach (var validator in validators)
        {
            // Every sidecar of a cluster announces the same thing; only news is worth the interpolation check. Shares
            // still waiting are released on every announcement of a known cluster, not only on the first: the release
            // that followed the first may have been lost (a retried message, a publish that failed after the commit),
            // and nothing else would release them before the exit expires.
            if (await store.IsKnownAsync(network.Name, Cluster.From(validator), ct))
            {
                await intake.ReleaseWaitingAsync(validator.ValidatorPublicKey, publish, ct);
                continue;
            }
            if (Cluster.Problem(validator) is { } problem)
            {
                metrics.AnnouncementConflict();
                Refused(logger, sidecarId, LogText.Short(validator.ValidatorPublicKey), problem);
                refused.Add($"{validator.ValidatorPublicKey}: {problem}");
                continue;
            }
            var outcome = await store.AnnounceAsync(network.Name, Cluster.From(validator), sidecarId, ct);
            if (outcome == AnnouncementOutcome.Conflict)
            {
                metrics.AnnouncementConflict();
                Conflicting(logger, sidecarId, LogText.Short(validator.ValidatorPublicKey));
                refused.Add($"{validator.ValidatorPublicKey}: disagrees with an earlier announcement");
            }
            else
                await intake.ReleaseWaitingAsync(validator.ValidatorPublicKey, publish, ct);
        }
        return refused;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key shares from sidecar {SidecarId} are for {Network}, this relayer serves {Serves}: ignored")]
    private static partial void OtherNetwork(ILogger logger, string sidecarId, string network, string serves);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key shares of validator {Validator} from sidecar {SidecarId} refused: {Problem}")]
    private static partial void Refused(ILogger logger, string sidecarId, string validator, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sidecar {SidecarId} announced key shares of validator {Validator} that disagree with an earlier announcement: the validator is not used until its clusters are checked")]
    private static partial void Conflicting(ILogger logger, string sidecarId, string validator);
}
