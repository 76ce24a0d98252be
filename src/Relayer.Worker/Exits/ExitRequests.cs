using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace DvtBus.Relayer.Exits;

/// <summary>
/// Asks for exits, from <see cref="ExitRequested"/> or <c>POST /validators</c> alike: one <see cref="ExitOpened"/>
/// per validator, which that exit's state machine records.
/// </summary>
internal sealed partial class ExitRequests(Network network, ILogger<ExitRequests> logger)
{
    public string Network => network.Name;

    public bool Serves(string requestedNetwork) => string.Equals(requestedNetwork, network.Name, StringComparison.OrdinalIgnoreCase);

    /// <param name="requestedAt">When they were asked for: the latest request of a key wins, and a redelivered request is the same request.</param>
    public async Task RequestAsync(IReadOnlyList<RequestedExit> validators, DateTimeOffset requestedAt, IPublishEndpoint publish, CancellationToken ct)
    {
        foreach (var v in validators)
            await publish.Publish(Opened(v, requestedAt), ct);
        ExitsRequested(logger, validators.Count, network.Name);
    }

    /// <summary>
    /// Asks for the exits now and returns once each exit's state machine has recorded its request. The sidecars on
    /// the bus hear of them first, as an <see cref="ExitRequested"/> without a vault (which the relayers leave to this
    /// call), so that a wait that times out or a caller that goes away cannot leave them unsigned; a share signed
    /// before its exit is recorded waits for it.
    /// </summary>
    public async Task RequestAndWaitAsync(IReadOnlyList<RequestedExit> validators, IRequestClient<ExitOpened> client, IPublishEndpoint publish, CancellationToken ct)
    {
        var requestedAt = DateTimeOffset.UtcNow;
        await publish.Publish(new ExitRequested { BatchId = NewId.NextGuid(), Network = network.Name, Validators = validators, RequestedAt = requestedAt }, ct);
        // Once the sidecars are told, the exits are asked for whatever becomes of the caller: a caller gone now would
        // leave shares signed for exits never opened. Only the wait ends with the call.
        var recorded = Task.WhenAll(validators.Select(v => client.GetResponse<ExitRecorded>(Opened(v, requestedAt), CancellationToken.None)));
        _ = recorded.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        await recorded.WaitAsync(ct);
        ExitsRequested(logger, validators.Count, network.Name);
    }

    private ExitOpened Opened(RequestedExit v, DateTimeOffset requestedAt) => new()
    {
        ExitId = ExitId.For(network.Name, v.PublicKey, v.ValidatorIndex),
        Network = network.Name,
        ValidatorPublicKey = v.PublicKey,
        ValidatorIndex = v.ValidatorIndex,
        RequestedAt = requestedAt,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} exits requested on {Network}")]
    private static partial void ExitsRequested(ILogger logger, int count, string network);
}
