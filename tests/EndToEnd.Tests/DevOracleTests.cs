using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Crypto.Encryption;
using DvtBus.Devnet.Cluster;
using DvtBus.Devnet.Oracles;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.EndToEnd.Tests;

public sealed class DevOracleTests : IDisposable
{
    private const int OracleCount = 4;
    private const int Threshold = 3;
    private const ulong StartIndex = 5;

    private static readonly IReadOnlyList<OracleKeyEntry> OracleKeyList = OracleKeys.Generate(OracleCount);
    private readonly EthPrivateKey _manager = EthPrivateKey.Generate();
    private readonly FakeChain _chain;
    private readonly List<BlsSecretKey> _validators = [BlsSecretKey.Generate(), BlsSecretKey.Generate()];

    public DevOracleTests()
    {
        _chain = new FakeChain(Bytes32.From(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()), StartIndex, _manager.Address);
    }

    private static Network Network => DevnetNetwork.Network;

    private DevOracle Oracle(int k) => new(k, OracleKeyList[k], OracleCount, Threshold, Network, DevnetNetwork.Keeper, _chain);

    /// <summary>What the operator sends: the relayer's re-shared exit signatures encrypted to each oracle, and the manager's consent.</summary>
    private ApprovalRequest ValidRequest()
    {
        var request = new ApprovalRequest
        {
            ValidatorIndex = StartIndex,
            VaultAddress = DevnetNetwork.Vault.ToString(),
            ValidatorsRoot = _chain.Root.ToString(),
            PublicKeys = [],
            DepositSignatures = [],
            PublicKeyShards = [],
            ExitSignatureShards = [],
            Deadline = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds(),
        };
        var credentials = WithdrawalCredentials.ForVault(WithdrawalCredentialType.Execution, DevnetNetwork.Vault);
        var deposits = new List<DepositValidator>();
        for (var i = 0; i < _validators.Count; i++)
        {
            var key = _validators[i];
            var exit = ExitSigning.Exit(Network, StartIndex + (ulong)i);
            var root = ExitSigning.SigningRoot(Network, exit).ToArray();
            var shards = BlsThreshold.Reshare(ExitSigning.Sign(Network, key, exit), key.PublicKey, root, Threshold, OracleCount);
            var message = new DepositMessage(key.PublicKey, credentials, DepositDataWriter.Amount);
            var depositSignature = DepositSigning.Sign(Network, key, message);
            deposits.Add(new DepositValidator(key.PublicKey, credentials, DepositDataWriter.Amount, depositSignature,
                new DepositData(key.PublicKey, credentials, DepositDataWriter.Amount, depositSignature).HashTreeRoot()));
            request.PublicKeys.Add(key.PublicKey.ToString());
            request.DepositSignatures.Add(depositSignature.ToString());
            request.PublicKeyShards.Add([.. shards.PublicKeys.Select(p => p.ToString())]);
            request.ExitSignatureShards.Add([.. shards.Signatures.Select((s, k) => Hex.Encode(Ecies.Encrypt(Hex.Decode(OracleKeyList[k].PublicKey), s.Span)))]);
        }
        request.ValidatorsManagerSignature = Hex.Encode(StakeWiseTypedData.SignVaultValidators(
            _manager, Network.ChainId, DevnetNetwork.Vault, _chain.Root, VaultValidators.Pack(deposits)).ToBytes());
        return request;
    }

    [Fact]
    public async Task Every_oracle_approves_a_valid_registration_with_one_content_id_and_a_signature_the_keeper_accepts()
    {
        var request = ValidRequest();
        var approvals = new List<Approval>();
        for (var k = 0; k < OracleCount; k++)
        {
            using var oracle = Oracle(k);
            var decision = await oracle.DecideAsync(request);
            Assert.Null(decision.Refusal);
            approvals.Add(decision.Approval!);
        }

        var ipfsHash = Assert.Single(approvals.Select(a => a.IpfsHash).Distinct());
        Assert.StartsWith("bafkrei", ipfsHash);
        Assert.All(approvals, a => Assert.Equal(request.Deadline, a.Deadline));
        var validators = VaultValidators.Pack(request.PublicKeys!.Select((pk, i) =>
        {
            var key = BlsPublicKey.Parse(pk);
            var credentials = WithdrawalCredentials.ForVault(WithdrawalCredentialType.Execution, DevnetNetwork.Vault);
            var signature = BlsSignature.Parse(request.DepositSignatures![i]);
            return new DepositValidator(key, credentials, DepositDataWriter.Amount, signature,
                new DepositData(key, credentials, DepositDataWriter.Amount, signature).HashTreeRoot());
        }).ToArray());
        var digest = StakeWiseTypedData.KeeperValidatorsHash(Network.ChainId, DevnetNetwork.Keeper, _chain.Root, DevnetNetwork.Vault,
            validators, ipfsHash, request.Deadline!.Value);
        for (var k = 0; k < OracleCount; k++)
            Assert.True(EthSignature.Parse(approvals[k].Signature).Verify(digest, Address.Parse(OracleKeyList[k].Address)));
        var packed = OracleSignatures.Pack(digest, approvals.Take(Threshold).Select(a => EthSignature.Parse(a.Signature)));
        Assert.Equal(Threshold * EthSignature.Length, packed.Length);
    }

