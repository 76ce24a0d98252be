using DvtBus.Operator.Batches;
using DvtBus.Operator.Tests.Support;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Operator.Tests.Status;

/// <summary>
/// ./dvt status against the operator's GET /batches (the Status code over a real database) and its
/// /metrics: the table shows each batch, a failure's reason and a transaction; an unreachable operator is
/// one clear line and a non-zero exit.
/// </summary>
public sealed class StatusCommandTests
{
    private static readonly IReadOnlyDictionary<string, string?> NoOperatorSettings =
        new Dictionary<string, string?> { ["DVT_OPERATOR_URL"] = null, ["DVT_OPERATOR_ENV"] = null };

    [Fact]
    public async Task Status_lists_each_batch_with_state_file_transaction_and_failure_reason_and_metrics_count_the_endings()
    {
        await using var rig = await IntakeRig.CreateAsync(maxBatchSize: 1);
        await using var web = await OperatorWeb.StartAsync(rig.Batches);
        rig.Drop("deposit_data-status.json", DepositFiles.Json(IntakeRig.Network,
            [DepositFiles.Entry(IntakeRig.Network, IntakeRig.Vault, "status-0"), DepositFiles.Entry(IntakeRig.Network, IntakeRig.Vault, "status-1")]));
        await rig.ScanUntilSettledAsync();
        var batches = (await rig.Batches.ListAsync(10, CancellationToken.None)).OrderBy(b => b.BatchId).ToList();
        Assert.Equal(2, batches.Count);
        var hash = Bytes32.From(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        await rig.Batches.SetStateAsync(batches[0].BatchId, BatchStates.Registering, CancellationToken.None, 40, hash);
        await rig.Batches.FinishAsync(batches[0].BatchId, BatchStates.Registered, CancellationToken.None, hash, 7);
        const string reason = "approvals: 1 of 3 answering oracles agree on one approval; the keeper needs 2";
        await rig.Batches.FinishAsync(batches[1].BatchId, BatchStates.Failed, CancellationToken.None, failure: reason);

        var (code, stdout, stderr) = await DvtScript.RunAsync(NoOperatorSettings, "status", "--url", web.Url);

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal(["ID", "FILE", "VALIDATORS", "STATE", "START", "TX", "HASH", "AGE", "FAILURE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var registered = Assert.Single(lines, l => l.StartsWith(batches[0].BatchId.ToString(), StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["deposit_data-status.json", "1", "Registered", "40", hash.ToString()], registered[1..6]);
        Assert.Matches("^[0-9]+s$", registered[6]);
        Assert.Equal("-", registered[7]);
        var failed = Assert.Single(lines, l => l.StartsWith(batches[1].BatchId.ToString(), StringComparison.Ordinal));
        Assert.Equal(["deposit_data-status.json", "1", "Failed", "-", "-"], failed.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..6]);
        Assert.EndsWith(reason, failed, StringComparison.Ordinal);

        var metrics = await web.MetricsAsync();
        Assert.True(OperatorWeb.Sample(metrics, "dvtbus_operator_batch_failures_total{stage=\"approvals\"}") >= 1, metrics);
        Assert.True(OperatorWeb.Sample(metrics, "dvtbus_operator_batches_failed_total") >= 1, metrics);
        Assert.True(OperatorWeb.Sample(metrics, "dvtbus_operator_batches_registered_total") >= 1, metrics);
        Assert.True(OperatorWeb.Sample(metrics, "dvtbus_operator_validators_registered_total") >= 1, metrics);
        Assert.True(OperatorWeb.Sample(metrics, "dvtbus_operator_registration_duration_seconds_count") >= 1, metrics);
    }

    [Fact]
    public async Task Status_reads_the_operator_listen_address_from_its_env_file_and_says_when_there_are_no_batches()
    {
        await using var rig = await IntakeRig.CreateAsync();
        await using var web = await OperatorWeb.StartAsync(rig.Batches);
        var envFile = Path.Combine(rig.Folder.Root, "operator.env");
        await File.WriteAllTextAsync(envFile, $"# the operator\nOperator__Folder=/tmp/x\nUrls={web.Url.Replace("127.0.0.1", "0.0.0.0")}\n");

        var (code, stdout, stderr) = await DvtScript.RunAsync(
            new Dictionary<string, string?> { ["DVT_OPERATOR_URL"] = null, ["DVT_OPERATOR_ENV"] = envFile }, "status");

        Assert.True(code == 0, stderr);
        Assert.Equal($"no batches yet at {web.Url}", stdout.Trim());
    }

    [Fact]
    public async Task Unreachable_operator_is_one_clear_line_and_a_non_zero_exit()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";

        var (code, stdout, stderr) = await DvtScript.RunAsync(NoOperatorSettings, "status", "--url", url);

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"./dvt status: the operator at {url} is unreachable", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_limit_is_refused_before_any_request()
    {
        var (code, _, stderr) = await DvtScript.RunAsync(NoOperatorSettings, "status", "--url", "http://127.0.0.1:9", "--limit", "0");

        Assert.Equal(2, code);
        Assert.Contains("--limit must be a number from 1 to 1000", stderr, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
