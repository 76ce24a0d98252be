using DvtBus.Bls;
using DvtBus.Crypto.Deposits;
using DvtBus.Devnet.Cluster;
using DvtBus.Keystores.Obol;
using DvtBus.Keystores.Ssv;
using Xunit;

namespace DvtBus.EndToEnd.Tests;

public sealed class ClusterGeneratorTests : IDisposable
{
    private readonly string _folder = DevnetNetwork.TempFolder("cluster");

    private ClusterSpec Spec(int validators, int nodes, int threshold, ClusterKind kind = ClusterKind.Obol) =>
        new(validators, nodes, threshold, DevnetNetwork.Vault, DevnetNetwork.Network, kind, KdfCost: 16);

    [Fact]
    public void Obol_cluster_loads_on_every_node_and_any_threshold_of_shares_signs_for_the_validator()
    {
        var cluster = ClusterGenerator.Generate(Spec(3, 4, 3), _folder);

        var clusterLock = ClusterLock.Load(Path.Combine(_folder, ClusterGenerator.LockFileName));
        Assert.Equal(3, clusterLock.Threshold);
        Assert.Equal(4, clusterLock.OperatorCount);
        Assert.Equal(cluster.Validators, clusterLock.Validators.Select(v => v.PublicKey));
        var message = new byte[32];
        for (var v = 0; v < 3; v++)
        {
            var dv = clusterLock.Validators[v];
            Assert.Equal(dv.PublicKey, BlsThreshold.RecoverPublicKey(dv.IndexedPublicShares.Skip(1).ToArray()));
            var partials = new List<IndexedSignature>();
            foreach (var node in new[] { 0, 2, 3 })
            {
                var shares = ObolKeys.Load(clusterLock, node, ClusterGenerator.ValidatorKeysFolder(_folder, node));
                Assert.Equal(3, shares.Count);
                partials.Add(new IndexedSignature(shares[v].ShareIndex, shares[v].Share.Sign(message)));
                foreach (var share in shares) share.Dispose();
            }
            Assert.True(BlsScheme.Verify(dv.PublicKey, message, BlsThreshold.RecoverSignature(partials)));
        }
    }

    [Fact]
    public void Deposit_data_passes_every_check_the_operator_applies_for_the_vault()
    {
        var cluster = ClusterGenerator.Generate(Spec(4, 4, 3), _folder);

        var report = DepositDataFile.Validate(File.ReadAllBytes(cluster.DepositDataFile), DevnetNetwork.Network, DevnetNetwork.Vault);

        Assert.True(report.IsValid, string.Join("; ", report.Issues));
        Assert.Equal(cluster.Validators, report.Accepted.Select(a => a.PublicKey));
        Assert.All(report.Accepted, a => Assert.Equal(WithdrawalCredentialType.Execution, a.CredentialType));
    }

    [Fact]
    public void Deposit_data_for_one_vault_is_refused_for_another()
    {
        var cluster = ClusterGenerator.Generate(Spec(1, 4, 3), _folder);

        var other = Primitives.Address.Parse("0x1111111111111111111111111111111111111111");
        var report = DepositDataFile.Validate(File.ReadAllBytes(cluster.DepositDataFile), DevnetNetwork.Network, other);

        Assert.Equal(DepositProblem.CredentialsNotForVault, Assert.Single(report.Issues).Problem);
    }

    [Fact]
    public void Ssv_cluster_gives_each_operator_a_share_it_can_decrypt_and_a_valid_owner_signature()
    {
        var cluster = ClusterGenerator.Generate(Spec(2, 4, 3, ClusterKind.Ssv), _folder);

        var keyshares = SsvKeyShares.Load(Path.Combine(_folder, ClusterGenerator.KeysharesFileName));
        Assert.Equal(cluster.Validators, keyshares.Select(k => k.Shares.ValidatorPublicKey));
        foreach (var item in keyshares)
        {
            Assert.Equal([1UL, 2, 3, 4], item.Shares.OperatorIds);
            Assert.Equal(3, item.Shares.Threshold);
            Assert.True(item.Shares.VerifyOwnerSignature(item.OwnerAddress!.Value, item.OwnerNonce!.Value));
            Assert.Equal(item.Shares.ValidatorPublicKey, BlsThreshold.RecoverPublicKey(item.Shares.IndexedPublicShares.Take(3).ToArray()));
        }
        for (var node = 0; node < 4; node++)
        {
            var nodeFolder = ClusterGenerator.NodeFolder(_folder, node);
            using var key = SsvOperatorKey.Load(Path.Combine(nodeFolder, "encrypted_private_key.json"), Path.Combine(nodeFolder, "password.txt"));
            foreach (var item in keyshares)
            {
                using var share = item.Shares.DecryptShare((ulong)node + 1, key);
                Assert.Equal(item.Shares.PublicShareOf((ulong)node + 1), share.PublicKey);
            }
        }
    }

    [Theory]
    [InlineData(0, 4, 3, ClusterKind.Obol, "--validators")]
    [InlineData(1, 4, 5, ClusterKind.Obol, "--threshold")]
    [InlineData(1, 3, 2, ClusterKind.Ssv, "at least 4 operators")]
    [InlineData(1, 4, 2, ClusterKind.Ssv, "2f + 1")]
    public void Refuses_a_cluster_that_cannot_work(int validators, int nodes, int threshold, ClusterKind kind, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => ClusterGenerator.Generate(Spec(validators, nodes, threshold, kind), _folder));
        Assert.Contains(reason, error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
