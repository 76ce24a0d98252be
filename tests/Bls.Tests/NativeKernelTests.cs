using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Xunit;

namespace DvtBus.Bls.Tests;

/// <summary>
/// The optional native field kernel (src/Bls/native/fp384.c): it gives the managed limbs on edge and random
/// inputs, its self-test refuses wrong kernels, and the build put it where the loader looks.
/// </summary>
public unsafe class NativeKernelTests
{
    private static FpKernel.EntryPoints Native()
    {
        var path = FpKernel.DefaultLibraryPath();
        Assert.True(FpKernel.TryLoad(path, out var kernel, out var failure),
            $"the native kernel should be built next to the tests when gcc is installed (scripts/lib/install.sh adds it): {failure}");
        return kernel;
    }

    [Fact]
    public void The_native_kernel_runs_unless_managed_is_forced()
    {
        var forced = Environment.GetEnvironmentVariable(BlsBackend.EnvironmentVariable);
        Native();
        Assert.StartsWith(BlsBackend.Name + " (", BlsBackend.Description);
        Assert.Equal(forced?.Trim().ToLowerInvariant() == "managed" ? "managed" : "native", BlsBackend.Name);
    }

    [Fact]
    public void Kernel_equals_managed_code_on_edge_and_random_inputs()
    {
        var k = Native();
        var edges = FpKernel.EdgeValues();
        int canonicalPairs = 0;
        foreach (var a in edges)
            foreach (var b in edges)
                canonicalPairs += Check(k, a, b) ? 1 : 0;
        // 0, 1, 2, R mod p and p - 1 are canonical: every pair of them went through the Fp2 entry points too.
        Assert.True(canonicalPairs >= 25, $"{canonicalPairs} canonical edge pairs");
        var rng = new Random(20261122);
        Span<byte> bytes = stackalloc byte[48];
        for (int i = 0; i < 20_000; i++)
        {
            var a = RandomLimbs(rng, bytes, i % 3);
            var b = RandomLimbs(rng, bytes, (i / 3) % 3);
            Check(k, a, b);
        }
    }

    // 0: any 384 bits; 1: canonical (Fp.FromBigInteger of a random value); 2: near 2^384 (top limbs all ones).
    private static Fp RandomLimbs(Random rng, Span<byte> bytes, int kind)
    {
        rng.NextBytes(bytes);
        var v = MemoryMarshal.Read<Fp>(bytes);
        return kind switch
        {
            0 => v,
            1 => Fp.FromBigInteger(new System.Numerics.BigInteger(bytes, isUnsigned: true)),
            _ => new Fp(v.L0, v.L1, v.L2, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue - (v.L5 & 0xff)),
        };
    }

    // ToBigInteger reads Montgomery form; this reads the raw limbs.
    private static System.Numerics.BigInteger FromLimbs(Fp v) =>
        new(MemoryMarshal.AsBytes(new ReadOnlySpan<Fp>(in v)), isUnsigned: true);

    private static readonly System.Numerics.BigInteger RInverse =
        System.Numerics.BigInteger.ModPow(System.Numerics.BigInteger.One << 384, Fp.Modulus - 2, Fp.Modulus);

    /// <summary>Fp product and square on any limbs; Fp2 too when both are below p. True when Fp2 was checked.</summary>
    private static bool Check(FpKernel.EntryPoints k, Fp a, Fp b)
    {
        Fp r;
        ((delegate* unmanaged<Fp*, Fp*, Fp*, void>)k.Mul)(&r, &a, &b);
        Assert.Equal(Fp.MulManaged(a, b), r);
        ((delegate* unmanaged<Fp*, Fp*, void>)k.Square)(&r, &a);
        Assert.Equal(Fp.MulManaged(a, a), r);
        if (FromLimbs(a) >= Fp.Modulus || FromLimbs(b) >= Fp.Modulus) return false;
        Fp2 x = new(a, b), y = new(b, a), r2;
        ((delegate* unmanaged<Fp2*, Fp2*, Fp2*, void>)k.Mul2)(&r2, &x, &y);
        Assert.Equal(Fp2.MulManaged(x, y), r2);
        ((delegate* unmanaged<Fp2*, Fp2*, void>)k.Square2)(&r2, &x);
        Assert.Equal(Fp2.SquareManaged(x), r2);
        // And both are the field operations: the product of the plain values, Montgomery factor included.
        Assert.Equal(FromLimbs(a) * FromLimbs(b) * RInverse % Fp.Modulus, FromLimbs(Fp.MulManaged(a, b)));
        return true;
    }

    [Fact]
    public void Kernel_writes_its_result_over_an_operand()
    {
        var k = Native();
        var a = Fp.FromHex("17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb");
        var b = Fp.FromHex("08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1");
        var x = a;
        ((delegate* unmanaged<Fp*, Fp*, Fp*, void>)k.Mul)(&x, &x, &b);
        Assert.Equal(Fp.MulManaged(a, b), x);
        Fp2 u = new(a, b), v = new(b, a + b), w = u;
        ((delegate* unmanaged<Fp2*, Fp2*, Fp2*, void>)k.Mul2)(&w, &w, &v);
        Assert.Equal(Fp2.MulManaged(u, v), w);
        w = u;
        ((delegate* unmanaged<Fp2*, Fp2*, void>)k.Square2)(&w, &w);
        Assert.Equal(Fp2.SquareManaged(u), w);
    }

    // Managed stand-ins with the kernel's signatures, called through the same function pointers.
    [UnmanagedCallersOnly]
    private static void GoodMul(Fp* r, Fp* a, Fp* b) => *r = Fp.MulManaged(*a, *b);

