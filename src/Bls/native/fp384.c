/*
 * Optional native kernel for the BLS12-381 base field: Montgomery multiplication and squaring in Fp and
 * Fp2 = Fp[u]/(u^2+1), on six little-endian 64-bit limbs, giving exactly the limbs src/Bls/Fp.cs and
 * Fp2.cs give. The Fp product and square are the managed CIOS (without the extra carry word, one masked
 * subtraction of p) word for word, so they agree on every 384-bit input, in range or not. The Fp2 product
 * reduces once per coefficient instead of once per Fp product (lazy reduction); for coefficients below p,
 * which is all the C# code ever holds in an Fp2, its fully reduced results are the same canonical limbs.
 *
 * Constant time: straight-line code, no branch and no memory index that depends on the values; the
 * final subtraction of p is selected with masks. Loops have fixed trip counts.
 *
 * Portable C on unsigned __int128 (any 64-bit gcc target). A build with _mulx_u64/_addcarry_u64 (BMI2 +
 * ADX) was tried and was 25-40% slower under gcc 12, which keeps both carry chains on the one carry flag.
 * The C# side calls these through function pointers, and only after its own self-test against the
 * managed code (src/Bls/FpKernel.cs).
 *
 * Built by src/Bls/Bls.csproj with: gcc -O3 -fno-tree-vectorize -ffreestanding -nostdlib -shared -fPIC
 * (the vectoriser turns the masked selection into slower SSE code: 70 ns instead of 58 per product). No libc:
 * only gcc's own <stdint.h>, and -Wl,--no-undefined turns any call gcc might emit (memcpy) into a build
 * failure, which only means no native kernel.
 */
#include <stdint.h>

typedef uint64_t u64;
typedef unsigned __int128 u128;

#define DVT_EXPORT __attribute__((visibility("default")))
#define DVT_INLINE static inline __attribute__((always_inline))

static const u64 P[6] = {
    0xb9feffffffffaaabULL, 0x1eabfffeb153ffffULL, 0x6730d2a0f6b0f624ULL,
    0x64774b84f38512bfULL, 0x4b1ba7b6434bacd7ULL, 0x1a0111ea397fe69aULL,
};
#define PINV 0x89f3fffcfffcfffdULL

/* hi:lo = x y + z + w; never overflows 128 bits. */
DVT_INLINE u64 muladd(u64 x, u64 y, u64 z, u64 w, u64 *lo)
{
    u128 t = (u128)x * y + z + w;
    *lo = (u64)t;
    return (u64)(t >> 64);
}

/* r = t - p if t >= p, else t; selected by mask. */
DVT_INLINE void reduce(u64 r[6], const u64 t[6])
{
    u64 s[6], borrow = 0;
#pragma GCC unroll 12
    for (int i = 0; i < 6; i++) {
        u128 d = (u128)t[i] - P[i] - borrow;
        s[i] = (u64)d;
        borrow = (u64)(d >> 64) & 1;
    }
    u64 keep = 0 - borrow; /* all ones when t < p */
#pragma GCC unroll 12
    for (int i = 0; i < 6; i++) r[i] = (t[i] & keep) | (s[i] & ~keep);
}

/* CIOS Montgomery product, same steps as Fp.operator* in C#. */
DVT_INLINE void mont_mul(u64 r[6], const u64 a[6], const u64 b[6])
{
    u64 t[6] = {0, 0, 0, 0, 0, 0}, A, C, m, dummy;
#pragma GCC unroll 6
    for (int i = 0; i < 6; i++) {
        u64 bi = b[i];
        A = muladd(a[0], bi, t[0], 0, &t[0]);
        m = t[0] * PINV;
        C = muladd(m, P[0], t[0], 0, &dummy);
#pragma GCC unroll 5
        for (int j = 1; j < 6; j++) {
            A = muladd(a[j], bi, t[j], A, &t[j]);
            C = muladd(m, P[j], t[j], C, &t[j - 1]);
        }
        t[5] = C + A;
    }
    reduce(r, t);
}


/* t = a b, the full 768-bit product (schoolbook rows). */
DVT_INLINE void mul_wide(u64 t[12], const u64 a[6], const u64 b[6])
{
    u64 c = 0;
#pragma GCC unroll 12
    for (int j = 0; j < 6; j++) {
        u128 x = (u128)a[j] * b[0] + c;
        t[j] = (u64)x;
        c = (u64)(x >> 64);
    }
    t[6] = c;
#pragma GCC unroll 5
    for (int i = 1; i < 6; i++) {
        c = 0;
#pragma GCC unroll 12
        for (int j = 0; j < 6; j++) {
            u128 x = (u128)a[j] * b[i] + t[i + j] + c;
            t[i + j] = (u64)x;
            c = (u64)(x >> 64);
        }
        t[i + 6] = c;
    }
}

/* r = t R^-1 mod p for t < p R (Montgomery reduction, word by word): the result is below 2p before the
 * one masked subtraction, so below p after it. Destroys t. */
