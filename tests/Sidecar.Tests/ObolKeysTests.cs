using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Keystores.Obol;
using DvtBus.Sidecar.Worker.Keys;
using DvtBus.TestSupport;
using Microsoft.Extensions.Options;

namespace DvtBus.Sidecar.Tests;

public sealed class ObolKeysTests : IDisposable
{
    private readonly ObolCluster _cluster = ObolCluster.Create(validators: 3);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Loads_a_generated_four_node_cluster_and_its_exit_shares_recombine_to_a_valid_exit()
    {
        await using var sidecar = await LoadedSidecar.LoadAsync(_cluster.Settings("all-nodes", "hoodi", 0, 1, 2, 3));

        Assert.Equal(3, sidecar.Ring.Validators.Count);
        foreach (var validator in _cluster.Validators)
        {
            var held = sidecar.Ring.Find(validator)!;
            Assert.Equal([1UL, 2UL, 3UL, 4UL], held.HeldShareIndexes);
            Assert.Equal(3, held.Threshold);

            var shares = sidecar.Signer.Sign(validator, 1000);
            foreach (var subset in new[] { shares.Take(3), shares.Skip(1), shares.Where(s => s.Id != 2) })
            {
                var signature = BlsThreshold.RecoverSignature(subset.ToArray());
                Assert.True(ExitSigning.Verify(Networks.Hoodi, validator, ExitSigning.Exit(Networks.Hoodi, 1000), signature));
            }
            Assert.False(ExitSigning.Verify(Networks.Hoodi, validator, ExitSigning.Exit(Networks.Hoodi, 1000),
                BlsThreshold.RecoverSignature(shares.Take(2).ToArray())));
        }
    }

    [Fact]
    public async Task A_node_signs_with_share_index_node_plus_one_and_its_share_verifies_under_its_public_share()
    {
        await using var sidecar = await LoadedSidecar.LoadAsync(_cluster.Settings("node-2", "hoodi", 2));
        var clusterLock = ClusterLock.Load(_cluster.LockFile);

        foreach (var dv in clusterLock.Validators)
        {
            var share = Assert.Single(sidecar.Signer.Sign(dv.PublicKey, 31));
            Assert.Equal(3UL, share.Id);
            Assert.True(ExitSigning.Verify(Networks.Hoodi, dv.PublicShareOfNode(2), ExitSigning.Exit(Networks.Hoodi, 31), share.Signature));
        }
    }

    [Fact]
    public async Task Loads_an_old_lock_whose_keys_are_base64()
    {
        using var old = ObolCluster.Create(validators: 1, base64Keys: true);
        var written = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(old.LockFile))!["distributed_validators"]![0]!;
        // Base64, not 0x-hex (a base64 text may hold "0x" anywhere but at its start, by chance).
        var share = written["public_shares"]![0]!.GetValue<string>();
        Assert.False(share.StartsWith("0x", StringComparison.Ordinal), share);
        Assert.Equal(48, Convert.FromBase64String(share).Length);

        await using var sidecar = await LoadedSidecar.LoadAsync(old.ForForkVersion(Networks.Mainnet.GenesisForkVersion).Settings("old-lock", "mainnet", 0, 2, 3));

