using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Bls;
using DvtBus.Crypto.Consensus;
using DvtBus.Ethereum.Crypto;
using DvtBus.Keystores;
using DvtBus.Keystores.Ssv;
using DvtBus.Primitives;

namespace DvtBus.Devnet.Cluster;

public enum ClusterKind
{
    Obol,
    Ssv,
}

/// <param name="KdfCost">PBKDF2 iterations of the keystores: a devnet trades EIP-2335's 2^18 for start-up speed.</param>
public sealed record ClusterSpec(int Validators, int Nodes, int Threshold, Address Vault, Network Network, ClusterKind Kind, int KdfCost = 8192)
{
    /// <summary>The one readable reason the spec cannot be built, or null.</summary>
    public string? Problem() =>
        Validators < 1 ? "--validators must be at least 1"
        : Nodes < 1 ? "--nodes must be at least 1"
        : Threshold < 1 || Threshold > Nodes ? $"--threshold must be between 1 and --nodes ({Nodes})"
        : Kind == ClusterKind.Ssv && Nodes < 4 ? "an SSV cluster needs at least 4 operators"
        : Kind == ClusterKind.Ssv && Threshold != SsvThreshold(Nodes) ? $"SSV fixes the threshold of {Nodes} operators at {SsvThreshold(Nodes)} (2f + 1 with n = 3f + 1)"
        : KdfCost < 1 ? "the KDF cost must be positive"
        : null;

    public static int SsvThreshold(int operators) => 2 * ((operators - 1) / 3) + 1;
}

/// <summary>What was written, for the caller to print: the validators' public keys in deposit-data order.</summary>
public sealed record GeneratedCluster(string Folder, ClusterKind Kind, IReadOnlyList<BlsPublicKey> Validators, string DepositDataFile);

/// <summary>
/// A development cluster of distributed validators: random validator keys split with
/// <see cref="BlsThreshold.Split"/>, written in the on-disk forms that charon (Obol) or ssv-keys (SSV)
/// produce, plus deposit-data.json for the vault. The full validator keys are never written.
/// </summary>
public static class ClusterGenerator
{
    public const string LockFileName = "cluster-lock.json";
    public const string DepositDataFileName = "deposit-data.json";
    public const string KeysharesFileName = "keyshares.json";

    /// <summary>The SSV owner every generated validator is registered to; any address works on a devnet.</summary>
    public static Address SsvOwner { get; } = Address.Parse("0x00000000000000000000000000000000000d0e11");

    public static string NodeFolder(string root, int node) => Path.Combine(root, $"node{node}");

    public static string ValidatorKeysFolder(string root, int node) => Path.Combine(NodeFolder(root, node), "validator_keys");

