using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DvtBus.Ethereum.Abi;
using DvtBus.Ethereum.Crypto;
using DvtBus.Ethereum.StakeWise;
using DvtBus.Ethereum.Transactions;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Ethereum.Tests.Peer;

/// <summary>Our results against ethers 6 on random inputs: same addresses, signatures, hashes, encodings.</summary>
[Trait("Category", "Peer")]
public class EthersCrossCheckTests
{
    private readonly Random _random = new(RandomNumberGenerator.GetInt32(int.MaxValue));

    private static string RandomKeyHex()
    {
        // EthPrivateKey never exports its secret, so the test draws the bytes itself to hand them to both sides.
        while (true)
        {
            var bytes = RandomNumberGenerator.GetBytes(32);
            try
            {
                EthPrivateKey.FromBytes(bytes).Dispose();
                return Hex.Encode(bytes);
            }
            catch (FormatException)
            {
                // Out of range (probability ~2^-128); draw again.
            }
        }
    }

    [Fact]
    public async Task Random_keys_give_the_same_checksummed_address()
    {
        var keys = Enumerable.Range(0, 25).Select(_ => RandomKeyHex()).ToArray();
        var results = await EthersPeer.RunAsync(keys.Select(k => new JsonObject { ["op"] = "address", ["key"] = k }));
        for (var i = 0; i < keys.Length; i++)
        {
            using var key = EthPrivateKey.FromHex(keys[i]);
            Assert.Equal(results[i].GetProperty("address").GetString(), AddressChecksum.Encode(key.Address));
        }
    }

    [Fact]
    public async Task Random_messages_give_the_same_personal_signature()
    {
        var cases = Enumerable.Range(0, 25).Select(i =>
        {
            var message = new byte[_random.Next(0, 200)];
            _random.NextBytes(message);
            return (Key: RandomKeyHex(), Message: message);
        }).ToArray();
        var results = await EthersPeer.RunAsync(cases.Select(c => new JsonObject
        {
            ["op"] = "signMessage", ["key"] = c.Key, ["message"] = Hex.Encode(c.Message),
        }));
        for (var i = 0; i < cases.Length; i++)
        {
            using var key = EthPrivateKey.FromHex(cases[i].Key);
            Assert.Equal(results[i].GetProperty("hash").GetString(), Eip191.Hash(cases[i].Message).ToString());
            Assert.Equal(results[i].GetProperty("signature").GetString(), key.SignMessage(cases[i].Message).ToString());
        }
    }

    [Fact]
    public async Task Vault_and_keeper_typed_data_verify_in_ethers_with_the_same_hash()
    {
        var cases = new List<(JsonObject Case, Bytes32 OurHash, Address Signer)>();
        for (var i = 0; i < 12; i++)
        {
            using var key = EthPrivateKey.FromHex(RandomKeyHex());
            var chainId = (ulong)_random.NextInt64(1, long.MaxValue);
            var verifying = Address.From(RandomNumberGenerator.GetBytes(20));
            var root = Bytes32.From(RandomNumberGenerator.GetBytes(32));
            var validators = RandomNumberGenerator.GetBytes(176 * _random.Next(1, 4));
            Eip712Domain domain;
            Eip712Struct message;
            if (i % 2 == 0)
            {
                (domain, message) = StakeWiseTypedData.VaultValidators(chainId, verifying, root, validators);
            }
            else
            {
                var vault = Address.From(RandomNumberGenerator.GetBytes(20));
                var deadline = new BigInteger(RandomNumberGenerator.GetBytes(32), isUnsigned: true);
                (domain, message) = StakeWiseTypedData.KeeperValidators(chainId, verifying, root, vault, validators, "bafy" + i, deadline);
            }
            var hash = Eip712.Hash(domain, message);
            var signature = key.Sign(hash);
            cases.Add((new JsonObject
            {
                ["op"] = "typedData",
                ["domain"] = new JsonObject
                {
                    ["name"] = domain.Name, ["version"] = domain.Version,
                    ["chainId"] = domain.ChainId.ToString(), ["verifyingContract"] = domain.VerifyingContract.ToString(),
                },
                ["types"] = new JsonObject
                {
                    [message.TypeName] = new JsonArray(message.Fields.Select(f => (JsonNode?)new JsonObject { ["name"] = f.Name, ["type"] = f.Type }).ToArray()),
                },
                ["value"] = new JsonObject(message.Fields.Select(f => KeyValuePair.Create(f.Name, ToJson(f.Value)))),
                ["signature"] = signature.ToString(),
            }, hash, key.Address));
        }
        var results = await EthersPeer.RunAsync(cases.Select(c => c.Case));
        for (var i = 0; i < cases.Count; i++)
        {
            Assert.Equal(results[i].GetProperty("hash").GetString(), cases[i].OurHash.ToString());
            Assert.Equal(cases[i].Signer, Address.Parse(results[i].GetProperty("recovered").GetString()));
        }
    }

    private static JsonNode? ToJson(object value) => value switch
    {
        Bytes32 b => JsonValue.Create(b.ToString()),
        Address a => JsonValue.Create(a.ToString()),
        byte[] bytes => JsonValue.Create(Hex.Encode(bytes)),
        BigInteger n => JsonValue.Create(n.ToString()),
        string s => JsonValue.Create(s),
        _ => throw new InvalidOperationException("unexpected typed-data value " + value.GetType().Name),
    };