    [UnmanagedCallersOnly]
    private static void GoodSquare(Fp* r, Fp* a) => *r = Fp.MulManaged(*a, *a);

    [UnmanagedCallersOnly]
    private static void GoodMul2(Fp2* r, Fp2* a, Fp2* b) => *r = Fp2.MulManaged(*a, *b);

    [UnmanagedCallersOnly]
    private static void GoodSquare2(Fp2* r, Fp2* a) => *r = Fp2.SquareManaged(*a);

    // Forgets the final subtraction: the right residue, but not the canonical limbs, whenever p still fits.
    [UnmanagedCallersOnly]
    private static void MulWithoutFinalSubtraction(Fp* r, Fp* a, Fp* b)
    {
        var c = Fp.MulManaged(*a, *b);
        *r = c.L5 < 0x1a0111ea397fe69a / 2 ? Fp.AddUnreduced(c, new Fp(0xb9feffffffffaaab, 0x1eabfffeb153ffff,
            0x6730d2a0f6b0f624, 0x64774b84f38512bf, 0x4b1ba7b6434bacd7, 0x1a0111ea397fe69a)) : c;
    }

    // Right everywhere except for one operand, p - 1, that random inputs practically never hit.
    [UnmanagedCallersOnly]
    private static void SquareWrongAtPMinusOne(Fp* r, Fp* a)
    {
        var c = Fp.MulManaged(*a, *a);
        bool pMinusOne = a->L0 == 0xb9feffffffffaaaa && a->L1 == 0x1eabfffeb153ffff && a->L5 == 0x1a0111ea397fe69a;
        *r = pMinusOne ? new Fp(c.L0 ^ 1, c.L1, c.L2, c.L3, c.L4, c.L5) : c;
    }

    // A carry dropped in the imaginary part, for random-looking operands only.
    [UnmanagedCallersOnly]
    private static void Mul2DroppingACarry(Fp2* r, Fp2* a, Fp2* b)
    {
        var c = Fp2.MulManaged(*a, *b);
        *r = (a->C0.L2 & 0xf) == 7 ? new Fp2(c.C0, new Fp(c.C1.L0, c.C1.L1 + 1, c.C1.L2, c.C1.L3, c.C1.L4, c.C1.L5)) : c;
    }

    // The sign of u lost.
    [UnmanagedCallersOnly]
    private static void Square2Conjugated(Fp2* r, Fp2* a) => *r = Fp2.SquareManaged(*a).Conjugate();

    private static readonly FpKernel.EntryPoints Good = new(
        (nint)(delegate* unmanaged<Fp*, Fp*, Fp*, void>)&GoodMul, (nint)(delegate* unmanaged<Fp*, Fp*, void>)&GoodSquare,
        (nint)(delegate* unmanaged<Fp2*, Fp2*, Fp2*, void>)&GoodMul2, (nint)(delegate* unmanaged<Fp2*, Fp2*, void>)&GoodSquare2);

    [Fact]
    public void Self_test_accepts_a_correct_kernel()
    {
        Assert.True(FpKernel.SelfTest(Good, out var failure), failure);
        Assert.True(FpKernel.SelfTest(Native(), out failure), failure);
    }

    [Fact]
    public void Self_test_rejects_wrong_kernels_and_keeps_the_active_one()
    {
        var active = (FpKernel.Mul, FpKernel.Square, FpKernel.Mul2, FpKernel.Square2);
        var cases = new (FpKernel.EntryPoints Kernel, string Names)[]
        {
            (Good with { Mul = (nint)(delegate* unmanaged<Fp*, Fp*, Fp*, void>)&MulWithoutFinalSubtraction }, "Fp multiplication"),
            (Good with { Square = (nint)(delegate* unmanaged<Fp*, Fp*, void>)&SquareWrongAtPMinusOne },
                "Fp squaring differs from the managed code for limbs 1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaaa"),
            (Good with { Mul2 = (nint)(delegate* unmanaged<Fp2*, Fp2*, Fp2*, void>)&Mul2DroppingACarry }, "Fp2 multiplication"),
            (Good with { Square2 = (nint)(delegate* unmanaged<Fp2*, Fp2*, void>)&Square2Conjugated }, "Fp2 squaring"),
        };
        foreach (var (kernel, names) in cases)
        {
            Assert.False(FpKernel.SelfTest(kernel, out var failure));
            Assert.Contains(names, failure);
            Assert.False(FpKernel.TryInstall(kernel, out _));
            Assert.Equal(active, (FpKernel.Mul, FpKernel.Square, FpKernel.Mul2, FpKernel.Square2));
        }
    }

    [Fact]
    public void Forced_native_without_a_library_fails_with_a_clear_message()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-dir", FpKernel.LibraryFile);
        var e = Assert.Throws<InvalidOperationException>(() => FpKernel.Select("native", missing));
        Assert.Contains("DVT_BLS_BACKEND=native, but the native BLS field kernel is unavailable", e.Message);
        Assert.Contains(missing, e.Message);
        Assert.StartsWith("managed (native kernel not used: ", FpKernel.Select(null, missing));
        Assert.StartsWith("managed (native kernel not used: ", FpKernel.Select(" ", missing));
        Assert.Equal("managed (DVT_BLS_BACKEND=managed)", FpKernel.Select("Managed", missing));
        Assert.Contains("expected 'managed', 'native' or nothing",
            Assert.Throws<InvalidOperationException>(() => FpKernel.Select("fast", missing)).Message);
    }
}
