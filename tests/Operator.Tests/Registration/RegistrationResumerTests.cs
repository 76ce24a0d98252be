using DvtBus.Contracts;
using DvtBus.Crypto.Deposits;
using DvtBus.Operator.Registration;
using DvtBus.Operator.Tests.Support;
using MassTransit;
using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>
/// The resumer announces the batches whose acceptance never reached a saga while the daemon runs, not only at
/// start-up: the intake commits a file's batches and moves the file out of the inbox before it publishes, so a
/// publish the broker refuses is never retried by the intake.
/// </summary>
public sealed class RegistrationResumerTests
{
    private static readonly DepositValidator[] Pool =
        Enumerable.Range(0, 2).Select(i => DepositFiles.Entry(IntakeRig.Network, IntakeRig.Vault, $"resume{i}")).ToArray();

    /// <summary>The first DepositFileAccepted fails to publish, as when the broker is gone for a moment; later ones go through.</summary>
    [Fact]
    public async Task Batches_whose_acceptance_the_broker_refused_are_announced_without_a_restart()
    {
        await using var rig = await IntakeRig.CreateAsync(maxBatchSize: 1, publisher: bus => new RefusesFirst<DepositFileAccepted>(bus));
        await using var resumer = await rig.StartResumerAsync(new Dictionary<string, string?>
        {
            ["ScanInterval"] = "00:00:00.100",
            ["ResumeAfter"] = "00:00:02",
        });
        rig.Drop("two.json", DepositFiles.Json(IntakeRig.Network, Pool));

        await rig.ScanUntilSettledAsync();

        Assert.Equal(["two.json"], IntakeRig.Names(rig.Folder.Processing));
        var batches = (await rig.Batches.OpenAsync(CancellationToken.None)).Select(b => b.BatchId).ToList();
        Assert.Equal(2, batches.Count);
        // Younger than ResumeAfter: the resumer leaves it to the intake, whose publish may still be on its way.
        Assert.Empty(Accepted(rig));

        await RegistrationRig.UntilAsync(() => Task.FromResult(batches.All(Accepted(rig).Contains)), "both batches announced",
            TimeSpan.FromSeconds(30));
        // An orphan is announced once per ResumeAfter, not on every pass of the resumer.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(batches.Order(), Accepted(rig).Order());
    }

    /// <summary>Running on, the resumer does not take a batch announced a moment ago for an orphan.</summary>
    [Fact]
    public async Task Batch_announced_by_the_intake_is_not_announced_again_while_it_is_young()
    {
        await using var rig = await IntakeRig.CreateAsync(maxBatchSize: 1);
        await using var resumer = await rig.StartResumerAsync(new Dictionary<string, string?>
        {
            ["ScanInterval"] = "00:00:00.100",
            ["ResumeAfter"] = "01:00:00",
        });
        rig.Drop("two.json", DepositFiles.Json(IntakeRig.Network, Pool));

        await rig.ScanUntilSettledAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Equal((await rig.Batches.OpenAsync(CancellationToken.None)).Select(b => b.BatchId).Order(), Accepted(rig).Order());
    }

    /// <summary>
    /// A batch that stays an orphan after each announcement (here no saga runs at all) is announced again after
    /// ResumeAfter, then after twice that, and so on: in six seconds at a one-second ResumeAfter, at about 1, 2
    /// and 4 seconds, where a fixed interval would announce it five or six times.
    /// </summary>
    [Fact]
    public async Task An_orphan_that_stays_one_is_announced_less_and_less_often()
    {
        await using var rig = await IntakeRig.CreateAsync(maxBatchSize: 1);
        await using var resumer = await rig.StartResumerAsync(new Dictionary<string, string?>
        {
            ["ScanInterval"] = "00:00:00.100",
            ["ResumeAfter"] = "00:00:01",
        });
        rig.Drop("one.json", DepositFiles.Json(IntakeRig.Network, Pool[..1]));
        rig.Drop("two.json", DepositFiles.Json(IntakeRig.Network, Pool[1..2]));

        await rig.ScanUntilSettledAsync();
        // two.json's batch has a saga: it is no orphan, and the resumer never announces it.
        var withSaga = Accepted(rig).Distinct().ToList();
        Assert.Equal(2, withSaga.Count);
        var sagaBatch = (await rig.Batches.OpenAsync(CancellationToken.None)).Single(b => b.FileName == "two.json").BatchId;
        await using (var connection = await rig.Db.OpenConnectionAsync())
            await Dapper.SqlMapper.ExecuteAsync(connection,
                "INSERT INTO operator.registration_sagas (correlation_id, current_state, version, data) VALUES (@id, 'ExitsRequested', 1, '{}')",
                new { id = sagaBatch });
        await Task.Delay(TimeSpan.FromSeconds(6));

        Assert.Single(Accepted(rig), id => id == sagaBatch);
        var accepted = Accepted(rig).Where(id => id != sagaBatch).ToList();
        Assert.Single(accepted.Distinct());
        // The intake's own announcement and the resumer's.
        Assert.InRange(accepted.Count - 1, 1, 3);
    }

    [Fact]
    public void The_wait_between_announcements_doubles_up_to_an_hour()
    {
        var minute = TimeSpan.FromMinutes(1);
        Assert.Equal(minute, RegistrationResumer.Interval(minute, 1));
        Assert.Equal(2 * minute, RegistrationResumer.Interval(minute, 2));
        Assert.Equal(4 * minute, RegistrationResumer.Interval(minute, 3));
        Assert.Equal(32 * minute, RegistrationResumer.Interval(minute, 6));
        Assert.Equal(TimeSpan.FromHours(1), RegistrationResumer.Interval(minute, 7));
        Assert.Equal(TimeSpan.FromHours(1), RegistrationResumer.Interval(minute, int.MaxValue));
        // A ResumeAfter above the cap is kept as it is.
        Assert.Equal(TimeSpan.FromHours(2), RegistrationResumer.Interval(TimeSpan.FromHours(2), 5));
    }

    private static List<Guid> Accepted(IntakeRig rig) =>
        rig.Harness.Published.Held<DepositFileAccepted>().Select(m => m.Context.Message.BatchId).ToList();
}
