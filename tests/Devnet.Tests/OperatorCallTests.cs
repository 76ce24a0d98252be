using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Ethereum.Abi;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.Rpc;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Devnet.Tests;

/// <summary>One anvil with a 0x01 and a 0x02 vault (each with its own keeper and deposit contract).</summary>
public sealed class DevnetFixture : IAsyncLifetime
{
    public const int MinOracles = 3;

    private readonly HttpClient _http = new();

    public AnvilNode Anvil { get; } = new();

    /// <summary>DvtBus.Ethereum's client on <see cref="Anvil"/>, for typed receipts and logs.</summary>
    public EthRpcClient Rpc { get; private set; } = null!;
    public EthPrivateKey[] Oracles { get; } = Enumerable.Range(1, 5).Select(i => Key($"oracle-{i}")).ToArray();
    public EthPrivateKey Manager { get; } = Key("validators-manager");
    public IReadOnlyDictionary<WithdrawalCredentialType, DevnetVault> Vaults { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Anvil.InitializeAsync();
        Rpc = new EthRpcClient(_http, Anvil.Uri);
        Vaults = new Dictionary<WithdrawalCredentialType, DevnetVault>
        {
            [WithdrawalCredentialType.Execution] = await DeployAsync(WithdrawalCredentialType.Execution),
            [WithdrawalCredentialType.Compounding] = await DeployAsync(WithdrawalCredentialType.Compounding),
        };
    }

    public async Task DisposeAsync()
    {
        await Anvil.DisposeAsync();
        _http.Dispose();
        Manager.Dispose();
        foreach (var oracle in Oracles) oracle.Dispose();
    }

    private async Task<DevnetVault> DeployAsync(WithdrawalCredentialType type)
    {
        var request = JsonSerializer.Serialize(new
        {
            rpcUrl = Anvil.Url,
            oracles = Oracles.Select(o => Hex.Encode(o.Address.Span)).ToArray(),
            validatorsMinOracles = MinOracles,
            validatorsManager = Hex.Encode(Manager.Address.Span),
            withdrawalCredentialsType = (int)type,
            fundingEther = "1000",
        });
        using var deployed = JsonDocument.Parse(await NodePeer.RunAsync("devnet-deploy.mjs", request));
        var root = deployed.RootElement;
        return new DevnetVault(
            root.GetProperty("chainId").GetUInt64(),
            Address.Parse(root.GetProperty("depositContract").GetString()),
            Address.Parse(root.GetProperty("keeper").GetString()),
            Address.Parse(root.GetProperty("vault").GetString()),
            Anvil.DevAccounts[1]);
    }

    public static EthPrivateKey Key(string label) =>
        EthPrivateKey.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes("devnet-" + label)));
}

/// <summary>Addresses of one deployment, and the unlocked account that sends (not the validators manager).</summary>
public sealed record DevnetVault(ulong ChainId, Address DepositContract, Address Keeper, Address Vault, string Sender);

/// <summary>
/// The registration call as the operator builds it with DvtBus.Crypto (deposit roots, validators bytes)
/// and DvtBus.Ethereum (EIP-712 approvals, calldata, revert decoding), sent to the devnet contracts that
/// tools/js/devnet-deploy.mjs puts on a private anvil.
/// </summary>
[Trait("Category", "Vectors")]
[Trait("Category", "Devnet")]
public sealed class OperatorCallTests(DevnetFixture fixture) : IClassFixture<DevnetFixture>
{
    private const ulong Gwei32Eth = 32_000_000_000;
    private static readonly AbiFunction GetDepositCount = AbiFunction.Parse("get_deposit_count()", "(bytes)");

    private static readonly string[] DevnetErrors =
    [
        "DeadlineExpired()", "InvalidValidatorsRegistryRoot()", "InvalidValidators()", "InvalidValidatorsManagerSignature()",
        "InvalidDepositAmount()", "InsufficientAssets()", "InvalidOracle()", "NotEnoughSignatures()", "TooManySignatures()",
        "InvalidSignaturesLength()", "OracleSignaturesNotSorted()", "DepositRootMismatch()", "AccessDenied()",
    ];

