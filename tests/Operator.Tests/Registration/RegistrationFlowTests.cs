using DvtBus.Contracts;
using DvtBus.Operator.Batches;
using DvtBus.Deposits;
using DvtBus.Operator.Intake;
using DvtBus.Operator.Tests.Support;
using DvtBus.TestSupport;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// A dropped file all the way to validators registered on the devnet vault: real PostgreSQL (the saga in
/// operator.registration_sagas), real anvil with the devnet contracts, oracles over HTTP on 127.0.0.1, the
/// operator's saga and consumers on the in-memory test bus (<see cref="RegistrationBrokerTests"/> runs the
/// whole daemon on the real broker). The rig plays the relayer: real exit signatures, re-shared and ECIES-encrypted.
/// </summary>
[Trait("Category", "Devnet")]
public sealed class RegistrationFlowTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    [Fact]
    public async Task Dropped_file_ends_registered_on_the_vault_and_moves_to_done()
    {
        await using var rig = await RegistrationRig.StartAsync(anvil, "flow", withSaga: true, stuckAfter: TimeSpan.FromSeconds(30));
        var harness = rig.Harness;
        var folder = rig.Services.GetRequiredService<DepositFolder>();

        var batchId = await rig.DropAsync("deposit_data-flow.json");

        var accepted = Assert.Single(harness.Published.Held<DepositFileAccepted>()).Context.Message;
        Assert.Equal(batchId, accepted.BatchId);
        // The saga lives in operator.registration_sagas (the harness cannot query it by state): read it there.
        var (state, failure) = await EndedAsync(rig.Db, accepted.BatchId);
        await harness.InactivityTask;
        var faults = harness.Published.Held<Fault>().Select(f => string.Join("; ", f.Context.Message.Exceptions.Select(Describe)));
        Assert.True(state == "Done", $"saga {state}: {failure} {string.Join(" | ", faults)}");

        var batch = Assert.Single(await rig.Batches.ListAsync(10, CancellationToken.None));
        Assert.Equal((BatchStates.Registered, 0L), (batch.State, batch.StartIndex ?? -1));
        Assert.NotNull(batch.TransactionHash);
        Assert.Equal(["deposit_data-flow.json"], IntakeRig.Names(folder.Done));
        Assert.Empty(IntakeRig.Names(folder.Processing));
        var deposits = rig.Services.GetRequiredService<DepositIndex>();
        await deposits.SyncAsync(CancellationToken.None);
        Assert.Equal(2UL, await deposits.NextIndexAsync(CancellationToken.None));
        var (approved, refused) = await rig.Oracles.StatsAsync();
        Assert.Equal(0L, refused);
        Assert.True(approved >= 2);
    }

    private static async Task<(string? State, string? Failure)> EndedAsync(NpgsqlDataSource db, Guid batchId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            await using (var connection = await db.OpenConnectionAsync())
            {
                var row = await Dapper.SqlMapper.QuerySingleOrDefaultAsync<(string State, string? Failure)>(connection,
                    "SELECT current_state, data->>'Failure' FROM operator.registration_sagas WHERE correlation_id = @batchId", new { batchId });
                if (row.State is "Done" or "Failed" || DateTime.UtcNow > deadline) return (row.State, row.Failure);
            }
            await Task.Delay(200);
        }
    }

    private static string Describe(ExceptionInfo e) => $"{e.ExceptionType}: {e.Message}{(e.InnerException is { } inner ? " <- " + Describe(inner) : "")}";
}