        var shares = sidecar.Signer.Sign(old.Validators[0], 8);
        Assert.Equal([1UL, 3UL, 4UL], shares.Select(s => s.Id));
        Assert.True(ExitSigning.Verify(Networks.Mainnet, old.Validators[0], ExitSigning.Exit(Networks.Mainnet, 8), BlsThreshold.RecoverSignature(shares)));
    }

    [Fact]
    public async Task Accepts_the_charon_folder_that_contains_validator_keys()
    {
        var settings = _cluster.Settings("charon-dir", "hoodi");
        SidecarSettings.AddObolNodes(settings, _cluster.LockFile, [(1, Path.GetDirectoryName(_cluster.KeysDir(1))!)]);

        await using var sidecar = await LoadedSidecar.LoadAsync(settings);

        Assert.All(sidecar.Ring.Validators, v => Assert.Equal([2UL], v.HeldShareIndexes));
    }

    [Fact]
    public async Task Refuses_keys_of_another_node_naming_the_validator_and_the_keystore()
    {
        var settings = _cluster.Settings("wrong-node", "hoodi");
        SidecarSettings.AddObolNodes(settings, _cluster.LockFile, [(0, _cluster.KeysDir(1))]);

        var error = await Assert.ThrowsAsync<KeyLoadException>(() => LoadedSidecar.LoadAsync(settings));

        Assert.Contains($"validator 0 ({_cluster.Validators[0]})", error.Message);
        Assert.Contains(_cluster.Keystore(0, 0).Replace("node0", "node1"), error.Message);
        Assert.Contains("does not match public_shares[0]", error.Message);
    }

    [Fact]
    public async Task Refuses_a_lock_of_another_cluster()
    {
        using var other = ObolCluster.Create(validators: 3);
        var settings = _cluster.Settings("other-lock", "hoodi");
        SidecarSettings.AddObolNodes(settings, other.LockFile, [(3, _cluster.KeysDir(3))]);

        var error = await Assert.ThrowsAsync<KeyLoadException>(() => LoadedSidecar.LoadAsync(settings));

        Assert.Contains($"validator 0 ({other.Validators[0]})", error.Message);
        Assert.Contains("does not match public_shares[3]", error.Message);
    }

    [Fact]
    public async Task Refuses_a_missing_keystore_naming_it()
    {
        File.Delete(_cluster.Keystore(2, 1));

        var error = await Assert.ThrowsAsync<KeyLoadException>(() => LoadedSidecar.LoadAsync(_cluster.Settings("missing", "hoodi", 2)));

        Assert.Contains($"keystore {_cluster.Keystore(2, 1)} is missing", error.Message);
        Assert.Contains($"validator 1 ({_cluster.Validators[1]})", error.Message);
    }

    [Fact]
    public async Task Refuses_a_wrong_password_without_printing_it()
    {
        var password = File.ReadAllText(_cluster.PasswordFile(0, 2));
        File.WriteAllText(_cluster.PasswordFile(0, 2), "not-the-password");

        var error = await Assert.ThrowsAsync<KeyLoadException>(() => LoadedSidecar.LoadAsync(_cluster.Settings("bad-pw", "hoodi", 0)));

        Assert.Contains(_cluster.Keystore(0, 2), error.Message);
        Assert.Contains("wrong password", error.Message);
        Assert.DoesNotContain("not-the-password", error.Message);
        Assert.DoesNotContain(password, error.Message);
    }

    [Fact]
    public async Task Refuses_a_node_index_outside_the_lock()
    {
        var error = await Assert.ThrowsAsync<KeyLoadException>(() => LoadedSidecar.LoadAsync(_cluster.Settings("node-9", "hoodi", 9)));

        Assert.Contains($"Obol node 9: cluster lock {_cluster.LockFile} has nodes 0..3", error.Message);
    }

    [Fact]
    public async Task Refuses_the_same_node_configured_twice()
    {
        var settings = _cluster.Settings("twice", "hoodi", 1, 1);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LoadedSidecar.LoadAsync(settings));

        Assert.Contains(error.Failures, f => f == "Obol node 1 is configured twice");
    }

    [Fact]
    public async Task Reports_every_configuration_mistake_at_once()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sidecar:Id"] = "Node 0",
            ["Sidecar:Network"] = "sepolia",
            ["Sidecar:Mode"] = "Carrier-pigeon",
            ["Sidecar:Obol:Nodes:0:Index"] = "0",
        };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LoadedSidecar.LoadAsync(settings));

        Assert.Contains(error.Failures, f => f.Contains("Sidecar:Id 'Node 0'"));
        Assert.Contains(error.Failures, f => f.Contains("unknown network 'sepolia'"));
        Assert.Contains(error.Failures, f => f.Contains("Sidecar:Mode 'Carrier-pigeon'"));
        Assert.Contains(error.Failures, f => f.Contains("Sidecar:Obol:LockFile is required"));
        Assert.Contains(error.Failures, f => f.Contains("Sidecar:Obol:Nodes:0:KeysDir is required"));
    }

    [Fact]
    [Trait("Category", "Vectors")]
    public void Public_shares_of_the_charon_lock_fixture_interpolate_to_its_distributed_keys()
    {
        var clusterLock = ClusterLock.Load(RepoPaths.Vector("threshold", "charon", "test_cluster_lock.json"));

        Assert.Equal(3, clusterLock.Threshold);
        Assert.Equal(5, clusterLock.Validators.Count);
        foreach (var dv in clusterLock.Validators)
        {
            var shares = dv.IndexedPublicShares;
            for (var skip = 0; skip < shares.Count; skip++)
                Assert.Equal(dv.PublicKey, BlsThreshold.RecoverPublicKey(shares.Where((_, i) => i != skip).ToArray()));
            Assert.NotEqual(dv.PublicKey, BlsThreshold.RecoverPublicKey(shares.Take(2).ToArray()));
        }
    }
}