    [Fact]
    public async Task Our_eip1559_transactions_parse_in_ethers_and_match_its_own_signing()
    {
        var cases = new List<(string Key, Eip1559Transaction Tx)>();
        for (var i = 0; i < 15; i++)
        {
            var data = new byte[_random.Next(0, 300)];
            _random.NextBytes(data);
            Address? to = i % 5 == 0 ? null : Address.From(RandomNumberGenerator.GetBytes(20));
            var tip = new BigInteger(_random.NextInt64(0, 5_000_000_000));
            var tx = new Eip1559Transaction(
                (ulong)_random.NextInt64(1, 1_000_000), (ulong)_random.NextInt64(0, 100_000), tip, tip + _random.NextInt64(0, 100_000_000_000),
                (ulong)_random.NextInt64(21_000, 30_000_000), to, new BigInteger(RandomNumberGenerator.GetBytes(12), isUnsigned: true), data);
            cases.Add((RandomKeyHex(), tx));
        }
        var signed = cases.Select(c =>
        {
            using var key = EthPrivateKey.FromHex(c.Key);
            return (Signed: c.Tx.Sign(key), Sender: key.Address);
        }).ToArray();
        var parse = signed.Select(s => new JsonObject { ["op"] = "parseTx", ["raw"] = Hex.Encode(s.Signed.Raw) });
        var sign = cases.Select(c => new JsonObject
        {
            ["op"] = "signTx",
            ["key"] = c.Key,
            ["tx"] = new JsonObject
            {
                ["chainId"] = c.Tx.ChainId.ToString(), ["nonce"] = (long)c.Tx.Nonce,
                ["maxPriorityFeePerGas"] = c.Tx.MaxPriorityFeePerGas.ToString(), ["maxFeePerGas"] = c.Tx.MaxFeePerGas.ToString(),
                ["gasLimit"] = c.Tx.GasLimit.ToString(), ["to"] = c.Tx.To?.ToString(), ["value"] = c.Tx.Value.ToString(),
                ["data"] = Hex.Encode(c.Tx.Data),
            },
        });
        var results = await EthersPeer.RunAsync(parse.Concat(sign));
        for (var i = 0; i < cases.Count; i++)
        {
            var (ours, sender) = signed[i];
            var parsed = results[i];
            Assert.Equal(2, parsed.GetProperty("type").GetInt32());
            Assert.Equal(ours.Transaction.ChainId.ToString(), parsed.GetProperty("chainId").GetString());
            Assert.Equal((long)ours.Transaction.Nonce, parsed.GetProperty("nonce").GetInt64());
            Assert.Equal(ours.Transaction.MaxPriorityFeePerGas.ToString(), parsed.GetProperty("maxPriorityFeePerGas").GetString());
            Assert.Equal(ours.Transaction.MaxFeePerGas.ToString(), parsed.GetProperty("maxFeePerGas").GetString());
            Assert.Equal(ours.Transaction.GasLimit.ToString(), parsed.GetProperty("gasLimit").GetString());
            Assert.Equal(ours.Transaction.Value.ToString(), parsed.GetProperty("value").GetString());
            Assert.Equal(Hex.Encode(ours.Transaction.Data), parsed.GetProperty("data").GetString());
            var to = parsed.GetProperty("to");
            Assert.Equal(ours.Transaction.To, to.ValueKind == JsonValueKind.Null ? null : Address.Parse(to.GetString()));
            Assert.Equal(sender, Address.Parse(parsed.GetProperty("from").GetString()));
            Assert.Equal(ours.Hash.ToString(), parsed.GetProperty("hash").GetString());
            Assert.Equal(ours.Transaction.SigningHash().ToString(), parsed.GetProperty("unsignedHash").GetString());

            // Both sides use RFC 6979, so ethers signing the same fields must produce our exact bytes.
            var theirs = results[cases.Count + i].GetProperty("raw").GetString();
            Assert.Equal(Hex.Encode(ours.Raw), theirs);
            var decoded = SignedEip1559Transaction.Decode(Hex.Decode(theirs));
            Assert.Equal(sender, decoded.Sender());
            Assert.Equal(ours.Hash, decoded.Hash);
        }
    }

    [Fact]
    public async Task Abi_encodings_equal_ethers_abi_coder_and_decode_back()
    {
        string[] typeNames =
        [
            "uint8", "uint64", "uint256", "int16", "int256", "address", "bool", "bytes1", "bytes20", "bytes32", "bytes", "string",
            "uint256[]", "bytes[2]", "(uint64,bytes,address)", "(bool,string)[]", "(bytes32,uint256,bytes,bytes,string)", "string[][]", "int8[3]",
            "(uint256,(bytes,bool[])[2])",
        ];
        var cases = new List<(AbiType[] Types, object[] Values, JsonObject Case)>();
        for (var i = 0; i < 40; i++)
        {
            var types = Enumerable.Range(0, _random.Next(1, 5)).Select(_ => AbiType.Parse(typeNames[_random.Next(typeNames.Length)])).ToArray();
            var made = types.Select(t => RandomAbiValues.Make(t, _random)).ToArray();
            cases.Add((types, made.Select(m => m.Value).ToArray(), new JsonObject
            {
                ["op"] = "abiEncode",
                ["types"] = new JsonArray(types.Select(t => (JsonNode?)JsonValue.Create(t.Canonical)).ToArray()),
                ["values"] = new JsonArray(made.Select(m => m.Json).ToArray()),
            }));
        }
        var results = await EthersPeer.RunAsync(cases.Select(c => c.Case));
        for (var i = 0; i < cases.Count; i++)
        {
            var (types, values, _) = cases[i];
            var ours = AbiCodec.Encode(types, values);
            var theirs = results[i].GetProperty("encoded").GetString();
            Assert.True(Hex.Encode(ours) == theirs, $"encoding differs for ({string.Join(",", types.Select(t => t.Canonical))})");
            var reEncoded = AbiCodec.Encode(types, AbiCodec.Decode(types, Hex.Decode(theirs)));
            Assert.Equal(ours, reEncoded);
        }
    }
}
