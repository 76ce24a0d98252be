using System.Text;
using System.Text.Json;
using DvtBus.Primitives;
using DvtBus.TestSupport;
using Xunit;

namespace DvtBus.Bls.Tests;

[Trait("Category", "Vectors")]
public class HashToCurveVectorTests
{
    private static string Rfc(string name) => RepoPaths.Vector("bls", "rfc9380-hash-to-curve", name);

    public static TheoryData<string, int> ExpandCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "expand_message_xmd_SHA256_38.json", "expand_message_xmd_SHA256_256.json" })
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Rfc(name)));
            for (int i = 0; i < doc.RootElement.GetProperty("tests").GetArrayLength(); i++) data.Add(name, i);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ExpandCases))]
    public void Expand_message_xmd_matches_rfc(string file, int index)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Rfc(file)));
        var dst = Encoding.ASCII.GetBytes(doc.RootElement.GetProperty("DST").GetString()!);
        var t = doc.RootElement.GetProperty("tests")[index];
        int len = Convert.ToInt32(t.GetProperty("len_in_bytes").GetString(), 16);
        var output = HashToCurve.ExpandMessageXmd(Encoding.ASCII.GetBytes(t.GetProperty("msg").GetString()!), dst, len);
        Assert.Equal(t.GetProperty("uniform_bytes").GetString(), Convert.ToHexStringLower(output));
    }

    public static TheoryData<string, int> CurveCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "BLS12381G1_XMD_SHA-256_SSWU_RO_.json", "BLS12381G2_XMD_SHA-256_SSWU_RO_.json" })
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Rfc(name)));
            for (int i = 0; i < doc.RootElement.GetProperty("vectors").GetArrayLength(); i++) data.Add(name, i);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CurveCases))]
    public void Hash_to_curve_matches_rfc(string file, int index)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Rfc(file)));
        var dst = Encoding.ASCII.GetBytes(doc.RootElement.GetProperty("dst").GetString()!);
        var v = doc.RootElement.GetProperty("vectors")[index];
        var msg = Encoding.ASCII.GetBytes(v.GetProperty("msg").GetString()!);
        string x, y;
        if (file.StartsWith("BLS12381G1"))
        {
            var p = HashToCurve.HashToG1(msg, dst);
            Assert.True(G1.IsInSubgroup(p));
            Assert.True(p.TryToAffine(out var ax, out var ay));
            (x, y) = (EthVectorTests.FpText(ax), EthVectorTests.FpText(ay));
        }
        else
        {
            var p = HashToCurve.HashToG2(msg, dst);
            Assert.True(G2.IsInSubgroup(p));
            Assert.True(p.TryToAffine(out var ax, out var ay));
            (x, y) = (EthVectorTests.Fp2Text(ax), EthVectorTests.Fp2Text(ay));
        }
        Assert.Equal(v.GetProperty("P").GetProperty("x").GetString(), x);
        Assert.Equal(v.GetProperty("P").GetProperty("y").GetString(), y);
    }
}
