using DvtBus.Bls;
using DvtBus.Contracts;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Primitives;

namespace DvtBus.Relayer.Tests.Support;

/// <summary>A distributed validator made here: a key split into shares at 1..n, signing exits with them.</summary>
public sealed class TestCluster
{
    private readonly BlsSecretKey _key;

    /// <param name="network">The network its exits are signed for: <see cref="Network"/> (mainnet) unless given.</param>
    public TestCluster(int nodes = 4, int threshold = 3, Network? network = null) : this(BlsSecretKey.Generate(), nodes, threshold, network ?? Network)
    {
    }

    private TestCluster(BlsSecretKey key, int nodes, int threshold, Network network)
    {
        _key = key;
        ExitNetwork = network;
        Threshold = threshold;
        Shares = BlsThreshold.Split(_key, threshold, Enumerable.Range(1, nodes).Select(i => (ulong)i).ToList());
    }

    public int Threshold { get; }
    public IReadOnlyList<BlsKeyShare> Shares { get; }
    public BlsPublicKey PublicKey => _key.PublicKey;

    /// <summary>The same validator key split again: valid shares that disagree with this cluster's.</summary>
    public TestCluster Resplit() => new(_key, Shares.Count, Threshold, ExitNetwork);

    /// <summary>The network of the bus messages and of <see cref="SigningRoot"/>.</summary>
    public static Network Network => Networks.Mainnet;

    public Network ExitNetwork { get; }

    public static Bytes32 SigningRoot(ulong validatorIndex) => ExitSigning.SigningRoot(Network, ExitSigning.Exit(Network, validatorIndex));

    /// <summary>The signing root of this cluster's exit at the index, on its own network.</summary>
    public Bytes32 ExitSigningRoot(ulong validatorIndex) => ExitSigning.SigningRoot(ExitNetwork, ExitSigning.Exit(ExitNetwork, validatorIndex));

    /// <summary>What must never leave the relayer: the full exit signature.</summary>
    public BlsSignature FullSignature(ulong validatorIndex) => _key.Sign(ExitSigningRoot(validatorIndex).Span);

    public BlsSignature Sign(ulong shareIndex, ulong validatorIndex) =>
        Shares.Single(s => s.Id == shareIndex).Key.Sign(ExitSigningRoot(validatorIndex).Span);

    /// <summary>The validator's 32 ETH deposit for the vault, signed with the full key for its network.</summary>
    public DepositValidator Deposit(Address vault) => DvtBus.TestSupport.DepositContract.Entry(ExitNetwork, _key, vault);

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
