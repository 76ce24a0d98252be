using Dapper;
using DvtBus.Contracts;
using DvtBus.Hosting;
using DvtBus.Primitives;
using MassTransit;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DvtBus.Relayer.Exits;

/// <summary>
/// Expires an exit still collecting when its lifetime is over, and refuses the shares still waiting for
/// its cluster's announcement. The timeout may come twice (the sweep publishes before it deletes); an
/// exit already expired is announced again, which is harmless.
/// </summary>
internal sealed partial class ExitLifetimeElapsedConsumer(NpgsqlDataSource db, RelayerMetrics metrics, ILogger<ExitLifetimeElapsedConsumer> logger)
    : IConsumer<ExitLifetimeElapsed>
{
    public async Task Consume(ConsumeContext<ExitLifetimeElapsed> context)
    {
        var ct = context.CancellationToken;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var exit = await ExitStore.FindAsync(connection, context.Message.ExitId, tx, forUpdate: true, ct);
        if (exit is null || exit.State is not (ExitState.Collecting or ExitState.Expired)) return;
        var newlyExpired = exit.State == ExitState.Collecting;
        if (newlyExpired)
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE relayer.exits SET state = 'expired' WHERE id = @id", new { id = exit.Id }, tx, cancellationToken: ct));
        var (accepted, threshold) = await connection.QuerySingleAsync<(long, int)>(new CommandDefinition(
            """
            SELECT (SELECT count(*) FROM relayer.shares WHERE exit_id = @id),
                   COALESCE((SELECT threshold FROM relayer.validators WHERE network = @network AND public_key = @key), 0)
            """, new { id = exit.Id, network = exit.Network, key = exit.PublicKey }, tx, cancellationToken: ct));
        var waiting = (await connection.QueryAsync<(long ShareIndex, string SidecarId)>(new CommandDefinition(
            """
            DELETE FROM relayer.pending_shares WHERE network = @network AND public_key = @key AND validator_index = @index
            RETURNING share_index, sidecar_id
            """, new { network = exit.Network, key = exit.PublicKey, index = exit.ValidatorIndex }, tx, cancellationToken: ct))).ToList();
        await tx.CommitAsync(ct);

        foreach (var (shareIndex, sidecarId) in waiting)
        {
            metrics.ShareRejected(ShareRejectionReason.UnknownValidator);
            await context.Publish(new ShareRejected
            {
                Network = exit.Network,
                ValidatorPublicKey = exit.ValidatorPublicKey,
                ValidatorIndex = (ulong)exit.ValidatorIndex,
                ShareIndex = (ulong)shareIndex,
                SidecarId = sidecarId,
                Reason = ShareRejectionReason.UnknownValidator,
                Detail = "no key-share announcement of this validator arrived within the exit's lifetime",
            }, ct);
        }

        await context.Publish(new ExitExpired
        {
            ExitId = exit.Id,
            Network = exit.Network,
            ValidatorPublicKey = BlsPublicKey.From(exit.PublicKey),
            ValidatorIndex = (ulong)exit.ValidatorIndex,
            SharesAccepted = (int)accepted,
            Threshold = threshold,
        }, ct);
        if (newlyExpired)
        {
            metrics.ExitsExpired(1);
            Expired(logger, LogText.Short(exit.ValidatorPublicKey), exit.ValidatorIndex, accepted, threshold);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Exit of validator {Validator} index {ValidatorIndex} expired with {Accepted} of {Threshold} shares")]
    private static partial void Expired(ILogger logger, string validator, long validatorIndex, long accepted, int threshold);
}

internal sealed class ExitLifetimeElapsedConsumerDefinition : ConsumerDefinition<ExitLifetimeElapsedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<ExitLifetimeElapsedConsumer> consumer, IRegistrationContext context) =>
        EndpointDefaults.Apply(endpoint, context);
}