    public static GeneratedCluster Generate(ClusterSpec spec, string folder)
    {
        if (spec.Problem() is { } problem) throw new ArgumentException(problem, nameof(spec));
        Directory.CreateDirectory(folder);
        for (var node = 0; node < spec.Nodes; node++) Directory.CreateDirectory(NodeFolder(folder, node));

        var deposits = new JsonArray();
        var publicKeys = new List<BlsPublicKey>();
        var writer = spec.Kind == ClusterKind.Obol ? (IShareWriter)new ObolWriter(spec, folder) : new SsvWriter(spec, folder);
        var ids = Enumerable.Range(1, spec.Nodes).Select(i => (ulong)i).ToArray();
        for (var v = 0; v < spec.Validators; v++)
        {
            using var key = BlsSecretKey.Generate();
            var shares = BlsThreshold.Split(key, spec.Threshold, ids);
            try
            {
                writer.Add(v, key, shares);
            }
            finally
            {
                foreach (var share in shares) share.Key.Dispose();
            }
            deposits.Add(DepositDataWriter.Entry(spec.Network, key, spec.Vault));
            publicKeys.Add(key.PublicKey);
        }
        writer.Finish(deposits);
        var depositFile = Path.Combine(folder, DepositDataFileName);
        File.WriteAllText(depositFile, deposits.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return new GeneratedCluster(folder, spec.Kind, publicKeys, depositFile);
    }

    private interface IShareWriter
    {
        void Add(int validator, BlsSecretKey key, IReadOnlyList<BlsKeyShare> shares);

        void Finish(JsonArray deposits);
    }

    private static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>charon's layout: cluster-lock.json and node{i}/validator_keys/keystore-{v}.json + .txt.</summary>
    private sealed class ObolWriter : IShareWriter
    {
        private readonly ClusterSpec _spec;
        private readonly string _folder;
        private readonly JsonArray _validators = [];

        public ObolWriter(ClusterSpec spec, string folder)
        {
            _spec = spec;
            _folder = folder;
            for (var node = 0; node < spec.Nodes; node++) Directory.CreateDirectory(ValidatorKeysFolder(folder, node));
        }

        public void Add(int validator, BlsSecretKey key, IReadOnlyList<BlsKeyShare> shares)
        {
            var publicShares = new JsonArray();
            var kdf = new KdfOptions(KdfFunction.Pbkdf2, _spec.KdfCost);
            for (var node = 0; node < shares.Count; node++)
            {
                var text = NewPassword();
                using var password = KeystorePassword.FromText(text);
                var keystore = Eip2335Keystore.Encrypt(shares[node].Key, password, kdf, $"m/12381/3600/{validator}/0/0");
                var keys = ValidatorKeysFolder(_folder, node);
                File.WriteAllText(Path.Combine(keys, $"keystore-{validator}.json"), keystore.ToJson());
                File.WriteAllText(Path.Combine(keys, $"keystore-{validator}.txt"), text);
                publicShares.Add(shares[node].Key.PublicKey.ToString());
            }
            _validators.Add(new JsonObject
            {
                ["distributed_public_key"] = key.PublicKey.ToString(),
                ["public_shares"] = publicShares,
            });
        }

        public void Finish(JsonArray deposits)
        {
            for (var v = 0; v < _validators.Count; v++)
            {
                var deposit = deposits[v]!;
                ((JsonObject)_validators[v]!)["deposit_data"] = new JsonObject
                {
                    ["pubkey"] = "0x" + deposit["pubkey"]!.GetValue<string>(),
                    ["withdrawal_credentials"] = "0x" + deposit["withdrawal_credentials"]!.GetValue<string>(),
                    ["amount"] = deposit["amount"]!.GetValue<ulong>().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["signature"] = "0x" + deposit["signature"]!.GetValue<string>(),
                };
            }
            var operators = new JsonArray();
            for (var node = 0; node < _spec.Nodes; node++)
                operators.Add(new JsonObject { ["address"] = "", ["enr"] = $"enr:-devnet-node-{node}" });
            var definition = new JsonObject
            {
                ["name"] = "dvtbus-devnet",
                ["uuid"] = Guid.NewGuid().ToString(),
                ["version"] = "v1.8.0",
                ["timestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                ["num_validators"] = _spec.Validators,
                ["threshold"] = _spec.Threshold,
                ["fork_version"] = _spec.Network.GenesisForkVersion.ToString(),
                ["operators"] = operators,
                ["validators"] = new JsonArray(Enumerable.Range(0, _spec.Validators).Select(_ => (JsonNode)new JsonObject
                {
                    ["fee_recipient_address"] = _spec.Vault.ToString(),
                    ["withdrawal_address"] = _spec.Vault.ToString(),
                }).ToArray()),
            };
            var clusterLock = new JsonObject { ["cluster_definition"] = definition, ["distributed_validators"] = _validators };
            File.WriteAllText(Path.Combine(_folder, LockFileName), clusterLock.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
    }

    /// <summary>
    /// ssv-keys' layout: per operator (id = node + 1) an RSA key in an EIP-2335-style keystore and its
    /// password; one keyshares.json listing every validator's shares encrypted to the operators.
    /// </summary>
    private sealed class SsvWriter : IShareWriter
    {
        private readonly ClusterSpec _spec;
        private readonly string _folder;
        private readonly List<SsvOperatorPublicKey> _operatorKeys = [];
        private readonly JsonArray _items = [];

        public SsvWriter(ClusterSpec spec, string folder)
        {
            _spec = spec;
            _folder = folder;
            var kdf = new KdfOptions(KdfFunction.Pbkdf2, spec.KdfCost);
            for (var node = 0; node < spec.Nodes; node++)
            {
                using var rsa = RSA.Create(2048);
                var pem = Encoding.ASCII.GetBytes(rsa.ExportRSAPrivateKeyPem());
                var text = NewPassword();
                using var password = KeystorePassword.FromText(text);
                try
                {
                    var keystore = Eip2335Keystore.Encrypt(pem, password, kdf);
                    File.WriteAllText(Path.Combine(NodeFolder(folder, node), "encrypted_private_key.json"), keystore.ToJson());
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pem);
                }
                File.WriteAllText(Path.Combine(NodeFolder(folder, node), "password.txt"), text);
                var publicKey = SsvOperatorPublicKey.Parse(rsa.ExportSubjectPublicKeyInfoPem());
                _operatorKeys.Add(publicKey);
                File.WriteAllText(Path.Combine(NodeFolder(folder, node), "operator-id.txt"), (node + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        public void Add(int validator, BlsSecretKey key, IReadOnlyList<BlsKeyShare> shares)
        {
            // The owner's proof of possession: what the SSV network demands before it takes the shares.
            var nonce = (ulong)validator;
            var proof = key.Sign(Keccak.Hash($"{AddressChecksum.Encode(SsvOwner)}:{nonce}").Span);
            var blob = new List<byte>(proof.Span.ToArray());
            foreach (var share in shares) blob.AddRange(share.Key.PublicKey.Span.ToArray());
            for (var k = 0; k < shares.Count; k++)
            {
                var secret = shares[k].Key.ToBytes();
                try
                {
                    blob.AddRange(_operatorKeys[k].EncryptShare(secret));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(secret);
                }
            }
            var ids = shares.Select(s => (JsonNode)JsonValue.Create(s.Id)).ToArray();
            _items.Add(new JsonObject
            {
                ["data"] = new JsonObject
                {
                    ["ownerNonce"] = nonce,
                    ["ownerAddress"] = SsvOwner.ToString(),
                    ["publicKey"] = key.PublicKey.ToString(),
                    ["operators"] = new JsonArray(shares.Select((s, k) => (JsonNode)new JsonObject
                    {
                        ["id"] = s.Id,
                        ["operatorKey"] = _operatorKeys[k].ToBase64(),
                    }).ToArray()),
                },
                ["payload"] = new JsonObject
                {
                    ["publicKey"] = key.PublicKey.ToString(),
                    ["operatorIds"] = new JsonArray(ids),
                    ["sharesData"] = Hex.Encode(blob.ToArray()),
                },
            });
        }

        public void Finish(JsonArray deposits)
        {
            var file = new JsonObject { ["version"] = "v1.1.0", ["createdAt"] = DateTimeOffset.UtcNow.ToString("O"), ["shares"] = _items };
            File.WriteAllText(Path.Combine(_folder, KeysharesFileName), file.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
    }
}
