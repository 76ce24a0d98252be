using System.Text.Json;
using Dapper;
using DvtBus.Contracts;
using DvtBus.Crypto.Deposits;
using DvtBus.Operator.Batches;
using DvtBus.Operator.Tests.Support;
using Xunit;

namespace DvtBus.Operator.Tests.Intake;

public sealed class WatchedFolderTests
{
    private static readonly DepositValidator[] Pool =
        Enumerable.Range(0, 8).Select(i => DepositFiles.Entry(IntakeRig.Network, IntakeRig.Vault, $"v{i}")).ToArray();

    private static string File(params DepositValidator[] validators) => DepositFiles.Json(IntakeRig.Network, validators);

    [Fact]
    public async Task Good_file_moves_to_processing_and_becomes_batches_of_at_most_the_configured_size()
    {
        await using var rig = await IntakeRig.CreateAsync(maxBatchSize: 2);
        rig.Drop("deposit_data-1.json", File(Pool[0], Pool[1], Pool[2]));

        await rig.ScanUntilSettledAsync();

        Assert.Empty(IntakeRig.Names(rig.Folder.Inbox));
        Assert.Equal(["deposit_data-1.json"], IntakeRig.Names(rig.Folder.Processing));
        var accepted = rig.Harness.Published.Held<DepositFileAccepted>().Select(m => m.Context.Message).OrderBy(m => m.Validators.Count).ToList();
        Assert.Equal(2, accepted.Count);
        Assert.Equal([Pool[2].PublicKey], accepted[0].Validators);
        Assert.Equal(2, accepted[1].Validators.Count);
        Assert.All(accepted, m => Assert.Equal("deposit_data-1.json", m.FileName));
        var views = await rig.Batches.ListAsync(10, CancellationToken.None);
        Assert.Equal(2, views.Count);
        Assert.All(views, v => Assert.Equal(BatchStates.Accepted, v.State));
        Assert.Equal(
            [Pool[0].PublicKey, Pool[1].PublicKey],
            (await rig.Batches.ValidatorsAsync(accepted[1].BatchId, CancellationToken.None)).Select(v => v.PublicKey));
    }

    [Fact]
    public async Task File_still_being_written_or_under_a_temporary_name_is_left_alone()
    {
        await using var rig = await IntakeRig.CreateAsync();
        var full = File(Pool[0]);
        var path = rig.Drop("deposit_data-2.json", full[..(full.Length / 2)]);
        foreach (var temp in new[] { "deposit_data-3.json.part", "deposit_data-4.tmp", ".deposit_data-5.json" })
            rig.Drop(temp, full);

        Assert.True(await rig.Watcher.ScanAsync(CancellationToken.None));
        await System.IO.File.AppendAllTextAsync(path, full[(full.Length / 2)..]);
        Assert.True(await rig.Watcher.ScanAsync(CancellationToken.None));
        Assert.Contains("deposit_data-2.json", IntakeRig.Names(rig.Folder.Inbox));
        Assert.Empty(rig.Harness.Published.Held<DepositFileAccepted>());

        await rig.ScanUntilSettledAsync();

        Assert.Equal(["deposit_data-2.json"], IntakeRig.Names(rig.Folder.Processing));
        Assert.Equal([".deposit_data-5.json", "deposit_data-3.json.part", "deposit_data-4.tmp"], IntakeRig.Names(rig.Folder.Inbox));
        Assert.Empty(IntakeRig.Names(rig.Folder.Rejected));
    }

