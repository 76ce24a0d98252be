using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace DvtBus.Bls;

/// <summary>Which implementation of the base-field multiplication this process runs (see README "Speed").</summary>
public static class BlsBackend
{
    /// <summary>The environment variable that forces a choice: <c>managed</c> or <c>native</c>; unset or empty: native when it loads and passes its self-test.</summary>
    public const string EnvironmentVariable = "DVT_BLS_BACKEND";

    /// <summary>"native" or "managed".</summary>
    public static string Name => Checked(() => FpKernel.IsNative ? "native" : "managed");

    /// <summary>One line for a start-up log: the backend, and why the native kernel is not used when it is not.</summary>
    public static string Description => Checked(() => FpKernel.Description);

    // A forced native kernel that is unavailable fails the type initializer; callers get its own message.
    private static string Checked(Func<string> read)
    {
        try
        {
            return read();
        }
        catch (TypeInitializationException e) when (e.InnerException is InvalidOperationException inner)
        {
            throw new InvalidOperationException(inner.Message, e);
        }
    }
}

/// <summary>
/// The optional native kernel for Fp and Fp2 multiplication and squaring (native/fp384.c). Chosen once, when
/// the type is first used: the library next to this assembly is loaded, and its four entry points are used
/// only if they give exactly the managed results on fixed edge inputs and on random ones. Otherwise every
/// entry point stays zero and <see cref="Fp"/> and <see cref="Fp2"/> run their managed code. Both give the
/// same bits on every input, so the choice changes speed only.
/// </summary>
internal static unsafe class FpKernel
{
    internal const string LibraryFile = "libdvtbls_fp384.so";
    private const int Abi = 1;
    private const int RandomCases = 2000;

    /// <summary>The entry points of a kernel: r = a b in Fp, r = a^2, r = a b in Fp2, r = a^2 in Fp2.</summary>
    internal readonly record struct EntryPoints(nint Mul, nint Square, nint Mul2, nint Square2);

    // The active native entry points, read on every multiplication; zero while the managed code runs.
    // Not readonly only so that a test can run the managed code in the same process (UseManagedForTests).
    internal static nint Mul, Square, Mul2, Square2;

    internal static bool IsNative => Mul != 0;

    internal static string Description { get; } =
        Select(Environment.GetEnvironmentVariable(BlsBackend.EnvironmentVariable), DefaultLibraryPath());

    /// <summary>The library next to this assembly, where the build of src/Bls puts it.</summary>
    internal static string DefaultLibraryPath()
    {
        var dir = Path.GetDirectoryName(typeof(FpKernel).Assembly.Location);
        return Path.Combine(string.IsNullOrEmpty(dir) ? AppContext.BaseDirectory : dir, LibraryFile);
    }

    /// <summary>
    /// The choice for a value of DVT_BLS_BACKEND: installs the kernel at <paramref name="path"/> if it loads and
    /// passes the self-test, unless managed is forced; throws when native is forced and it does not, or when
    /// the value is unknown. Returns the description of what runs.
    /// </summary>
    internal static string Select(string? forced, string path)
    {
        forced = forced?.Trim().ToLowerInvariant();
        if (forced is "managed")
            return $"managed ({BlsBackend.EnvironmentVariable}=managed)";
        if (forced is not (null or "" or "native"))
            throw new InvalidOperationException(
                $"{BlsBackend.EnvironmentVariable}='{forced}': expected 'managed', 'native' or nothing");
        if (TryLoad(path, out var kernel, out var failure) && TryInstall(kernel, out failure))
            return $"native ({path}, self-test passed)";
        if (forced is "native")
            throw new InvalidOperationException(
                $"{BlsBackend.EnvironmentVariable}=native, but the native BLS field kernel is unavailable: {failure}");
        return $"managed (native kernel not used: {failure})";
    }

