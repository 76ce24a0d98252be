using System.Text.Json;
using DvtBus.Primitives;
using DvtBus.Sidecar.Worker.Exits;
using DvtBus.Sidecar.Worker.Keys;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DvtBus.Sidecar.Worker.Http;

/// <summary>
/// HTTP mode: polls a relayer that speaks the StakeWise API, signs the pending exits of held validators
/// whose <c>share_indexes_ready</c> lacks one of our share indexes, and posts the shares, one request
/// per share index. Signs only when the relayer serves this sidecar's own network. Our relayer verifies
/// every share against the cluster's public shares, so the key shares are announced first (and again
/// every <see cref="SidecarOptions.AnnounceInterval"/>) unless the relayer has no endpoint for that.
/// </summary>
internal sealed partial class RelayerPoller(
    RelayerClient client, ExitSigner signer, SidecarKeys keys, SidecarMetrics metrics, TimeProvider time,
    IOptions<SidecarOptions> options, ILogger<RelayerPoller> logger)
    : BackgroundService
{
    private const int SharesPerRequest = 100;
    private string? _reportedNetwork;
    private DateTimeOffset? _announcedAt;
    private bool _relayerTakesNoAnnouncements;
    private string? _announcementFailureReported;
    private int _malformedReported;
    private readonly Dictionary<ulong, string> _refusalsReported = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Relayer.PollInterval);
        do
        {
            try
            {
                await PollOnceAsync(stoppingToken);
            }
            // Whatever the relayer answers, a bad answer fails this poll, never the daemon: the next poll asks again.
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                metrics.Polled("error");
                PollFailed(logger, e.GetType().Name, e.Message);
            }
        }
        while (await timer.TickAsync(stoppingToken));
    }

    private async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var network = await client.GetNetworkAsync(cancellationToken);
        if (!signer.IsOwnNetwork(network))
        {
            metrics.Polled("other_network");
            if (_reportedNetwork != network) WrongNetwork(logger, network, signer.Network.Name);
            _reportedNetwork = network;
            return;
        }
        _reportedNetwork = null;
        // An announcement that fails (a relayer that wants a token for it, a 5xx) does not keep the shares back: our
        // relayer may know the clusters already (from its files, or an earlier announcement), and the public one
        // needs none. It is tried again on the next poll.
        try
        {
            await AnnounceWhenDueAsync(cancellationToken);
            _announcementFailureReported = null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            if (_announcementFailureReported != e.Message) AnnouncementFailed(logger, e.GetType().Name, e.Message);
            _announcementFailureReported = e.Message;
        }

        var (exits, malformed) = await client.GetExitsAsync(cancellationToken);
        // Said when the number changes, not on every poll of the same list.
        if (malformed != _malformedReported && malformed > 0) MalformedEntries(logger, malformed);
        _malformedReported = malformed;
        var byShareIndex = new SortedDictionary<ulong, List<ExitSignatureItem>>();
        foreach (var exit in exits)
        {
            // An entry without its index cannot be signed: the signature binds the index.
            if (exit is null || exit.IsExitSignatureReady || exit.ValidatorIndex is not { } index
                || !BlsPublicKey.TryParse(exit.PublicKey, out var validator) || !signer.Holds(validator)) continue;
            var ready = exit.ShareIndexesReady ?? [];
            foreach (var share in signer.Sign(validator, index))
            {
                if (ready.Contains(share.Id)) continue;
                if (!byShareIndex.TryGetValue(share.Id, out var items)) byShareIndex[share.Id] = items = [];
                items.Add(new ExitSignatureItem(validator.ToString(), share.Signature.ToString()));
            }
        }

        var posted = 0;
        Exception? failed = null;
        var failedChunks = 0;
        foreach (var (shareIndex, items) in byShareIndex)
        {
            foreach (var chunk in items.Chunk(SharesPerRequest))
            {
                try
                {
                    await client.SubmitAsync(new ExitSignatureRequest(shareIndex, chunk), cancellationToken);
                }
                catch (HttpRequestException e) when (IsRefusal(e))
                {
                    // The relayer judged some of these shares and refused them (it takes the others): the rest of the
                    // chunks and share indexes still go out. Logged when the answer changes, not on every poll that
                    // posts the same refused share again.
                    if (!_refusalsReported.TryGetValue(shareIndex, out var last) || last != e.Message) SharesRefused(logger, shareIndex, e.Message);
                    _refusalsReported[shareIndex] = e.Message;
                    continue;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // A 503, a 5xx or a timeout for this chunk: the chunks after it still go out (the list comes in the
                    // same order every poll, so one that keeps failing would otherwise starve all of them), and the
                    // poll counts as failed once it is done.
                    failed ??= e;
                    failedChunks++;
                    continue;
                }
                posted += chunk.Length;
                metrics.Submitted(chunk.Length);
            }
        }
        if (posted > 0) Posted(logger, posted, byShareIndex.Count);
        if (failed is not null)
            throw new HttpRequestException($"{failedChunks} posts of exit-signature shares failed, the others went out; the first: {failed.Message}", failed);
        metrics.Polled("ok");
    }

    private async Task AnnounceWhenDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _announcedAt < options.Value.AnnounceInterval) return;
        foreach (var announcement in KeySharesAnnouncer.Build(keys.Ring, options.Value.Id, signer.Network.Name))
        {
            var request = new KeySharesRequest(announcement.SidecarId, announcement.Validators.Select(v => new KeySharesValidator(
                v.ValidatorPublicKey.ToString(), v.Threshold,
                v.PublicShares.Select(s => new KeySharesPublicShare(s.ShareIndex, s.PublicKey.ToString())).ToArray())).ToArray());
            try
            {
                if (!await client.AnnounceKeySharesAsync(request, cancellationToken))
                {
                    // No such endpoint (the public StakeWise relayer), or a proxy that said so while the relayer was
                    // being replaced: asked again at the next interval, not never again.
                    if (!_relayerTakesNoAnnouncements) NoAnnouncements(logger);
                    _relayerTakesNoAnnouncements = true;
                    _announcedAt = now;
                    return;
                }
                _relayerTakesNoAnnouncements = false;
            }
            catch (HttpRequestException e) when (IsRefusal(e))
            {
                // Some validators refused (a cluster that disagrees with an earlier announcement, say), the others
                // taken: announced as far as it goes. Asking again each poll would only stop this node signing.
                AnnouncementRefused(logger, e.Message);
            }
        }
        _announcedAt = now;
        Announced(logger, keys.Ring.Validators.Count);
    }

    // The relayer read the request and said no to (some of) its content. A refused token (401/403) or a missing
    // endpoint is not about the content: it fails the poll.
    private static bool IsRefusal(HttpRequestException e) =>
        e.StatusCode is System.Net.HttpStatusCode.UnprocessableEntity or System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.Conflict;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The relayer refused exit-signature shares of share index {ShareIndex} (the others went on): {Reason}")]
    private static partial void SharesRefused(ILogger logger, ulong shareIndex, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The relayer refused key shares of some validators (the others were taken): {Reason}")]
    private static partial void AnnouncementRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Key shares of {Validators} validators announced to the relayer")]
    private static partial void Announced(ILogger logger, int validators);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The relayer listed {Count} exits that do not parse (a null flag, a negative index): they are skipped, the others signed")]
    private static partial void MalformedEntries(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing key shares to the relayer failed ({Type}: {Reason}); the shares are posted all the same, and the announcement is tried again on the next poll")]
    private static partial void AnnouncementFailed(ILogger logger, string type, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The relayer has no POST /key-shares (the public StakeWise relayer): shares are sent without announcing the clusters, and the endpoint is tried again at the next announcement interval")]
    private static partial void NoAnnouncements(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Posted {Shares} exit-signature shares for {ShareIndexes} share indexes")]
    private static partial void Posted(ILogger logger, int shares, int shareIndexes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relayer poll failed ({Type}: {Reason}); retrying at the next interval")]
    private static partial void PollFailed(ILogger logger, string type, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The relayer serves network {Relayer}, this sidecar signs for {Own} only: fix Sidecar:Relayer:Url or Sidecar:Network")]
    private static partial void WrongNetwork(ILogger logger, string relayer, string own);
}
