using System.Text;
using System.Text.Json;
using DvtBus.Primitives;
using Xunit;

namespace DvtBus.Bls.Tests;

[Trait("Category", "Vectors")]
public class EthVectorTests
{
    private static readonly byte[] QuuxG2Dst = Encoding.ASCII.GetBytes("QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_");

    public static TheoryData<string, string> Cases => VectorFiles.EthCases();

    [Fact]
    public void Shared_vector_set_is_complete()
    {
        var shared = VectorFiles.EthCases().Count(row => row[1] is string f && f.StartsWith(VectorFiles.Roots().First()));
        Assert.Equal(97, shared);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_matches_expected_output(string handler, string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var input = doc.RootElement.GetProperty("input");
        var output = doc.RootElement.GetProperty("output");
        switch (handler)
        {
            case "sign":
                {
                    var sk = Hex.Decode(input.GetProperty("privkey").GetString());
                    var msg = Hex.Decode(input.GetProperty("message").GetString());
                    if (output.ValueKind == JsonValueKind.Null)
                    {
                        Assert.False(BlsSecretKey.TryFromBytes(sk, out _), file);
                        Assert.Throws<ArgumentException>(() => BlsSecretKey.FromBytes(sk));
                    }
                    else
                    {
                        using var key = BlsSecretKey.FromBytes(sk);
                        Assert.Equal(output.GetString(), key.Sign(msg).ToString());
                    }
                    break;
                }
            case "verify":
                Assert.Equal(output.GetBoolean(), BlsScheme.Verify(
                    Pk(input.GetProperty("pubkey")), Hex.Decode(input.GetProperty("message").GetString()), Sig(input.GetProperty("signature"))));
                break;
            case "aggregate":
                {
                    var sigs = input.EnumerateArray().Select(Sig).ToList();
                    if (output.ValueKind == JsonValueKind.Null)
                        Assert.Throws<ArgumentException>(() => BlsScheme.Aggregate(sigs));
                    else
                        Assert.Equal(output.GetString(), BlsScheme.Aggregate(sigs).ToString());
                    break;
                }
            case "fast_aggregate_verify":
                Assert.Equal(output.GetBoolean(), BlsScheme.FastAggregateVerify(
                    input.GetProperty("pubkeys").EnumerateArray().Select(Pk).ToList(),
                    Hex.Decode(input.GetProperty("message").GetString()), Sig(input.GetProperty("signature"))));
                break;
            case "aggregate_verify":
                Assert.Equal(output.GetBoolean(), BlsScheme.AggregateVerify(
                    input.GetProperty("pubkeys").EnumerateArray().Select(Pk).ToList(),
                    input.GetProperty("messages").EnumerateArray().Select(m => Hex.Decode(m.GetString())).ToList(),
                    Sig(input.GetProperty("signature"))));
                break;
            case "batch_verify":
                {
                    var pks = input.GetProperty("pubkeys").EnumerateArray().Select(Pk).ToList();
                    var msgs = input.GetProperty("messages").EnumerateArray().Select(m => Hex.Decode(m.GetString())).ToList();
                    var sigs = input.GetProperty("signatures").EnumerateArray().Select(Sig).ToList();
                    var sets = pks.Select((pk, i) => new SignatureSet(pk, msgs[i], sigs[i])).ToList();
                    Assert.Equal(output.GetBoolean(), BlsScheme.BatchVerify(sets));
                    break;
                }
            case "hash_to_G2":
                {
                    var p = HashToCurve.HashToG2(Encoding.UTF8.GetBytes(input.GetProperty("msg").GetString()!), QuuxG2Dst);
                    Assert.True(p.TryToAffine(out var x, out var y));
                    Assert.Equal(output.GetProperty("x").GetString(), Fp2Text(x));
                    Assert.Equal(output.GetProperty("y").GetString(), Fp2Text(y));
                    break;
                }
            case "deserialization_G1":
                {
                    var bytes = Hex.Decode(input.GetProperty("pubkey").GetString());
                    Assert.Equal(output.GetBoolean(), bytes.Length == 48 && G1.TryDecodeInSubgroup(bytes, out _));
                    break;
                }
            case "deserialization_G2":
                {
                    var bytes = Hex.Decode(input.GetProperty("signature").GetString());
                    Assert.Equal(output.GetBoolean(), bytes.Length == 96 && G2.TryDecodeInSubgroup(bytes, out _));
                    break;
                }
            default:
                Assert.Fail($"unknown handler {handler} ({file})");
                break;
        }
    }

    /// <summary>A wrong-length input becomes the default value, which the scheme must treat as invalid.</summary>
    internal static BlsPublicKey Pk(JsonElement e) => BlsPublicKey.TryParse(e.GetString(), out var v) ? v : default;

    internal static BlsSignature Sig(JsonElement e) => BlsSignature.TryParse(e.GetString(), out var v) ? v : default;

    internal static string Fp2Text(Fp2 v) => $"{FpText(v.C0)},{FpText(v.C1)}";

    internal static string FpText(Fp v)
    {
        var b = new byte[48];
        v.WriteBytes(b);
        return Hex.Encode(b);
    }
}
