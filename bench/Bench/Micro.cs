using System.Diagnostics;
using System.Globalization;
using DvtBus.Bls;

namespace DvtBus.Bench;

/// <summary>
/// `bench bls-micro [scale]`: nanoseconds (CPU time) per call of the primitives the BLS operations are made
/// of, so that a change to one layer can be measured without the noise of the whole operation. Each loop
/// feeds its result back into the next call, so nothing can be hoisted or dropped.
/// </summary>
internal static class Micro
{
    internal static int Run(double scale)
    {
        var a = Fp.FromHex("17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb");
        var b = Fp.FromHex("08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1");
        var a2 = new Fp2(a, b);
        var b2 = new Fp2(b, a + b);
        var q = G2.Generator.Double();
        var f = Pairing.MillerLoop([G1.Generator], [G2.Generator]);
        var g = Pairing.MillerLoop([G1.Generator.Double()], [G2.Generator]);
        var cyc = Pairing.FinalExponentiation(f);
        var scalar = Fr.Random();
        var msg = new byte[32];

        int n(int baseCount) => Math.Max(1, (int)(baseCount * scale));
        Report("fp_mul", n(2_000_000), () => { var x = a; for (int i = 0; i < 1000; i++) x *= b; a = x; }, 1000);
        Report("fp_square", n(2_000_000), () => { var x = a; for (int i = 0; i < 1000; i++) x = x.Square(); a = x; }, 1000);
        Report("fp_add", n(2_000_000), () => { var x = a; for (int i = 0; i < 1000; i++) x += b; a = x; }, 1000);
        Report("fp_sub", n(2_000_000), () => { var x = a; for (int i = 0; i < 1000; i++) x -= b; a = x; }, 1000);
        Report("fp_invert", n(2_000), () => { a = (a + b).Invert(); }, 1);
        Report("fp_invert_public", n(20_000), () => { a = (a + b).InvertPublic(); }, 1);
        Report("fp2_mul", n(500_000), () => { var x = a2; for (int i = 0; i < 1000; i++) x *= b2; a2 = x; }, 1000);
        Report("fp2_square", n(500_000), () => { var x = a2; for (int i = 0; i < 1000; i++) x = x.Square(); a2 = x; }, 1000);
        Report("fp12_mul", n(20_000), () => { f *= g; }, 1);
        Report("fp12_square", n(20_000), () => { f = f.Square(); }, 1);
        Report("fp12_cyclotomic_square", n(20_000), () => { cyc = Pairing.CyclotomicSquare(cyc); }, 1);
        Report("g2_add", n(50_000), () => { q += G2.Generator; }, 1);
        Report("g2_double", n(50_000), () => { q = q.Double(); }, 1);
        Report("miller_loop", n(300), () => { f = Pairing.MillerLoop([G1.Generator], [q]); }, 1);
        Report("final_exponentiation", n(300), () => { f = Pairing.FinalExponentiation(f); }, 1);
        Report("hash_to_g2", n(300), () => { msg[0]++; q = HashToCurve.HashToG2(msg, HashToCurve.PopDst); }, 1);
        Report("g2_clear_cofactor", n(300), () => { q = G2.ClearCofactor(q); }, 1);
        Report("g2_subgroup_check", n(300), () => { if (!G2.IsInSubgroup(G2.Generator)) throw new InvalidOperationException(); }, 1);
        Report("g2_mul_secret", n(300), () => { q = G2.MulSecret(q, scalar); }, 1);
        Report("g1_mul_secret", n(1_000), () => { _ = G1.MulSecret(G1.Generator, scalar); }, 1);
        GC.KeepAlive(a);
        return 0;
    }

    private static void Report(string name, int calls, Action op, int perCall)
    {
        int warm = Math.Max(3, calls / 10);
        for (int i = 0; i < warm; i++) op();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long t0 = Stopwatch.GetTimestamp();
        int reps = Math.Max(1, calls / perCall);
        for (int i = 0; i < reps; i++) op();
        var wall = Stopwatch.GetElapsedTime(t0).TotalNanoseconds / ((double)reps * perCall);
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalNanoseconds / ((double)reps * perCall);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-24}{cpu,14:F1} ns cpu{wall,14:F1} ns wall"));
    }
}
