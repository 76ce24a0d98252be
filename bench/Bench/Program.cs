using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DvtBus.Bls;
using DvtBus.Primitives;

if (args.Length >= 1 && args[0] == "bls-micro")
    return DvtBus.Bench.Micro.Run(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1);
if (args.Length < 1 || args[0] != "bls")
{
    Console.Error.WriteLine("usage: bench bls [iterations] | bench bls-micro [scale]");
    return 2;
}
int iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;

var msg = RandomNumberGenerator.GetBytes(32);
using var sk = BlsSecretKey.Generate();
var pk = sk.PublicKey;
var sig = sk.Sign(msg);
var four = Enumerable.Range(0, 4).Select(_ => BlsSecretKey.Generate()).ToList();
var fourPks = four.Select(k => k.PublicKey).ToList();
var fourAgg = BlsScheme.Aggregate(four.Select(k => k.Sign(msg)).ToList());
var sets = Enumerable.Range(0, 64).Select(_ =>
{
    using var k = BlsSecretKey.Generate();
    var m = RandomNumberGenerator.GetBytes(32);
    return new SignatureSet(k.PublicKey, m, k.Sign(m));
}).ToList();
var shares = BlsThreshold.Split(sk, 3, [1, 2, 3, 4]);
var partials = shares.Take(3).Select(s => new IndexedSignature(s.Id, s.Key.Sign(msg))).ToList();
var dst = Encoding.ASCII.GetBytes("BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_");
var h = HashToCurve.HashToG2(msg, dst);
var scalar = Fr.Random();

var ours = new Dictionary<string, (double Wall, double Cpu)>
{
    ["keygen"] = Median(() => { using var k = BlsSecretKey.Generate(); _ = k.PublicKey; }, iterations),
    ["sign"] = Median(() => sk.Sign(msg), iterations),
    ["verify"] = Median(() => Check(BlsScheme.Verify(pk, msg, sig)), iterations),
    ["fast_aggregate_verify_4"] = Median(() => Check(BlsScheme.FastAggregateVerify(fourPks, msg, fourAgg)), iterations),
    ["batch_verify_64"] = Median(() => Check(BlsScheme.BatchVerify(sets)), Math.Max(5, iterations / 10)),
    ["hash_to_g2"] = Median(() => HashToCurve.HashToG2(msg, dst), iterations),
    ["g2_mul"] = Median(() => G2.MulSecret(h, scalar).TryToAffine(out _, out _), iterations),
    ["pairing"] = Median(() => Pairing.MultiPairing([G1.Generator], [h]), iterations),
    ["recover_3_of_4"] = Median(() => BlsThreshold.RecoverSignature(partials), iterations),
};
Check(BlsThreshold.RecoverSignature(partials) == sig);

var blst = RunBlst(iterations);

// Wall-clock medians are what the JSON lines report; the CPU columns (process CPU time per call, mean)
// stay meaningful when the machine is oversubscribed and wall time mostly measures waiting.
string F(double? v, string format = "F1") => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "-";
Console.WriteLine($"{"op",-26}{"ours (us)",12}{"blst (us)",12}{"ratio",8}{"ours cpu",12}{"blst cpu",12}{"ratio",8}");
foreach (var (op, (us, cpu)) in ours)
{
    double? theirs = blst.TryGetValue(op, out var b) ? b : null;
    double? theirsCpu = blst.TryGetValue(op + "_cpu", out var bc) ? bc : null;
    Console.WriteLine($"{op,-26}{F(us),12}{F(theirs),12}{F(us / theirs, "F2"),8}{F(cpu),12}{F(theirsCpu),12}{F(cpu / theirsCpu, "F2"),8}");
}
foreach (var (op, (us, _)) in ours)
{
    double? theirs = blst.TryGetValue(op, out var b) ? b : null;
    Console.WriteLine(JsonSerializer.Serialize(new { op, ours_us = Math.Round(us, 1), blst_us = theirs is { } t ? Math.Round(t, 1) : (double?)null, ratio = theirs is { } r ? Math.Round(us / r, 2) : (double?)null }));
}
return 0;

static void Check(bool ok)
{
    if (!ok) throw new InvalidOperationException("benchmark operation gave a wrong result");
}

static (double Wall, double Cpu) Median(Action op, int n)
{
    for (int i = 0; i < Math.Max(5, n / 5); i++) op();
    var times = new double[n];
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    for (int i = 0; i < n; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        op();
        times[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    }
    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds / n;
    Array.Sort(times);
    return (times[n / 2], cpu);
}

// The same operations timed by @chainsafe/blst in tools/js/bls-bench.mjs; empty when node is not available.
static Dictionary<string, double> RunBlst(int iterations)
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DvtBus.sln"))) dir = dir.Parent;
    var js = dir is null ? null : Path.Combine(dir.FullName, "tools", "js");
    if (js is null || !Directory.Exists(Path.Combine(js, "node_modules")))
    {
        Console.Error.WriteLine("tools/js/node_modules not found: blst column left empty");
        return [];
    }
    var psi = new ProcessStartInfo("node", "bls-bench.mjs")
    {
        WorkingDirectory = js,
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        UseShellExecute = false,
    };
    try
    {
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(JsonSerializer.Serialize(new { iterations }));
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? JsonSerializer.Deserialize<Dictionary<string, double>>(output) ?? [] : [];
    }
    catch (System.ComponentModel.Win32Exception)
    {
        Console.Error.WriteLine("node not found: blst column left empty");
        return [];
    }
}
