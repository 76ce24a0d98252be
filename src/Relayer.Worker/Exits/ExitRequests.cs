using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Relayer.Shares;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DvtBus.Relayer.Exits;

/// <summary>Creates exits, from <see cref="ExitRequested"/> or <c>POST /validators</c> alike.</summary>
internal sealed partial class ExitRequests(
    ExitStore store, ShareIntake intake, Network network, IOptions<ExitOptions> options, RelayerMetrics metrics, ILogger<ExitRequests> logger)
{
    public string Network => network.Name;

    public bool Serves(string requestedNetwork) => string.Equals(requestedNetwork, network.Name, StringComparison.OrdinalIgnoreCase);

    public async Task RequestAsync(IReadOnlyList<RequestedExit> validators, IPublishEndpoint publish, CancellationToken ct)
    {
        foreach (var v in validators)
            await store.RequestAsync(v.PublicKey, v.ValidatorIndex, options.Value.Lifetime, ct);
        metrics.ExitsRequested(validators.Count);
        ExitsRecorded(logger, validators.Count, network.Name);
        foreach (var v in validators)
            await intake.ReplayPendingAsync(v.PublicKey, publish, ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} exits recorded on {Network}")]
    private static partial void ExitsRecorded(ILogger logger, int count, string network);
}
