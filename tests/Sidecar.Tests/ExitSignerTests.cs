using System.Diagnostics.Metrics;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;

namespace DvtBus.Sidecar.Tests;

public sealed class ExitSignerTests : IDisposable
{
    private readonly ObolCluster _cluster = ObolCluster.Create(validators: 2);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Signing_the_same_exit_twice_costs_one_signature_per_share()
    {
        await using var sidecar = await LoadedSidecar.LoadAsync(_cluster.Settings("node-0-1", "hoodi", 0, 1));
        using var probe = new MeterProbe(sidecar.Service<IMeterFactory>());
        var validator = _cluster.Validators[0];

        var first = sidecar.Signer.Sign(validator, 77);
        var second = sidecar.Signer.Sign(validator, 77);

        Assert.Equal(first, second);
        Assert.Equal([1UL, 2UL], first.Select(s => s.Id));
        Assert.Equal(2, probe["sidecar_exit_shares_signed_total"]);
        Assert.Equal(1, probe["sidecar_exit_signature_cache_hits_total"]);
    }

    [Fact]
    public async Task Another_index_is_a_new_exit_with_new_signatures()
    {
        await using var sidecar = await LoadedSidecar.LoadAsync(_cluster.Settings("node-0", "hoodi", 0));
        var validator = _cluster.Validators[0];

        var at77 = Assert.Single(sidecar.Signer.Sign(validator, 77));
        var at78 = Assert.Single(sidecar.Signer.Sign(validator, 78));

        Assert.NotEqual(at77.Signature, at78.Signature);
    }

    [Fact]
    public async Task Forgets_the_oldest_exit_beyond_the_cache_size_and_signs_it_again_identically()
    {
        var settings = _cluster.Settings("node-2", "hoodi", 2);
        settings["Sidecar:SignatureCacheSize"] = "1";
        await using var sidecar = await LoadedSidecar.LoadAsync(settings);
        using var probe = new MeterProbe(sidecar.Service<IMeterFactory>());
        var validator = _cluster.Validators[1];

        var first = sidecar.Signer.Sign(validator, 1);
        sidecar.Signer.Sign(validator, 2);
        var again = sidecar.Signer.Sign(validator, 1);

        Assert.Equal(first, again);
        Assert.Equal(3, probe["sidecar_exit_shares_signed_total"]);
        Assert.Equal(0, probe["sidecar_exit_signature_cache_hits_total"]);
    }

    [Fact]
    public async Task Signs_nothing_for_a_validator_it_does_not_hold()
    {
        await using var sidecar = await LoadedSidecar.LoadAsync(_cluster.Settings("node-3", "hoodi", 3));
        using var probe = new MeterProbe(sidecar.Service<IMeterFactory>());
        using var stranger = BlsSecretKey.Generate();

        Assert.Empty(sidecar.Signer.Sign(stranger.PublicKey, 5));
        Assert.False(sidecar.Signer.Holds(stranger.PublicKey));
        Assert.Equal(1, probe["sidecar_exit_requests_ignored_total{reason=not_held}"]);
    }

    [Fact]
    public async Task Signs_with_the_capella_domain_of_its_own_network_only()
    {
        await using var sidecar = await LoadedSidecar.LoadAsync(_cluster.ForForkVersion(Networks.Gnosis.GenesisForkVersion).Settings("all", "gnosis", 0, 1, 2, 3));
        var validator = _cluster.Validators[1];

        var shares = sidecar.Signer.Sign(validator, 4242);
        var signature = BlsThreshold.RecoverSignature(shares.Skip(1).ToArray());

        Assert.True(sidecar.Signer.IsOwnNetwork("Gnosis"));
        Assert.False(sidecar.Signer.IsOwnNetwork("chiado"));
        Assert.True(ExitSigning.Verify(Networks.Gnosis, validator, ExitSigning.Exit(Networks.Gnosis, 4242), signature));
        Assert.False(ExitSigning.Verify(Networks.Chiado, validator, ExitSigning.Exit(Networks.Chiado, 4242), signature));
    }

    [Fact]
    public async Task Signs_for_a_devnet_described_in_the_network_section()
    {
        var settings = _cluster.ForForkVersion(Bytes4.Parse("0x10000000")).Settings("devnet", "ignored", 0, 1, 2);
        settings.Remove("Sidecar:Network");
        var devnet = new Dictionary<string, string?>
        {
            ["Sidecar:Network:Name"] = "localnet",
            ["Sidecar:Network:ChainId"] = "31337",
            ["Sidecar:Network:GenesisForkVersion"] = "0x10000000",
            ["Sidecar:Network:CapellaForkVersion"] = "0x40000000",
            ["Sidecar:Network:CapellaEpoch"] = "0",
            ["Sidecar:Network:GenesisValidatorsRoot"] = "0x" + new string('1', 64),
            ["Sidecar:Network:DepositContractAddress"] = "0x" + new string('2', 40),
        };
        foreach (var (key, value) in devnet) settings[key] = value;
        await using var sidecar = await LoadedSidecar.LoadAsync(settings);
        var validator = _cluster.Validators[0];

        var signature = BlsThreshold.RecoverSignature(sidecar.Signer.Sign(validator, 9).ToArray());

        Assert.Equal("localnet", sidecar.Signer.Network.Name);
        Assert.True(ExitSigning.Verify(sidecar.Signer.Network, validator, ExitSigning.Exit(sidecar.Signer.Network, 9), signature));
    }
}