DVT_INLINE void redc(u64 r[6], u64 t[12])
{
    u64 top = 0;
#pragma GCC unroll 6
    for (int i = 0; i < 6; i++) {
        u64 m = t[i] * PINV, c = 0;
#pragma GCC unroll 12
        for (int j = 0; j < 6; j++) {
            u128 x = (u128)m * P[j] + t[i + j] + c;
            t[i + j] = (u64)x;
            c = (u64)(x >> 64);
        }
        u128 x = (u128)t[i + 6] + c + top;
        t[i + 6] = (u64)x;
        top = (u64)(x >> 64);
    }
    reduce(r, t + 6);
}

/* p^2, to keep a difference of two products below p^2 non-negative. */
static const u64 P_SQUARED[12] = {
    0x26aa00001c718e39ULL, 0x7ced6b1d76382eabULL, 0x162c338362113cfdULL, 0x66bf91ed3e71b743ULL,
    0x292e85a87091a049ULL, 0x1d68619c86185c7bULL, 0xf53149330978ef01ULL, 0x50a62cfd16ddca6eULL,
    0x66e59e49349e8bd0ULL, 0xe2dc90e50e7046b4ULL, 0x4bd278eaa22f25e9ULL, 0x02a437a4b8c35fc7ULL,
};

DVT_INLINE void add_wide(u64 r[12], const u64 a[12], const u64 b[12])
{
    u64 c = 0;
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) {
        u128 s = (u128)a[i] + b[i] + c;
        r[i] = (u64)s;
        c = (u64)(s >> 64);
    }
}

DVT_INLINE void sub_wide(u64 r[12], const u64 a[12], const u64 b[12])
{
    u64 borrow = 0;
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) {
        u128 d = (u128)a[i] - b[i] - borrow;
        r[i] = (u64)d;
        borrow = (u64)(d >> 64) & 1;
    }
}

/* r = a + b without reduction (operands of a multiplication only, as Fp.AddUnreduced). */
DVT_INLINE void add_unreduced(u64 r[6], const u64 a[6], const u64 b[6])
{
    u64 c = 0;
#pragma GCC unroll 12
    for (int i = 0; i < 6; i++) {
        u128 s = (u128)a[i] + b[i] + c;
        r[i] = (u64)s;
        c = (u64)(s >> 64);
    }
}

/* r = a + b, then one masked subtraction of p (Fp.operator+). */
DVT_INLINE void add(u64 r[6], const u64 a[6], const u64 b[6])
{
    u64 t[6];
    add_unreduced(t, a, b);
    reduce(r, t);
}

/* r = a - b, plus p when it borrowed (Fp.operator-). */
DVT_INLINE void sub(u64 r[6], const u64 a[6], const u64 b[6])
{
    u64 t[6], borrow = 0, c = 0;
#pragma GCC unroll 12
    for (int i = 0; i < 6; i++) {
        u128 d = (u128)a[i] - b[i] - borrow;
        t[i] = (u64)d;
        borrow = (u64)(d >> 64) & 1;
    }
    u64 mask = 0 - borrow;
#pragma GCC unroll 12
    for (int i = 0; i < 6; i++) {
        u128 s = (u128)t[i] + (P[i] & mask) + c;
        r[i] = (u64)s;
        c = (u64)(s >> 64);
    }
}

/* The entry points: Fp.operator*, Fp.Square, Fp2.operator*, Fp2.Square. Outputs go through temporaries,
 * so r may alias a or b. */
DVT_EXPORT void dvt_fp_mul(u64 r[6], const u64 a[6], const u64 b[6]) { mont_mul(r, a, b); }

/* The same CIOS with b = a: a separate squaring (15 products doubled plus 6 squares, then a reduction) was
 * no faster under gcc 12. */
DVT_EXPORT void dvt_fp_sqr(u64 r[6], const u64 a[6]) { mont_mul(r, a, a); }

/*
 * Karatsuba with one reduction per coefficient instead of one per product: with a0, a1, b0, b1 < p,
 * c1 = (a0 + a1)(b0 + b1) - a0 b0 - a1 b1 = a0 b1 + a1 b0 < 2p^2 and c0 = a0 b0 - a1 b1 + p^2 < 2p^2 are
 * both below p R, as the reduction needs.
 */
DVT_EXPORT void dvt_fp2_mul(u64 r[12], const u64 a[12], const u64 b[12])
{
    u64 aa[12], bb[12], cross[12], sa[6], sb[6];
    mul_wide(aa, a, b);
    mul_wide(bb, a + 6, b + 6);
    add_unreduced(sa, a, a + 6);
    add_unreduced(sb, b, b + 6);
    mul_wide(cross, sa, sb);
    sub_wide(cross, cross, aa);
    sub_wide(cross, cross, bb);
    add_wide(aa, aa, P_SQUARED);
    sub_wide(aa, aa, bb);
    redc(r, aa);
    redc(r + 6, cross);
}

/* (a + bu)^2 = (a + b)(a - b) + 2ab u, with 2ab < 2p^2 reduced once. */
DVT_EXPORT void dvt_fp2_sqr(u64 r[12], const u64 a[12])
{
    u64 ab[12], s[6], d[6];
    mul_wide(ab, a, a + 6);
    add_wide(ab, ab, ab);
    add_unreduced(s, a, a + 6);
    sub(d, a, a + 6);
    mont_mul(r, s, d);
    redc(r + 6, ab);
}

/* Lets the loader check that it holds this kernel: the layout (limbs, order) it was written for. */
DVT_EXPORT int dvt_fp384_abi(void) { return 1; }