    [Theory]
    [InlineData(WithdrawalCredentialType.Execution)]
    [InlineData(WithdrawalCredentialType.Compounding)]
    public async Task Registration_built_by_the_libraries_deposits_every_validator(WithdrawalCredentialType type)
    {
        var net = fixture.Vaults[type];
        var validators = VectorValidators(type, net.Vault);
        var call = await BuildCallAsync(net, VaultValidators.Pack(validators), SortedOracles());
        var countBefore = await DepositCountAsync(net);

        var sent = await fixture.Anvil.SendTransactionAsync(net.Sender, Hex.Encode(net.Vault.Span), call);
        var receipt = await fixture.Rpc.GetTransactionReceiptAsync(Bytes32.Parse(sent.GetProperty("transactionHash").GetString()));

        Assert.NotNull(receipt);
        Assert.True(receipt.Succeeded);
        var logs = receipt.Logs;
        var registered = logs.Select(l => StakeWiseCalls.TryDecodeValidatorRegistered(l, out var key) ? key : (BlsPublicKey?)null)
            .OfType<BlsPublicKey>().ToArray();
        Assert.Equal(validators.Select(v => v.PublicKey), registered);
        var deposits = logs.Select(l => StakeWiseCalls.TryDecodeDepositEvent(l, out var d) ? d : null).OfType<DepositEventData>().ToArray();
        Assert.Equal(validators.Count, deposits.Length);
        for (var i = 0; i < deposits.Length; i++)
        {
            Assert.Equal(WithdrawalCredentials.ForVault(type, net.Vault), deposits[i].WithdrawalCredentials);
            Assert.Equal(validators[i].Amount, deposits[i].AmountGwei);
            Assert.Equal(countBefore + (ulong)i, deposits[i].Index);
        }
    }

    [Fact]
    public async Task Same_call_is_refused_once_the_deposits_moved_the_registry_root()
    {
        var net = fixture.Vaults[WithdrawalCredentialType.Execution];
        var call = await BuildCallAsync(net, VaultValidators.Pack(VectorValidators(WithdrawalCredentialType.Execution, net.Vault)), SortedOracles());
        await fixture.Anvil.SendTransactionAsync(net.Sender, Hex.Encode(net.Vault.Span), call);

        Assert.Equal("InvalidValidatorsRegistryRoot", await RevertNameAsync(net, call));
    }

    [Fact]
    public async Task Oracle_signatures_out_of_address_order_are_refused()
    {
        var net = fixture.Vaults[WithdrawalCredentialType.Execution];
        var call = await BuildCallAsync(net, VaultValidators.Pack(VectorValidators(WithdrawalCredentialType.Execution, net.Vault)), SortedOracles().Reverse());

        Assert.Equal("OracleSignaturesNotSorted", await RevertNameAsync(net, call));
    }

    [Fact]
    public async Task Approval_signed_by_another_key_than_the_validators_manager_is_refused()
    {
        var net = fixture.Vaults[WithdrawalCredentialType.Execution];
        using var stranger = DevnetFixture.Key("not-the-manager");
        var call = await BuildCallAsync(net, VaultValidators.Pack(VectorValidators(WithdrawalCredentialType.Execution, net.Vault)), SortedOracles(), stranger);

        Assert.Equal("InvalidValidatorsManagerSignature", await RevertNameAsync(net, call));
    }