    [Fact]
    public async Task Second_copy_of_a_file_is_rejected_as_a_duplicate_of_the_first_whatever_its_name()
    {
        await using var rig = await IntakeRig.CreateAsync();
        var content = File(Pool[0], Pool[1]);
        rig.Drop("first.json", content);
        await rig.ScanUntilSettledAsync();
        rig.Drop("copy.json", content);
        await rig.ScanUntilSettledAsync();
        rig.Drop("first.json", content);
        await rig.ScanUntilSettledAsync();

        Assert.Single(rig.Harness.Published.Held<DepositFileAccepted>());
        Assert.Equal(["first.json"], IntakeRig.Names(rig.Folder.Processing));
        var rejected = IntakeRig.Names(rig.Folder.Rejected);
        Assert.Equal(4, rejected.Count);
        Assert.Contains("copy.json", rejected);
        Assert.Contains("first.json", rejected);
        var report = Report(rig, "copy.json");
        Assert.Equal(["duplicate of first.json"], report.GetProperty("file_reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(2, rig.Harness.Published.Held<DepositFileRejected>().Count());
    }

    [Fact]
    public async Task Malformed_file_is_rejected_with_each_reason_while_good_files_proceed()
    {
        await using var rig = await IntakeRig.CreateAsync();
        var wrongVault = DepositFiles.Entry(IntakeRig.Network, Primitives.Address.Parse("0x0000000000000000000000000000000000000bad"), "v6");
        // Pool[4]'s signature on Pool[5]'s deposit, with the roots made to match: only the signature check can catch it.
        var forged = Pool[5] with
        {
            Signature = Pool[4].Signature,
            DepositDataRoot = new Crypto.Consensus.DepositData(Pool[5].PublicKey, Pool[5].WithdrawalCredentials, Pool[5].Amount, Pool[4].Signature).HashTreeRoot(),
        };
        rig.Drop("a-good.json", File(Pool[0]));
        rig.Drop("b-not-json.json", "[{\"pubkey\": ");
        rig.Drop("c-bad-entries.json", File(Pool[3], wrongVault, forged));
        rig.Drop("d-good.json", File(Pool[1], Pool[2]));

        await rig.ScanUntilSettledAsync();

        Assert.Equal(["a-good.json", "d-good.json"], IntakeRig.Names(rig.Folder.Processing));
        Assert.Equal(
            ["b-not-json.json", "b-not-json.json.error.json", "c-bad-entries.json", "c-bad-entries.json.error.json"],
            IntakeRig.Names(rig.Folder.Rejected));
        Assert.Contains("not valid JSON", Report(rig, "b-not-json.json").GetProperty("file_reasons")[0].GetString());
        var entries = Report(rig, "c-bad-entries.json").GetProperty("validators").EnumerateArray()
            .Select(v => (v.GetProperty("position").GetInt32(), v.GetProperty("problem").GetString())).ToList();
        Assert.Equal([(1, "CredentialsNotForVault"), (2, "InvalidSignature")], entries);
        Assert.Equal(2, rig.Harness.Published.Held<DepositFileAccepted>().Count());
    }

    /// <summary>23 entries of 0x01 make 4048 bytes, which the vault cannot tell from 22 entries of 0x02 and refuses.</summary>
    [Fact]
    public async Task Twenty_three_validators_are_split_into_batches_the_vault_can_read()
    {
        await using var rig = await IntakeRig.CreateAsync(maxBatchSize: 50);
        var entries = Enumerable.Range(0, 23).Select(i => DepositFiles.Entry(IntakeRig.Network, IntakeRig.Vault, $"split{i}")).ToArray();
        rig.Drop("twenty-three.json", DepositFiles.Json(IntakeRig.Network, entries));

        await rig.ScanUntilSettledAsync();

        var accepted = rig.Harness.Published.Held<DepositFileAccepted>().Select(m => m.Context.Message).ToList();
        Assert.Equal([1, 22], accepted.Select(a => a.Validators.Count).Order());
        Assert.Equal(entries.Select(e => e.PublicKey.ToString()).Order(), accepted.SelectMany(a => a.Validators).Select(k => k.ToString()).Order());
    }

    /// <summary>A rejection is recorded and announced before the file moves: a broker that refuses the event leaves the file for the next scan.</summary>
    [Fact]
    public async Task Rejection_the_broker_refused_is_recorded_announced_and_moved_on_the_next_scan()
    {
        await using var rig = await IntakeRig.CreateAsync(publisher: bus => new RefusesFirst<DepositFileRejected>(bus));
        rig.Drop("b-not-json.json", "[{\"pubkey\": ");

        await rig.ScanUntilSettledAsync();

        Assert.Equal(["b-not-json.json"], IntakeRig.Names(rig.Folder.Inbox));
        Assert.Empty(IntakeRig.Names(rig.Folder.Rejected));
        Assert.Empty(rig.Harness.Published.Held<DepositFileRejected>());

        await rig.ScanUntilSettledAsync();

        Assert.Empty(IntakeRig.Names(rig.Folder.Inbox));
        Assert.Equal(["b-not-json.json", "b-not-json.json.error.json"], IntakeRig.Names(rig.Folder.Rejected));
        var rejected = Assert.Single(rig.Harness.Published.Held<DepositFileRejected>()).Context.Message;
        Assert.Equal("b-not-json.json", rejected.FileName);
        Assert.Contains("not valid JSON", rejected.Reasons[0]);
        await using var connection = await rig.Db.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync<(string State, string StoredName)>(
            "SELECT state, stored_name FROM operator.deposit_files WHERE file_name = 'b-not-json.json'");
        Assert.Equal(("rejected", "b-not-json.json"), row);
    }

    [Fact]
    public async Task Oversized_file_is_rejected_with_its_size_reason_and_kept()
    {
        await using var rig = await IntakeRig.CreateAsync();
        var size = new FileInfo(rig.Drop("huge.json", "[" + new string(' ', new DepositDataOptions().MaxBytes) + "]")).Length;
        rig.Drop("good.json", File(Pool[0]));

        await rig.ScanUntilSettledAsync();

        Assert.Equal(["huge.json", "huge.json.error.json"], IntakeRig.Names(rig.Folder.Rejected));
        Assert.Equal(size, new FileInfo(Path.Combine(rig.Folder.Rejected, "huge.json")).Length);
        Assert.Contains("larger than", Report(rig, "huge.json").GetProperty("file_reasons")[0].GetString());
        Assert.Equal(["good.json"], IntakeRig.Names(rig.Folder.Processing));
    }

    [Fact]
    public async Task Key_already_deposited_on_chain_is_rejected()
    {
        await using var rig = await IntakeRig.CreateAsync();
        await using (var connection = await rig.Db.OpenConnectionAsync())
            await connection.ExecuteAsync(
                // What a pass of the deposit index stores for a valid deposit: the log and the validator it makes.
                """
                INSERT INTO operator.deposit_events (deposit_index, public_key, valid, block_number) VALUES (0, @key, true, 1);
                INSERT INTO operator.deposit_validators (public_key, first_deposit, block_number) VALUES (@key, 0, 1);
                """,
                new { key = Pool[1].PublicKey.ToArray() });
        rig.Drop("again.json", File(Pool[0], Pool[1]));

        await rig.ScanUntilSettledAsync();

        var entry = Assert.Single(Report(rig, "again.json").GetProperty("validators").EnumerateArray());
        Assert.Equal(1, entry.GetProperty("position").GetInt32());
        Assert.Equal("AlreadyDeposited", entry.GetProperty("problem").GetString());
        Assert.Empty(rig.Harness.Published.Held<DepositFileAccepted>());
    }

    /// <summary>
    /// The same key in another file (not a byte copy: other keys beside it) while the first file's batch is open:
    /// refused naming that file, so two batches never ask for the same exits; the first file is unaffected.
    /// </summary>
    [Fact]
    public async Task Key_in_an_unfinished_batch_of_another_file_is_rejected_naming_that_file()
    {
        await using var rig = await IntakeRig.CreateAsync();
        rig.Drop("first.json", File(Pool[0], Pool[1]));
        await rig.ScanUntilSettledAsync();
        rig.Drop("overlap.json", File(Pool[2], Pool[1]));

        await rig.ScanUntilSettledAsync();

        var entry = Assert.Single(Report(rig, "overlap.json").GetProperty("validators").EnumerateArray());
        Assert.Equal(1, entry.GetProperty("position").GetInt32());
        Assert.Equal("InOpenBatch", entry.GetProperty("problem").GetString());
        Assert.Contains("already being registered from first.json", entry.GetProperty("reason").GetString());
        Assert.Single(rig.Harness.Published.Held<DepositFileAccepted>());
        Assert.Equal(["first.json"], IntakeRig.Names(rig.Folder.Processing));
    }

    /// <summary>
    /// A file in the inbox whose reading fails with an I/O error (here a link to /proc/self/mem, which fails at offset
    /// 0) fails on its own: the files after it in the same scan are still taken, and it stays where it is.
    /// </summary>
    [Fact]
    public async Task A_file_that_cannot_be_read_does_not_stop_the_files_after_it()
    {
        await using var rig = await IntakeRig.CreateAsync();
        var unreadable = Path.Combine(rig.Folder.Inbox, "a-unreadable.json");
        System.IO.File.CreateSymbolicLink(unreadable, "/proc/self/mem");
        rig.Drop("b-good.json", File(Pool[0]));

        await rig.ScanUntilSettledAsync();

        Assert.Equal("b-good.json", Assert.Single(rig.Harness.Published.Held<DepositFileAccepted>()).Context.Message.FileName);
        Assert.True(System.IO.File.Exists(unreadable), "the unreadable file was moved or removed");
    }

    [Fact]
    public async Task After_a_restart_mid_batch_the_file_is_not_taken_again_and_finishing_moves_it_to_done()
    {
        await using var rig = await IntakeRig.CreateAsync();
        var content = File(Pool[0]);
        rig.Drop("mid.json", content);
        await rig.ScanUntilSettledAsync();
        var batchId = rig.Harness.Published.Held<DepositFileAccepted>().Single().Context.Message.BatchId;

        rig.Restart();
        rig.Drop("mid-again.json", content);
        await rig.ScanUntilSettledAsync();

        Assert.Equal([batchId], (await rig.Batches.OpenAsync(CancellationToken.None)).Select(b => b.BatchId));
        Assert.Contains("mid-again.json", IntakeRig.Names(rig.Folder.Rejected));
        var finished = await rig.Batches.FinishAsync(batchId, BatchStates.Registered, CancellationToken.None);
        Assert.NotNull(finished);
        // The process stops before the file is moved: the redelivered finish hands the file over again.
        var again = await rig.Batches.FinishAsync(batchId, BatchStates.Registered, CancellationToken.None);
        Assert.NotNull(again);
        Assert.Equal((finished.StoredName, finished.Failures.Count), (again.StoredName, again.Failures.Count));
        await rig.Intake.CompleteAsync(again, CancellationToken.None);
        Assert.Equal(["mid.json"], IntakeRig.Names(rig.Folder.Done));
        Assert.Empty(IntakeRig.Names(rig.Folder.Processing));
        Assert.Empty(await rig.Batches.OpenAsync(CancellationToken.None));
        // Once the file has left processing/, a finish delivered once more has nothing to move.
        Assert.Null(await rig.Batches.FinishAsync(batchId, BatchStates.Registered, CancellationToken.None));
    }

    [Fact]
    public async Task File_recorded_but_not_moved_before_a_crash_is_processed_on_restart()
    {
        await using var rig = await IntakeRig.CreateAsync();
        var content = File(Pool[2]);
        var sha = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content));
        await using (var connection = await rig.Db.OpenConnectionAsync())
            await connection.ExecuteAsync(
                "INSERT INTO operator.deposit_files (sha256, file_name, stored_name, state) VALUES (@sha, 'crash.json', 'crash.json', 'received')", new { sha });
        rig.Drop("crash.json", content);

        await rig.ScanUntilSettledAsync();

        Assert.Equal(["crash.json"], IntakeRig.Names(rig.Folder.Processing));
        Assert.Single(rig.Harness.Published.Held<DepositFileAccepted>());
    }

