using DvtBus.Bls;
using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Primitives;

namespace DvtBus.Relayer.Tests.Support;

/// <summary>A distributed validator made here: a key split into shares at 1..n, signing exits with them.</summary>
public sealed class TestCluster
{
    private readonly BlsSecretKey _key;

    public TestCluster(int nodes = 4, int threshold = 3) : this(BlsSecretKey.Generate(), nodes, threshold)
    {
    }

    private TestCluster(BlsSecretKey key, int nodes, int threshold)
    {
        _key = key;
        Threshold = threshold;
        Shares = BlsThreshold.Split(_key, threshold, Enumerable.Range(1, nodes).Select(i => (ulong)i).ToList());
    }

    public int Threshold { get; }
    public IReadOnlyList<BlsKeyShare> Shares { get; }
    public BlsPublicKey PublicKey => _key.PublicKey;

    /// <summary>The same validator key split again: valid shares that disagree with this cluster's.</summary>
    public TestCluster Resplit() => new(_key, Shares.Count, Threshold);

    public static Network Network => Networks.Mainnet;

    public static Bytes32 SigningRoot(ulong validatorIndex) => ExitSigning.SigningRoot(Network, ExitSigning.Exit(Network, validatorIndex));

    /// <summary>What must never leave the relayer: the full exit signature.</summary>
    public BlsSignature FullSignature(ulong validatorIndex) => _key.Sign(SigningRoot(validatorIndex).Span);

    public BlsSignature Sign(ulong shareIndex, ulong validatorIndex) =>
        Shares.Single(s => s.Id == shareIndex).Key.Sign(SigningRoot(validatorIndex).Span);

    public ShareSubmitted Share(ulong shareIndex, ulong validatorIndex, BlsSignature? signature = null) => new()
    {
        Network = Network.Name,
        ValidatorPublicKey = PublicKey,
        ValidatorIndex = validatorIndex,
        ShareIndex = shareIndex,
        ExitSignatureShare = signature ?? Sign(shareIndex, validatorIndex),
        SidecarId = $"node-{shareIndex}",
    };

    public AnnouncedValidator Announced(ulong heldShare) => new(
        PublicKey, Threshold, Shares.Select(s => new IndexedPublicShare(s.Id, s.Key.PublicKey)).ToList(), [heldShare]);

    public KeySharesAnnounced Announcement(ulong heldShare) => new()
    {
        SidecarId = $"node-{heldShare}",
        Network = Network.Name,
        Validators = [Announced(heldShare)],
    };

    public static ExitRequested Request(params (TestCluster Cluster, ulong Index)[] validators) => new()
    {
        BatchId = Guid.NewGuid(),
        Network = Network.Name,
        Vault = Address.Parse("0x" + new string('1', 40)),
        Validators = validators.Select(v => new RequestedExit(v.Cluster.PublicKey, v.Index)).ToList(),
        RequestedAt = DateTimeOffset.UtcNow,
    };
}
