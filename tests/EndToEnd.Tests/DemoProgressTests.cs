using System.Text.Json;
using DvtBus.Devnet.Demo;
using Xunit;

namespace DvtBus.EndToEnd.Tests;

/// <summary>The demo's live stages: what it reads from the operator's GET /batches, and how the counts and timings add up.</summary>
public sealed class DemoProgressTests
{
    [Fact]
    public void A_batch_is_approved_once_registering_and_sent_once_it_records_a_transaction()
    {
        using var batches = JsonDocument.Parse("""
            [
              { "state": "ExitsRequested", "validators": 1, "transactionHash": null, "failure": null },
              { "state": "ApprovalsRequested", "validators": 2, "transactionHash": null, "failure": null },
              { "state": "Registering", "validators": 4, "transactionHash": null, "failure": null },
              { "state": "Registering", "validators": 8, "transactionHash": "0x5e1d", "failure": null },
              { "state": "Registered", "validators": 16, "transactionHash": "0xd0e5", "failure": null }
            ]
            """);

        var (approved, sent, failure) = DemoWatch.CountBatches(batches.RootElement.EnumerateArray());

        Assert.Equal(4 + 8 + 16, approved);
        Assert.Equal(8 + 16, sent);
        Assert.Null(failure);
    }

    [Fact]
    public void A_failed_batch_ends_the_run_with_its_reason()
    {
        using var batches = JsonDocument.Parse("""
            [
              { "state": "Registered", "validators": 2, "transactionHash": "0xd0e5", "failure": null },
              { "state": "Failed", "validators": 3, "transactionHash": null, "failure": "approvals: 7 of 8 oracles" }
            ]
            """);

        var (_, _, failure) = DemoWatch.CountBatches(batches.RootElement.EnumerateArray());

        Assert.Equal("the operator failed a batch of 3 validators: approvals: 7 of 8 oracles", failure);
    }

    [Fact]
    public void A_later_stage_counts_for_the_earlier_ones_and_each_stage_keeps_the_time_it_completed()
    {
        var time = new ManualTime();
        var progress = new DemoProgress(2, time);

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(progress.Update([2, 2, 1, 0, 0, 0]));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(progress.Update([2, 2, 0, 0, 0, 2]));
        Assert.False(progress.Update([2, 2, 2, 2, 2, 2]));

        Assert.True(progress.Done);
        Assert.Equal("none", progress.Pending);
        Assert.Equal(
            [("requested", 3.0, 3.0), ("shares", 3.0, 0.0), ("ready", 5.0, 2.0), ("approved", 5.0, 0.0), ("sent", 5.0, 0.0), ("registered", 5.0, 0.0)],
            progress.Timings().Select(t => (t.Stage, t.At!.Value, t.Took!.Value)));
    }

    [Fact]
    public void Names_the_first_stage_not_complete_for_every_validator()
    {
        var progress = new DemoProgress(3, new ManualTime());

        progress.Update([3, 2, 0, 0, 0, 0]);

        Assert.False(progress.Done);
        Assert.Equal("shares", progress.Pending);
        Assert.StartsWith("requested 3/3 | shares 2/3 | ready 0/3", progress.Line());
        var shares = progress.Timings().Single(t => t.Stage == "shares");
        Assert.Null(shares.At);
        Assert.Null(shares.Took);
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