    [Fact]
    public async Task Failed_batch_sends_its_file_to_rejected_with_the_reason()
    {
        await using var rig = await IntakeRig.CreateAsync(maxBatchSize: 1);
        rig.Drop("two.json", File(Pool[0], Pool[1]));
        await rig.ScanUntilSettledAsync();
        var ids = rig.Harness.Published.Held<DepositFileAccepted>().Select(m => m.Context.Message.BatchId).ToList();

        Assert.Null(await rig.Batches.FinishAsync(ids[0], BatchStates.Registered, CancellationToken.None));
        var finished = await rig.Batches.FinishAsync(ids[1], BatchStates.Failed, CancellationToken.None, failure: "InvalidValidatorsRegistryRoot()");
        await rig.Intake.CompleteAsync(finished!, CancellationToken.None);

        Assert.Equal(["two.json", "two.json.error.json"], IntakeRig.Names(rig.Folder.Rejected));
        var reason = Report(rig, "two.json").GetProperty("file_reasons")[0].GetString();
        Assert.Contains("InvalidValidatorsRegistryRoot", reason);

        // Moved back into the inbox as it is: its batches have ended, so it is a duplicate, not an interrupted intake
        // whose batches would be announced again to sagas that no longer listen.
        System.IO.File.Move(Path.Combine(rig.Folder.Rejected, "two.json"), Path.Combine(rig.Folder.Inbox, "two.json"));
        await rig.ScanUntilSettledAsync();

        Assert.Empty(IntakeRig.Names(rig.Folder.Inbox));
        Assert.Empty(IntakeRig.Names(rig.Folder.Processing));
        Assert.Equal(2, rig.Harness.Published.Held<DepositFileAccepted>().Count());
        var refused = Assert.Single(rig.Harness.Published.Held<DepositFileRejected>()).Context.Message;
        Assert.Equal(["duplicate of two.json"], refused.Reasons);
    }

