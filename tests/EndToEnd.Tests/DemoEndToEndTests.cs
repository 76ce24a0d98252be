using System.Diagnostics;
using System.Text;
using System.Text.Json;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Encryption;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace DvtBus.EndToEnd.Tests;

/// <summary>
/// The whole path, as <c>./dvt demo</c> runs it: relayer, one sidecar process per node, operator and dev
/// oracles as separate processes on the real broker and database (a virtual host and a database of their
/// own) and this class's anvil. The result file is then checked without the daemons' code paths:
/// every oracle shard decrypts with its oracle's key and verifies, and the vault emitted ValidatorRegistered.
/// </summary>
public sealed class DemoEndToEndTests(AnvilNode anvil, ITestOutputHelper log) : IClassFixture<AnvilNode>
{
    private const int Validators = 2;
    private const int Oracles = 4;
    private const int OracleThreshold = 3;

    [Fact]
    public async Task Registers_every_validator_with_shards_every_oracle_can_open()
    {
        var result = await RunDemoAsync();
        await AssertRegisteredAndVerifiable(result);
    }

    [Fact]
    public async Task Registers_with_one_sidecar_stopped_because_three_of_four_nodes_still_sign()
    {
        var result = await RunDemoAsync("--without-sidecar", "1");
        await AssertRegisteredAndVerifiable(result);
    }

    private async Task<JsonDocument> RunDemoAsync(params string[] extra)
    {
        var vhost = await TestServices.CreateVirtualHostAsync("demo");
        var database = await TestServices.CreateDatabaseAsync("demo");
        var outFile = Path.Combine(Path.GetTempPath(), $"dvt-demo-{Guid.NewGuid():N}.json");
        try
        {
            var psi = new ProcessStartInfo("bash")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = RepoPaths.Root,
            };
            foreach (var argument in new[]
            {
                Path.Combine(RepoPaths.Root, "dvt"), "demo", "--validators", $"{Validators}", "--nodes", "4", "--threshold", "3",
                "--oracles", $"{Oracles}", "--oracle-threshold", $"{OracleThreshold}", "--rpc", anvil.Url, "--out", outFile, "--timeout", "180",
            }.Concat(extra))
                psi.ArgumentList.Add(argument);
            psi.Environment["DVT_SERVICES"] = "1";
            psi.Environment["DVT_RABBITMQ_VHOST"] = vhost;
            psi.Environment["DVT_DEMO_POSTGRES"] = database;
            psi.Environment["DVT_DEMO_NO_BUILD"] = "1";
            psi.Environment["DVT_DEMO_CONFIGURATION"] = BuildConfiguration();
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("bash did not start");
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // SIGTERM lets the demo's trap stop the daemons it started.
                Process.Start("kill", ["-TERM", process.Id.ToString()])?.WaitForExit();
                await process.WaitForExitAsync();
            }
            process.WaitForExit();
            string text;
            lock (output) text = output.ToString();
            log.WriteLine(text);
            Assert.True(process.ExitCode == 0, $"./dvt demo exited {process.ExitCode}:\n{text}");
            return JsonDocument.Parse(await File.ReadAllTextAsync(outFile));
        }
        finally
        {
            File.Delete(outFile);
            await TestServices.DeleteVirtualHostAsync(vhost);
        }
    }

    private async Task AssertRegisteredAndVerifiable(JsonDocument result)
    {
        var root = result.RootElement;
        var n = root.GetProperty("network");
        var network = Networks.Resolve(new NetworkOptions
        {
            Name = n.GetProperty("name").GetString(),
            ChainId = n.GetProperty("chain_id").GetUInt64(),
            GenesisForkVersion = n.GetProperty("genesis_fork_version").GetString(),
            CapellaForkVersion = n.GetProperty("capella_fork_version").GetString(),
            CapellaEpoch = n.GetProperty("capella_epoch").GetUInt64(),
            GenesisValidatorsRoot = n.GetProperty("genesis_validators_root").GetString(),
            DepositContractAddress = n.GetProperty("deposit_contract").GetString(),
        });
        var oracleKeys = root.GetProperty("oracles").EnumerateArray().Select(o => Hex.Decode(o.GetProperty("private_key").GetString())).ToArray();
        Assert.Equal(Oracles, oracleKeys.Length);
        Assert.Equal(OracleThreshold, root.GetProperty("oracle_threshold").GetInt32());

        var validators = root.GetProperty("validators").EnumerateArray().ToArray();
        Assert.Equal(Validators, validators.Length);
        foreach (var v in validators)
        {
            var key = BlsPublicKey.Parse(v.GetProperty("public_key").GetString());
            var signingRoot = ExitSigning.SigningRoot(network, ExitSigning.Exit(network, v.GetProperty("validator_index").GetUInt64()));
            Assert.Equal(signingRoot, Bytes32.Parse(v.GetProperty("exit_signing_root").GetString()));
            var keyShards = v.GetProperty("public_key_shards").EnumerateArray().Select(s => BlsPublicKey.Parse(s.GetString())).ToArray();
            var encrypted = v.GetProperty("encrypted_exit_signatures").EnumerateArray().Select(s => Hex.Decode(s.GetString())).ToArray();
            var shards = new List<IndexedSignature>();
            for (var k = 0; k < Oracles; k++)
            {
                var shard = BlsSignature.From(Ecies.Decrypt(oracleKeys[k], encrypted[k]));
                Assert.True(BlsScheme.Verify(keyShards[k], signingRoot.Span, shard), $"shard {k} of {key} does not verify");
                shards.Add(new IndexedSignature((ulong)k + 1, shard));
            }
            Assert.True(BlsScheme.Verify(key, signingRoot.Span, BlsThreshold.RecoverSignature(shards.Skip(1).Take(OracleThreshold).ToArray())));
        }

        using var http = new HttpClient();
        var rpc = new EthRpcClient(http, anvil.Uri);
        var logs = await rpc.GetLogsAsync(
            LogFilter.ForEvent(Address.Parse(root.GetProperty("vault").GetString()), StakeWiseCalls.ValidatorRegistered), 0, BlockTag.Latest);
        var registered = logs
            .Select(log => StakeWiseCalls.TryDecodeValidatorRegistered(log, out var key) ? key : default)
            .ToHashSet();
        Assert.All(validators, v => Assert.Contains(BlsPublicKey.Parse(v.GetProperty("public_key").GetString()), registered));
    }

    /// <summary>The workers were built with this test assembly (project references), in its configuration.</summary>
    private static string BuildConfiguration() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
}