    [Fact]
    public async Task Deposit_roots_for_other_credentials_are_refused_by_the_deposit_contract()
    {
        var net = fixture.Vaults[WithdrawalCredentialType.Execution];
        // The vector file's own roots: right keys and signatures, credentials of another address.
        var foreign = VectorFile().Select(d => new DepositValidator(
            BlsPublicKey.Parse(d.GetProperty("pubkey").GetString()), WithdrawalCredentials.ForVault(WithdrawalCredentialType.Execution, net.Vault),
            Gwei32Eth, BlsSignature.Parse(d.GetProperty("signature").GetString()), Bytes32.Parse(d.GetProperty("deposit_data_root").GetString()))).ToArray();
        var call = await BuildCallAsync(net, VaultValidators.Pack(foreign), SortedOracles());

        Assert.Equal("DepositRootMismatch", await RevertNameAsync(net, call));
    }

    /// <summary>Keys and signatures from a real deposit file; roots and amounts recomputed for this vault.</summary>
    private static List<DepositValidator> VectorValidators(WithdrawalCredentialType type, Address vault)
    {
        var credentials = WithdrawalCredentials.ForVault(type, vault);
        return VectorFile().Select((d, i) =>
        {
            var amount = type == WithdrawalCredentialType.Compounding ? Gwei32Eth * (ulong)(i + 1) : Gwei32Eth;
            var data = new DepositData(
                BlsPublicKey.Parse(d.GetProperty("pubkey").GetString()), credentials, amount,
                BlsSignature.Parse(d.GetProperty("signature").GetString()));
            return new DepositValidator(data.PublicKey, credentials, amount, data.Signature, data.HashTreeRoot());
        }).ToList();
    }

    private static JsonElement[] VectorFile()
    {
        var path = RepoPaths.Vector("consensus", "deposit_data", "lighthouse_mainnet_first_0_count_2_eth1_true_deposit_data-1715584107.json");
        using var file = JsonDocument.Parse(File.ReadAllText(path));
        return file.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    private IEnumerable<EthPrivateKey> SortedOracles() =>
        fixture.Oracles.OrderBy(o => Hex.Encode(o.Address.Span), StringComparer.Ordinal).Take(DevnetFixture.MinOracles);

    private async Task<byte[]> BuildCallAsync(DevnetVault net, byte[] validators, IEnumerable<EthPrivateKey> signers, EthPrivateKey? manager = null)
    {
        var registryRoot = StakeWiseCalls.DecodeDepositRoot(
            await fixture.Anvil.CallAsync(net.Sender, Hex.Encode(net.DepositContract.Span), StakeWiseCalls.GetDepositRoot.EncodeCall()));
        var deadline = new BigInteger(await fixture.Anvil.LatestTimestampAsync() + 3600);
        const string ipfsHash = "bafy-devnet-exit-signatures";
        var hash = StakeWiseTypedData.KeeperValidatorsHash(net.ChainId, net.Keeper, registryRoot, net.Vault, validators, ipfsHash, deadline);
        var signatures = signers.SelectMany(o => o.Sign(hash).ToBytes()).ToArray();
        var managerSignature = StakeWiseTypedData.SignVaultValidators(manager ?? fixture.Manager, net.ChainId, net.Vault, registryRoot, validators);
        return StakeWiseCalls.EncodeRegisterValidators(
            new KeeperParams(registryRoot, deadline, validators, signatures, ipfsHash), managerSignature.ToBytes());
    }

    /// <summary>The deposit contract returns its count as 8 little-endian bytes, like mainnet's.</summary>
    private async Task<ulong> DepositCountAsync(DevnetVault net)
    {
        var output = await fixture.Anvil.CallAsync(net.Sender, Hex.Encode(net.DepositContract.Span), GetDepositCount.EncodeCall());
        return BinaryPrimitives.ReadUInt64LittleEndian((byte[])GetDepositCount.DecodeOutput(output)[0]);
    }

    private async Task<string?> RevertNameAsync(DevnetVault net, byte[] call)
    {
        var reverted = await Assert.ThrowsAsync<AnvilRpcException>(() => fixture.Anvil.CallAsync(net.Sender, Hex.Encode(net.Vault.Span), call));
        return RevertReason.Decode(reverted.RevertData, DevnetErrors).Name;
    }
}
