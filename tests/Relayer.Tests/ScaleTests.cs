using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Contracts;
using DvtBus.Primitives;
using DvtBus.Relayer.Tests.Support;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Relayer.Tests;

/// <summary>200 validators x 4 shares at once: every exit ready once, every share stored once.</summary>
public static class Scale
{
    public const int Validators = 200;
    private const int Nodes = 4;

    public static async Task RunAsync(RelayerEnvironment env, ulong firstIndex)
    {
        var validators = await MakeValidatorsAsync(firstIndex);
        var keys = validators.Select(v => v.PublicKey).ToHashSet();

        // Sidecars announce at start-up, before any exit is asked for.
        for (ulong node = 1; node <= Nodes; node++)
            await env.Bus.Publish(new KeySharesAnnounced
            {
                SidecarId = $"node-{node}",
                Network = TestCluster.Network.Name,
                Validators = validators.Select(v => new AnnouncedValidator(
                    v.PublicKey, 3, v.PublicShares.Select((p, i) => new IndexedPublicShare((ulong)i + 1, p)).ToList(), [node])).ToList(),
            });
        await RelayerEnvironment.WaitUntilAsync(async () => await env.QueryScalarAsync<long>(
            "SELECT count(*) FROM relayer.validators WHERE public_key = ANY(@keys)", new { keys = Keys(keys) }) == Validators, "every cluster to be known");
        await env.Bus.Publish(new ExitRequested
        {
            BatchId = Guid.NewGuid(),
            Network = TestCluster.Network.Name,
            Vault = Address.Parse("0x" + new string('2', 40)),
            Validators = validators.Select(v => new RequestedExit(v.PublicKey, v.Index)).ToList(),
            RequestedAt = DateTimeOffset.UtcNow,
        });
        await RelayerEnvironment.WaitUntilAsync(async () => await env.QueryScalarAsync<long>(
            "SELECT count(*) FROM relayer.exits WHERE public_key = ANY(@keys)", new { keys = Keys(keys) }) == Validators, "every exit to be recorded");

        await Task.WhenAll(validators.SelectMany(v => v.Signatures.Select((s, i) => env.Bus.Publish(new ShareSubmitted
        {
            Network = TestCluster.Network.Name,
            ValidatorPublicKey = v.PublicKey,
            ValidatorIndex = v.Index,
            ShareIndex = (ulong)i + 1,
            ExitSignatureShare = s,
            SidecarId = $"node-{i + 1}",
        }))));

        await RelayerEnvironment.WaitUntilAsync(
            () => Task.FromResult(env.Recorder.Of<SignatureReady>().Count(r => keys.Contains(r.ValidatorPublicKey)) >= Validators),
            "every exit to be ready", seconds: 170);
        await RelayerEnvironment.WaitUntilAsync(async () => await CountAsync(env, "shares", keys) == Nodes * Validators, "every share to be stored");

        var ready = env.Recorder.Of<SignatureReady>().Where(r => keys.Contains(r.ValidatorPublicKey)).ToList();
        Assert.Equal(Validators, ready.Count);
        Assert.Equal(Validators, ready.Select(r => r.ExitId).Distinct().Count());
        Assert.Equal(Nodes * Validators, await CountAsync(env, "shares", keys));
        Assert.Equal(env.Oracles.Keys.Count * Validators, await CountAsync(env, "oracle_shards", keys));
        Assert.DoesNotContain(env.Recorder.Of<ShareRejected>(), r => keys.Contains(r.ValidatorPublicKey));
    }

    private sealed record Validator(BlsPublicKey PublicKey, ulong Index, IReadOnlyList<BlsPublicKey> PublicShares, IReadOnlyList<BlsSignature> Signatures);

    /// <summary>Split and signed by blst in node: the C# signing of 800 shares would take the CPU the relayer needs.</summary>
    private static async Task<List<Validator>> MakeValidatorsAsync(ulong firstIndex)
    {
        var indexes = Enumerable.Range(0, Validators).Select(i => firstIndex + (ulong)i).ToList();
        var request = new { nodes = Nodes, threshold = 3, validators = indexes.Select(i => new { message = TestCluster.SigningRoot(i).ToString() }) };
        var output = JsonNode.Parse(await NodePeer.RunAsync("relayer-clusters.mjs", JsonSerializer.Serialize(request)))!.AsArray();
        return output.Select((v, i) => new Validator(
            BlsPublicKey.Parse(v!["public_key"]!.GetValue<string>()),
            indexes[i],
            v["public_shares"]!.AsArray().Select(p => BlsPublicKey.Parse(p!.GetValue<string>())).ToList(),
            v["signatures"]!.AsArray().Select(p => BlsSignature.Parse(p!.GetValue<string>())).ToList())).ToList();
    }

    private static byte[][] Keys(HashSet<BlsPublicKey> keys) => keys.Select(k => k.ToArray()).ToArray();

    private static Task<long> CountAsync(RelayerEnvironment env, string table, HashSet<BlsPublicKey> keys) =>
        env.QueryScalarAsync<long>(
            $"SELECT count(*) FROM relayer.{table} t JOIN relayer.exits e ON e.id = t.exit_id WHERE e.public_key = ANY(@keys)",
            new { keys = Keys(keys) });
}

public sealed class ScaleTests(RelayerEnvironment env) : IClassFixture<RelayerEnvironment>
{
    [Fact]
    public Task Two_hundred_validators_with_four_shares_each_submitted_at_once_are_all_ready_and_stored_once() =>
        Scale.RunAsync(env, firstIndex: 100_000);
}

public sealed class TwoRelayers : RelayerEnvironment
{
    protected override int RelayersAtStart => 2;
}

public sealed class TwoRelayerScaleTests(TwoRelayers env) : IClassFixture<TwoRelayers>
{
    [Fact]
    public Task Two_relayers_side_by_side_share_two_hundred_validators_without_double_processing() =>
        Scale.RunAsync(env, firstIndex: 200_000);
}