    [Fact]
    public async Task Refuses_a_registry_root_that_is_not_the_deposit_contracts()
    {
        var request = ValidRequest();
        request.ValidatorsRoot = Hex.Encode(new byte[32]);
        await AssertRefused(request, "is not the deposit contract's current root");
    }

    [Fact]
    public async Task Refuses_a_predicted_index_that_is_not_the_next_validator_index()
    {
        var request = ValidRequest();
        _chain.NextIndex = StartIndex + 1;
        await AssertRefused(request, "is not the next validator index 6");
    }

    [Fact]
    public async Task Refuses_a_deadline_that_has_passed()
    {
        var request = ValidRequest();
        request.Deadline = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds();
        await AssertRefused(request, "has passed");
    }

    [Fact]
    public async Task Refuses_public_key_shards_that_do_not_interpolate_to_the_validator_key()
    {
        var request = ValidRequest();
        request.PublicKeyShards![0][OracleCount - 1] = request.PublicKeyShards[1][OracleCount - 1];
        await AssertRefused(request, "do not interpolate to the validator key");
    }

    [Fact]
    public async Task Refuses_a_shard_encrypted_to_another_oracle()
    {
        var request = ValidRequest();
        request.ExitSignatureShards![1][0] = request.ExitSignatureShards[1][1];
        await AssertRefused(request, "does not decrypt with this oracle's key");
    }

    [Fact]
    public async Task Refuses_an_exit_shard_that_does_not_verify_for_the_predicted_index()
    {
        var request = ValidRequest();
        // Validator 1's shard for oracle 0 decrypts fine, but signs another validator's exit.
        request.ExitSignatureShards![0][0] = request.ExitSignatureShards[1][0];
        await AssertRefused(request, "exit signature shard 0 does not verify");
    }

    [Fact]
    public async Task Refuses_a_deposit_signature_of_another_validator()
    {
        var request = ValidRequest();
        request.DepositSignatures![0] = request.DepositSignatures[1];
        await AssertRefused(request, "the deposit signature does not verify");
    }

    [Fact]
    public async Task Refuses_a_manager_signature_that_is_not_the_vaults_manager()
    {
        var request = ValidRequest();
        _chain.Manager = Address.Parse("0x2222222222222222222222222222222222222222");
        await AssertRefused(request, "not from the vault's validators manager");
    }

    [Fact]
    public async Task Refuses_a_request_without_a_shard_for_every_oracle()
    {
        var request = ValidRequest();
        request.ExitSignatureShards![0].RemoveAt(OracleCount - 1);
        await AssertRefused(request, "one per oracle");
    }

    [Fact]
    public void Content_id_of_empty_content_is_the_ipfs_raw_block_id()
    {
        Assert.Equal("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", ContentId.Of([]));
    }

    private async Task AssertRefused(ApprovalRequest request, string reason)
    {
        using var oracle = Oracle(0);
        var decision = await oracle.DecideAsync(request);
        Assert.Null(decision.Approval);
        Assert.Contains(reason, decision.Refusal);
    }

    public void Dispose()
    {
        _manager.Dispose();
        foreach (var key in _validators) key.Dispose();
    }

    private sealed class FakeChain(Bytes32 root, ulong nextIndex, Address manager) : IChainView
    {
        public Bytes32 Root { get; } = root;
        public ulong NextIndex { get; set; } = nextIndex;
        public Address Manager { get; set; } = manager;

        public Task<Bytes32> DepositRootAsync(CancellationToken cancellationToken) => Task.FromResult(Root);
        public Task<ulong> NextValidatorIndexAsync(CancellationToken cancellationToken) => Task.FromResult(NextIndex);
        public Task<Address> ValidatorsManagerAsync(Address vault, CancellationToken cancellationToken) => Task.FromResult(Manager);
    }
}
