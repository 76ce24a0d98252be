using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;
using System.Text.Json;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Crypto.Deposits;
using DvtBus.Crypto.Encryption;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Primitives;

namespace DvtBus.Operator.Tests.Support;

/// <summary>
/// A StakeWise oracle on 127.0.0.1: decrypts its own exit-signature shard, checks it against its public
/// key shard, and signs KeeperValidators for the validators it was sent. Counts the requests it answered.
/// </summary>
public sealed class TestOracle : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _secret;
    private readonly EthPrivateKey _key;
    private readonly int _position;
    private readonly Network _network;
    private readonly DevnetDeployment _devnet;
    private readonly Task _loop;

    public TestOracle(string label, int position, Network network, DevnetDeployment devnet)
    {
        _secret = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("operator-test-eth-" + label));
        _key = EthPrivateKey.FromBytes(_secret);
        _position = position;
        _network = network;
        _devnet = devnet;
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/approve/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }
    public int Approved { get; private set; }
    public List<string> Problems { get; } = [];

    public static Address AddressOf(string label) => DevnetDeployment.Key(label).Address;

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var body = await JsonDocument.ParseAsync(context.Request.InputStream);
            var answer = Approve(body.RootElement);
            var bytes = Encoding.UTF8.GetBytes(answer);
            context.Response.StatusCode = answer.Length == 0 ? 422 : 200;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private string Approve(JsonElement request)
    {
        var startIndex = request.GetProperty("validator_index").GetUInt64();
        var keys = request.GetProperty("public_keys").EnumerateArray().Select(k => BlsPublicKey.Parse(k.GetString())).ToList();
        var signatures = request.GetProperty("deposit_signatures").EnumerateArray().Select(s => BlsSignature.Parse(s.GetString())).ToList();
        var publicShards = request.GetProperty("public_key_shards").EnumerateArray().ToList();
        var exitShards = request.GetProperty("exit_signature_shards").EnumerateArray().ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            var shard = BlsSignature.From(Ecies.Decrypt(_secret, Hex.Decode(exitShards[i][_position].GetString())));
            var publicShard = BlsPublicKey.Parse(publicShards[i][_position].GetString());
            if (!ExitSigning.Verify(_network, publicShard, ExitSigning.Exit(_network, startIndex + (ulong)i), shard))
            {
                lock (Problems) Problems.Add($"validator {i}: exit shard does not verify for index {startIndex + (ulong)i}");
                return "";
            }
        }
        var credentials = WithdrawalCredentials.ForVault(WithdrawalCredentialType.Execution, _devnet.Vault);
        var validators = VaultValidators.Pack(keys.Select((k, i) => new DepositValidator(k, credentials, DepositFiles.Gwei32Eth, signatures[i],
            new DepositData(k, credentials, DepositFiles.Gwei32Eth, signatures[i]).HashTreeRoot())).ToList());
        var root = Bytes32.Parse(request.GetProperty("validators_root").GetString());
        var deadline = request.GetProperty("deadline").GetInt64();
        const string ipfsHash = "bafy-operator-test";
        var hash = StakeWiseTypedData.KeeperValidatorsHash(_devnet.ChainId, _devnet.Keeper, root, _devnet.Vault, validators, ipfsHash, new BigInteger(deadline));
        Approved++;
        return JsonSerializer.Serialize(new { signature = _key.Sign(hash).ToString(), ipfs_hash = ipfsHash, deadline });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
        _key.Dispose();
    }
}