    [Fact]
    public async Task Hundred_files_dropped_at_once_are_each_taken_exactly_once()
    {
        await using var rig = await IntakeRig.CreateAsync();
        var validators = Enumerable.Range(0, 100).Select(i => DepositFiles.Entry(IntakeRig.Network, IntakeRig.Vault, $"bulk{i}")).ToArray();
        Parallel.For(0, validators.Length, i => rig.Drop($"bulk-{i:D3}.json", File(validators[i])));

        await rig.ScanUntilSettledAsync();
        rig.Restart();
        await rig.ScanUntilSettledAsync();

        Assert.Empty(IntakeRig.Names(rig.Folder.Inbox));
        Assert.Equal(100, IntakeRig.Names(rig.Folder.Processing).Count);
        var accepted = rig.Harness.Published.Held<DepositFileAccepted>().Select(m => m.Context.Message).ToList();
        Assert.Equal(100, accepted.Count);
        Assert.Equal(100, accepted.Select(m => m.BatchId).Distinct().Count());
        Assert.Equal(validators.Select(v => v.PublicKey).ToHashSet(), accepted.SelectMany(m => m.Validators).ToHashSet());
    }

    private static JsonElement Report(IntakeRig rig, string name) =>
        JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(rig.Folder.Rejected, name + ".error.json"))).RootElement;
}
