using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;
using DvtBus.TestSupport;

namespace DvtBus.Sidecar.Tests;

/// <summary>
/// The exits our sidecars sign, checked by an independent implementation: tools/js/sidecar-peer.mjs
/// builds the Capella exit signing root itself and verifies the recombined signature with blst.
/// </summary>
public sealed class BlstCrossCheckTests : IDisposable
{
    private readonly ObolCluster _cluster = ObolCluster.Create(validators: 2);

    public void Dispose() => _cluster.Dispose();

    [Theory]
    [InlineData("mainnet")]
    [InlineData("gnosis")]
    public async Task Blst_verifies_the_recombined_exits_of_an_obol_cluster_under_its_own_signing_root(string network)
    {
        Assert.True(Networks.TryGetBuiltIn(network, out var own));
        await using var sidecar = await LoadedSidecar.LoadAsync(_cluster.ForForkVersion(own.GenesisForkVersion).Settings("blst", network, 0, 1, 2, 3));
        var exits = _cluster.Validators.Select((v, i) => (Validator: v, Index: 1_000UL + (ulong)i,
            Signature: BlsThreshold.RecoverSignature(sidecar.Signer.Sign(v, 1_000UL + (ulong)i).TakeLast(3).ToArray()))).ToList();
        // The second validator's signature under the first one's key must not verify.
        exits.Add((exits[0].Validator, exits[0].Index, exits[1].Signature));

        var (roots, valid) = await CheckAsync(sidecar.Signer.Network, exits);

        Assert.Equal([true, true, false], valid);
        Assert.Equal(ExitSigning.SigningRoot(sidecar.Signer.Network, ExitSigning.Exit(sidecar.Signer.Network, 1_000)).ToString(), roots[0]);
    }

    [Fact]
    [Trait("Category", "Vectors")]
    public async Task Blst_verifies_the_recombined_exit_of_the_ssv_ceremony_validator()
    {
        await using var sidecar = await LoadedSidecar.LoadAsync(SsvFixtures.Settings("4_operators_1_validator", "blst-ssv"));
        var held = Assert.Single(sidecar.Ring.Validators);
        var signature = BlsThreshold.RecoverSignature(sidecar.Signer.Sign(held.PublicKey, 424_242).Skip(1).ToArray());

        var (_, valid) = await CheckAsync(Networks.Mainnet, [(held.PublicKey, 424_242UL, signature)]);

        Assert.Equal([true], valid);
    }

    private static async Task<(string[] Roots, bool[] Valid)> CheckAsync(Network network, IEnumerable<(BlsPublicKey Validator, ulong Index, BlsSignature Signature)> exits)
    {
        var request = new JsonObject
        {
            ["capella_fork_version"] = network.CapellaForkVersion.ToString(),
            ["genesis_validators_root"] = network.GenesisValidatorsRoot.ToString(),
            ["capella_epoch"] = network.CapellaEpoch,
            ["exits"] = new JsonArray(exits.Select(e => (JsonNode)new JsonObject
            {
                ["public_key"] = e.Validator.ToString(),
                ["validator_index"] = e.Index,
                ["signature"] = e.Signature.ToString(),
            }).ToArray()),
        };
        var answer = JsonNode.Parse(await NodePeer.RunAsync("sidecar-peer.mjs", request.ToJsonString()))!;
        return (answer["signing_roots"]!.Deserialize<string[]>()!, answer["valid"]!.Deserialize<bool[]>()!);
    }
}
