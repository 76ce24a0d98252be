using Dapper;
using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Operator.Batches;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DvtBus.Operator.Registration;

/// <summary>
/// At start-up, announces again every unfinished batch that has no saga. The sagas are stored in
/// PostgreSQL, so a restart loses none of them; what this still protects is the gap in the intake
/// between committing a batch and publishing its <see cref="DepositFileAccepted"/> (a crash there, or a
/// broker that refused the publish), after which the batch would wait for ever. A batch whose saga exists
/// is left alone; announcing one twice would do no harm either (the saga ignores a second acceptance).
/// </summary>
internal sealed partial class RegistrationResumer(
    BatchStore batches, NpgsqlDataSource db, IBus bus, Network network, RegistrationTarget target, ILogger<RegistrationResumer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var open = await batches.OpenAsync(stoppingToken);
        if (open.Count == 0) return;
        HashSet<Guid> started;
        await using (var connection = await db.OpenConnectionAsync(stoppingToken))
            started = (await connection.QueryAsync<Guid>(new CommandDefinition(
                "SELECT correlation_id FROM operator.registration_sagas WHERE correlation_id = ANY(@ids)",
                new { ids = open.Select(b => b.BatchId).ToArray() }, cancellationToken: stoppingToken))).ToHashSet();
        var orphans = open.Where(b => !started.Contains(b.BatchId)).ToList();
        foreach (var batch in orphans)
            await bus.Publish(new DepositFileAccepted
            {
                BatchId = batch.BatchId, FileName = batch.FileName, ContentSha256 = batch.ContentSha256,
                Network = network.Name, Vault = target.Vault, Validators = batch.Validators,
            }, stoppingToken);
        if (orphans.Count > 0) Resumed(logger, orphans.Count, open.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Announced {Count} of {Open} unfinished batches again: their acceptance never reached a saga")]
    private static partial void Resumed(ILogger logger, int count, int open);
}