    /// <summary>Loads the library and finds its entry points; runs nothing yet.</summary>
    internal static bool TryLoad(string path, out EntryPoints kernel, out string failure)
    {
        kernel = default;
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess || !BitConverter.IsLittleEndian)
        {
            failure = "only built for 64-bit little-endian Linux";
            return false;
        }
        if (!File.Exists(path))
        {
            failure = $"{path} not found (built only where gcc is installed)";
            return false;
        }
        if (!NativeLibrary.TryLoad(path, out var handle))
        {
            failure = $"{path} does not load on this machine";
            return false;
        }
        if (!NativeLibrary.TryGetExport(handle, "dvt_fp384_abi", out var abi)
            || ((delegate* unmanaged[Cdecl]<int>)abi)() != Abi
            || !NativeLibrary.TryGetExport(handle, "dvt_fp_mul", out var mul)
            || !NativeLibrary.TryGetExport(handle, "dvt_fp_sqr", out var square)
            || !NativeLibrary.TryGetExport(handle, "dvt_fp2_mul", out var mul2)
            || !NativeLibrary.TryGetExport(handle, "dvt_fp2_sqr", out var square2))
        {
            failure = $"{path} is not the kernel of this build (entry points or ABI version {Abi} missing)";
            return false;
        }
        kernel = new EntryPoints(mul, square, mul2, square2);
        failure = "";
        return true;
    }

    /// <summary>Makes the kernel the active one if it passes <see cref="SelfTest"/>; otherwise leaves the active one.</summary>
    internal static bool TryInstall(EntryPoints kernel, out string failure)
    {
        if (!SelfTest(kernel, out failure)) return false;
        (Mul, Square, Mul2, Square2) = kernel;
        return true;
    }

    /// <summary>
    /// Runs every entry point against the managed code and wants the exact same limbs, on fixed edge values
    /// (0, 1, p - 1, p, 2p - 1, values around 2^381, 2^383 and 2^384, all-ones limbs) and on random ones, each
    /// within the inputs the entry point is used on: Fp multiplication and squaring on any 384-bit values (the
    /// kernel is the same CIOS, word for word), Fp2 with coefficients below p (its lazy reduction relies on
    /// that, and the C# code never holds anything else in an Fp2). Calls go through the ordinary native-call transition, so a test can pass managed
    /// [UnmanagedCallersOnly] functions.
    /// </summary>
    internal static bool SelfTest(EntryPoints kernel, out string failure)
    {
        var values = EdgeValues();
        foreach (var a in values)
            foreach (var b in values)
                if (!Agrees(kernel, a, b, out failure)) return false;
        Span<byte> bytes = stackalloc byte[96];
        for (int i = 0; i < RandomCases; i++)
        {
            RandomNumberGenerator.Fill(bytes);
            var a = Shape(FromBytes(bytes[..48]), i);
            var b = Shape(FromBytes(bytes[48..]), i / 4);
            if (!Agrees(kernel, a, b, out failure)) return false;
        }
        failure = "";
        return true;
    }

    private const ulong P5 = 0x1a0111ea397fe69a, TwoP5 = 0x340223d472ffcd34;

    // The random values cycle through: any 384 bits, canonical (< p), below 2p (an unreduced sum), and
    // canonical with limbs forced to 0 or all ones (long carry and borrow chains).
    private static Fp Shape(Fp v, int i) => (i % 4) switch
    {
        0 => v,
        1 => new Fp(v.L0, v.L1, v.L2, v.L3, v.L4, v.L5 % P5),
        2 => new Fp(v.L0, v.L1, v.L2, v.L3, v.L4, v.L5 % TwoP5),
        _ => new Fp(Saturate(v.L0), Saturate(v.L1), Saturate(v.L2), Saturate(v.L3), Saturate(v.L4), Saturate(v.L5) % P5),
    };

    private static ulong Saturate(ulong limb) => (limb & 3) switch { 0 => 0, 1 => ulong.MaxValue, _ => limb };

    private static readonly Fp PValue = new(0xb9feffffffffaaab, 0x1eabfffeb153ffff, 0x6730d2a0f6b0f624,
        0x64774b84f38512bf, 0x4b1ba7b6434bacd7, P5);

    private static bool Below(Fp v, Fp bound)
    {
        ulong borrow = 0;
        Sub(v.L0, bound.L0); Sub(v.L1, bound.L1); Sub(v.L2, bound.L2);
        Sub(v.L3, bound.L3); Sub(v.L4, bound.L4); Sub(v.L5, bound.L5);
        return borrow == 1;

        void Sub(ulong x, ulong y)
        {
            ulong d = x - y - borrow;
            borrow = ((~x & y) | (~(x ^ y) & d)) >> 63;
        }
    }

    private static Fp FromBytes(ReadOnlySpan<byte> b) => new(
        BitConverter.ToUInt64(b), BitConverter.ToUInt64(b[8..]), BitConverter.ToUInt64(b[16..]),
        BitConverter.ToUInt64(b[24..]), BitConverter.ToUInt64(b[32..]), BitConverter.ToUInt64(b[40..]));

    internal static Fp[] EdgeValues()
    {
        const ulong p0 = 0xb9feffffffffaaab, p1 = 0x1eabfffeb153ffff, p2 = 0x6730d2a0f6b0f624,
            p3 = 0x64774b84f38512bf, p4 = 0x4b1ba7b6434bacd7, p5 = 0x1a0111ea397fe69a;
        const ulong max = ulong.MaxValue;
        return
        [
            new(0, 0, 0, 0, 0, 0),
            new(1, 0, 0, 0, 0, 0),
            new(2, 0, 0, 0, 0, 0),
            new(0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba, 0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493), // R mod p (one)
            new(p0 - 1, p1, p2, p3, p4, p5), // p - 1
            new(p0, p1, p2, p3, p4, p5), // p
            new(p0 + 1, p1, p2, p3, p4, p5), // p + 1
            new(0x73fdffffffff5555, 0x3d57fffd62a7ffff, 0xce61a541ed61ec48, 0xc8ee9709e70a257e, 0x96374f6c869759ae, 0x340223d472ffcd34), // 2p - 1
            new(max, max, max, max, max, 0x1fffffffffffffff), // 2^381 - 1
            new(0, 0, 0, 0, 0, 0x8000000000000000), // 2^383
            new(max, max, max, max, max, max), // 2^384 - 1
            new(max - p0 + 1, max - p1, max - p2, max - p3, max - p4, max - p5), // 2^384 - p
            new(max, 0, max, 0, max, 0),
        ];
    }

    private static bool Agrees(EntryPoints kernel, Fp a, Fp b, out string failure)
    {
        Fp r;
        ((delegate* unmanaged[Cdecl]<Fp*, Fp*, Fp*, void>)kernel.Mul)(&r, &a, &b);
        if (!Same(r, Fp.MulManaged(a, b)))
            return Fail("Fp multiplication", a, b, out failure);
        ((delegate* unmanaged[Cdecl]<Fp*, Fp*, void>)kernel.Square)(&r, &a);
        if (!Same(r, Fp.MulManaged(a, a)))
            return Fail("Fp squaring", a, a, out failure);
        if (Below(a, PValue) && Below(b, PValue))
        {
            Fp2 x = new(a, b), y = new(b, a), r2;
            ((delegate* unmanaged[Cdecl]<Fp2*, Fp2*, Fp2*, void>)kernel.Mul2)(&r2, &x, &y);
            if (!Same(r2, Fp2.MulManaged(x, y)))
                return Fail("Fp2 multiplication", a, b, out failure);
            ((delegate* unmanaged[Cdecl]<Fp2*, Fp2*, void>)kernel.Square2)(&r2, &x);
            if (!Same(r2, Fp2.SquareManaged(x)))
                return Fail("Fp2 squaring", a, b, out failure);
        }
        failure = "";
        return true;
    }

    private static bool Same(Fp x, Fp y) => x.L0 == y.L0 && x.L1 == y.L1 && x.L2 == y.L2 && x.L3 == y.L3 && x.L4 == y.L4 && x.L5 == y.L5;

    private static bool Same(Fp2 x, Fp2 y) => Same(x.C0, y.C0) && Same(x.C1, y.C1);

    private static bool Fail(string what, Fp a, Fp b, out string failure)
    {
        failure = $"self-test: {what} differs from the managed code for limbs {Hex(a)} and {Hex(b)}";
        return false;
    }

    private static string Hex(Fp v) => $"{v.L5:x16}{v.L4:x16}{v.L3:x16}{v.L2:x16}{v.L1:x16}{v.L0:x16}";

    /// <summary>Tests only: the managed code runs until the result is disposed, then the previous kernel again.</summary>
    internal static IDisposable UseManagedForTests()
    {
        var saved = new EntryPoints(Mul, Square, Mul2, Square2);
        (Mul, Square, Mul2, Square2) = (0, 0, 0, 0);
        return new Restore(saved);
    }

    private sealed class Restore(EntryPoints saved) : IDisposable
    {
        public void Dispose() => (Mul, Square, Mul2, Square2) = saved;
    }
}
