/*-------------------------------------------------------------------------
 *
 * distance.c
 *	  Distance kernels over float4 arrays: portable C, AVX2+FMA, AVX-512F.
 *
 * Every kernel accumulates in float4, as pgvector does.  The x86 kernels are
 * compiled with __attribute__((target(...))) rather than with -m flags for
 * the whole file, so one binary runs on any x86-64 and picks the best set
 * once, at load time (DistanceChooseKernels).  The two x86 sets are written
 * once, as the template distance_simd.h.  On other architectures only the
 * portable set is compiled.
 *
 * Short vectors (n < 8) are summed sequentially, in index order, the way
 * pgvector sums them, so short vectors give pgvector's exact text output.
 * pgvector's distance loops are compiled twice (target_clones "default" and
 * "fma") and, on a CPU with FMA, the compiler fuses "sum += x * y" into
 * one fused multiply-add.  So the AVX2 and AVX-512 sets (whose CPUs have
 * FMA) sum short vectors with fmaf(), and the portable set with a separate
 * multiply and add.  Longer vectors are summed in several independent
 * lanes, which is faster and, if anything, more accurate, but not bitwise
 * equal to pgvector or across kernel sets.
 *
 * Cosine distance accumulates the dot product and both squared norms in
 * float4, then finishes in double: 1 - dot / sqrt(|a|^2 |b|^2), with the
 * similarity clamped to [-1, 1].  A zero vector gives 0 / 0, that is NaN.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/type/distance.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "type/distance.h"

#if defined(__x86_64__) || defined(__i386__)
#define ZVEC_DISTANCE_X86 1
#include <immintrin.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ZVEC_NOINLINE __attribute__((noinline))
#define ZVEC_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ZVEC_NOINLINE
#define ZVEC_ALWAYS_INLINE inline
#endif

/* Vectors shorter than this are summed sequentially by every kernel set. */
#define ZVEC_DISTANCE_SHORT 8

/* Environment variable that forces a kernel set (tests, benchmarks). */
#define ZVEC_DISTANCE_ENV "ZVEC_DISTANCE_KERNEL"

/* Most kernel sets one CPU can support. */
#define ZVEC_DISTANCE_MAX_SETS 3

/* Which distance a shared kernel loop computes. */
typedef enum DistanceReduceKind
{
	ZVEC_REDUCE_L2SQ,			/* (x - y)^2 */
	ZVEC_REDUCE_IP,				/* x * y */
	ZVEC_REDUCE_L1,				/* |x - y| */
	ZVEC_REDUCE_COSINE			/* x * y, x * x and y * y */
} DistanceReduceKind;


/*
 * Sequential kernels for short vectors.
 *
 * "fused" chooses fmaf() (the AVX2 and AVX-512 sets) or a separate multiply
 * and add (the portable set).  They are never inlined: inlined into a
 * function compiled for AVX2+FMA, the compiler could contract the unfused
 * form into a fused multiply-add as well.
 */

/* acc + x * y, rounded once when fused, twice otherwise. */
static inline float
DistanceShortMulAdd(float x, float y, float acc, int fused)
{
	return fused ? fmaf(x, y, acc) : acc + x * y;
}

/* Sum of squared differences, sequentially in index order. */
static ZVEC_NOINLINE float
DistanceShortL2sq(const float *a, const float *b, int n, int fused)
{
	float		sum = 0.0f;
	int			i;

	for (i = 0; i < n; i++)
	{
		float		d = a[i] - b[i];

		sum = DistanceShortMulAdd(d, d, sum, fused);
	}
	return sum;
}

/* Dot product, sequentially in index order. */
static ZVEC_NOINLINE float
DistanceShortIp(const float *a, const float *b, int n, int fused)
{
	float		sum = 0.0f;
	int			i;

	for (i = 0; i < n; i++)
		sum = DistanceShortMulAdd(a[i], b[i], sum, fused);
	return sum;
}

/* Dot product and both squared norms, sequentially in index order. */
static ZVEC_NOINLINE void
DistanceShortCosineSums(const float *a, const float *b, int n,
						float *dot, float *na, float *nb, int fused)
{
	float		sdot = 0.0f;
	float		sa = 0.0f;
	float		sb = 0.0f;
	int			i;

	for (i = 0; i < n; i++)
	{
		sdot = DistanceShortMulAdd(a[i], b[i], sdot, fused);
		sa = DistanceShortMulAdd(a[i], a[i], sa, fused);
		sb = DistanceShortMulAdd(b[i], b[i], sb, fused);
	}
	*dot = sdot;
	*na = sa;
	*nb = sb;
}

/* Sum of absolute differences, sequentially in index order. */
static ZVEC_NOINLINE float
DistanceShortL1(const float *a, const float *b, int n)
{
	float		sum = 0.0f;
	int			i;

	for (i = 0; i < n; i++)
		sum += fabsf(a[i] - b[i]);
	return sum;
}

/*
 * The sequential kernel for kind; for cosine, the dot product, with the
 * squared norms stored in *na and *nb.
 */
static inline float
DistanceShortReduce(const float *a, const float *b, int n,
					DistanceReduceKind kind, int fused, float *na, float *nb)
{
	float		dot;

	switch (kind)
	{
		case ZVEC_REDUCE_L2SQ:
			return DistanceShortL2sq(a, b, n, fused);
		case ZVEC_REDUCE_IP:
			return DistanceShortIp(a, b, n, fused);
		case ZVEC_REDUCE_L1:
			return DistanceShortL1(a, b, n);
		case ZVEC_REDUCE_COSINE:
			break;
	}
	DistanceShortCosineSums(a, b, n, &dot, na, nb, fused);
	return dot;
}

/* Turn float4 sums into a cosine distance, computed in double. */
static inline double
DistanceCosineFinish(float dot, float na, float nb)
{
	double		sim;

	sim = (double) dot / sqrt((double) na * (double) nb);

	/* rounding can push |sim| slightly past 1; NaN fails both tests */
	if (sim > 1.0)
		sim = 1.0;
	else if (sim < -1.0)
		sim = -1.0;
	return 1.0 - sim;
}


/*
 * Portable kernels: eight independent lanes, which compilers can map onto
 * whatever vector unit the target has (NEON on ARM, SSE2 on x86-64).
 */

/* acc plus one term of an L2SQ, IP or L1 sum, unfused. */
static inline float
DistancePortableStep(DistanceReduceKind kind, float x, float y, float acc)
{
	float		d = x - y;

	if (kind == ZVEC_REDUCE_L2SQ)
		return acc + d * d;
	if (kind == ZVEC_REDUCE_IP)
		return acc + x * y;
	return acc + fabsf(d);
}

/*
 * Portable L2SQ, IP or L1 sum: eight lanes over blocks of eight, combined
 * pairwise, then the last n % 8 elements in order.  Inlined with a constant
 * kind, so the tests in DistancePortableStep() fold away.
 */
static inline float
DistancePortableReduce(const float *a, const float *b, int n,
					   DistanceReduceKind kind)
{
	float		acc[8];
	float		sum;
	int			i;
	int			j;

	if (n < ZVEC_DISTANCE_SHORT)
		return DistanceShortReduce(a, b, n, kind, 0, NULL, NULL);

	for (j = 0; j < 8; j++)
		acc[j] = 0.0f;
	for (i = 0; i + 8 <= n; i += 8)
	{
		for (j = 0; j < 8; j++)
			acc[j] = DistancePortableStep(kind, a[i + j], b[i + j], acc[j]);
	}
	sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
		((acc[2] + acc[6]) + (acc[3] + acc[7]));
	for (; i < n; i++)
		sum = DistancePortableStep(kind, a[i], b[i], sum);
	return sum;
}

/* Portable sum of squared differences. */
static float
DistancePortableL2sq(const float *a, const float *b, int n)
{
	return DistancePortableReduce(a, b, n, ZVEC_REDUCE_L2SQ);
}

/* Portable dot product. */
static float
DistancePortableIp(const float *a, const float *b, int n)
{
	return DistancePortableReduce(a, b, n, ZVEC_REDUCE_IP);
}

/* Portable cosine distance. */
static double
DistancePortableCosine(const float *a, const float *b, int n)
{
	float		accd[4];
	float		acca[4];
	float		accb[4];
	float		dot;
	float		na;
	float		nb;
	int			i;
	int			j;

	if (n < ZVEC_DISTANCE_SHORT)
	{
		DistanceShortCosineSums(a, b, n, &dot, &na, &nb, 0);
		return DistanceCosineFinish(dot, na, nb);
	}

	for (j = 0; j < 4; j++)
	{
		accd[j] = 0.0f;
		acca[j] = 0.0f;
		accb[j] = 0.0f;
	}
	for (i = 0; i + 4 <= n; i += 4)
	{
		for (j = 0; j < 4; j++)
		{
			float		x = a[i + j];
			float		y = b[i + j];

			accd[j] += x * y;
			acca[j] += x * x;
			accb[j] += y * y;
		}
	}
	dot = (accd[0] + accd[2]) + (accd[1] + accd[3]);
	na = (acca[0] + acca[2]) + (acca[1] + acca[3]);
	nb = (accb[0] + accb[2]) + (accb[1] + accb[3]);
	for (; i < n; i++)
	{
		dot += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}
	return DistanceCosineFinish(dot, na, nb);
}

/* Portable sum of absolute differences. */
static float
DistancePortableL1(const float *a, const float *b, int n)
{
	return DistancePortableReduce(a, b, n, ZVEC_REDUCE_L1);
}

/* Portable blocked dot products: one ip per pair of rows. */
static void
DistancePortableIpBlock(const float *a, int na, const float *b, int nb, int n,
						float *out)
{
	int			i;
	int			j;

	for (i = 0; i < na; i++)
	{
		for (j = 0; j < nb; j++)
			out[(size_t) i * nb + j] = DistancePortableIp(a + (size_t) i * n,
														  b + (size_t) j * n, n);
	}
}

static const DistanceKernels distance_portable = {
	"portable",
	DistancePortableL2sq,
	DistancePortableIp,
	DistancePortableCosine,
	DistancePortableL1,
	DistancePortableIpBlock
};


#ifdef ZVEC_DISTANCE_X86

/*
 * The AVX2 and AVX-512 sets are one template, distance_simd.h, included once
 * per set with macros that name the register type, its width and the
 * intrinsics.  Both use four (cosine: four times three) independent
 * accumulators to hide the FMA latency, a one-register loop for the rest,
 * and one masked load for the last elements.
 */

/* Load mask table: the window starting at 8 - r has r leading ones. */
static const int distance_avx2_mask[16] = {
	-1, -1, -1, -1, -1, -1, -1, -1,
	0, 0, 0, 0, 0, 0, 0, 0
};

/* Mask that enables the first r (1..7) lanes of an AVX2 register. */
__attribute__((target("avx2,fma"))) static inline __m256i
DistanceAvx2TailMask(int r)
{
	return _mm256_loadu_si256((const __m256i *) (distance_avx2_mask + 8 - r));
}

/* Horizontal sum of the eight lanes of an AVX2 register. */
__attribute__((target("avx2,fma"))) static inline float
DistanceAvx2Sum(__m256 v)
{
	__m128		lo = _mm256_castps256_ps128(v);
	__m128		hi = _mm256_extractf128_ps(v, 1);

	lo = _mm_add_ps(lo, hi);
	hi = _mm_movehl_ps(hi, lo);
	lo = _mm_add_ps(lo, hi);
	hi = _mm_shuffle_ps(lo, lo, 0x1);
	lo = _mm_add_ss(lo, hi);
	return _mm_cvtss_f32(lo);
}

/* AVX2+FMA: 8 floats per register, tail mask from a table. */
#define ZVEC_SIMD_TARGET __attribute__((target("avx2,fma")))
#define ZVEC_SIMD_NAME(fn) DistanceAvx2##fn
#define ZVEC_SIMD_SET "avx2"
#define ZVEC_SIMD_KERNELS distance_avx2
#define ZVEC_SIMD_WIDTH 8
#define ZVEC_SIMD_VEC __m256
#define ZVEC_SIMD_MASK __m256i
#define ZVEC_SIMD_ZERO() _mm256_setzero_ps()
#define ZVEC_SIMD_LOAD(p) _mm256_loadu_ps(p)
#define ZVEC_SIMD_TAIL_MASK(r) DistanceAvx2TailMask(r)
#define ZVEC_SIMD_LOAD_TAIL(p, m) _mm256_maskload_ps((p), (m))
#define ZVEC_SIMD_ADD(x, y) _mm256_add_ps((x), (y))
#define ZVEC_SIMD_SUB(x, y) _mm256_sub_ps((x), (y))
#define ZVEC_SIMD_FMA(x, y, acc) _mm256_fmadd_ps((x), (y), (acc))
#define ZVEC_SIMD_ABS(x) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), (x))
#define ZVEC_SIMD_SUM(v) DistanceAvx2Sum(v)
#define ZVEC_SIMD_TILE_ROWS 2	/* 8 accumulators of the 16 registers */
#include "type/distance_simd.h"

/* Mask that enables the first r (1..15) lanes of an AVX-512 register. */
__attribute__((target("avx512f"))) static inline __mmask16
DistanceAvx512TailMask(int r)
{
	return (__mmask16) ((1u << r) - 1u);
}

/*
 * AVX-512F: 16 floats per register; the masked load never touches the
 * masked-off memory.
 */
#define ZVEC_SIMD_TARGET __attribute__((target("avx512f")))
#define ZVEC_SIMD_NAME(fn) DistanceAvx512##fn
#define ZVEC_SIMD_SET "avx512"
#define ZVEC_SIMD_KERNELS distance_avx512
#define ZVEC_SIMD_WIDTH 16
#define ZVEC_SIMD_VEC __m512
#define ZVEC_SIMD_MASK __mmask16
#define ZVEC_SIMD_ZERO() _mm512_setzero_ps()
#define ZVEC_SIMD_LOAD(p) _mm512_loadu_ps(p)
#define ZVEC_SIMD_TAIL_MASK(r) DistanceAvx512TailMask(r)
#define ZVEC_SIMD_LOAD_TAIL(p, m) _mm512_maskz_loadu_ps((m), (p))
#define ZVEC_SIMD_ADD(x, y) _mm512_add_ps((x), (y))
#define ZVEC_SIMD_SUB(x, y) _mm512_sub_ps((x), (y))
#define ZVEC_SIMD_FMA(x, y, acc) _mm512_fmadd_ps((x), (y), (acc))
#define ZVEC_SIMD_ABS(x) _mm512_abs_ps(x)
#define ZVEC_SIMD_SUM(v) _mm512_reduce_add_ps(v)
#define ZVEC_SIMD_TILE_ROWS 6	/* 24 accumulators of the 32 registers */
#include "type/distance_simd.h"

#endif							/* ZVEC_DISTANCE_X86 */


/* Portable until DistanceChooseKernels() runs, so early callers are safe. */
const DistanceKernels *distance_kernels = &distance_portable;

/*
 * List the kernel sets this CPU can run, portable first and the fastest
 * last, into out[0 .. max-1]; returns how many were stored.
 */
int
DistanceSupportedKernels(const DistanceKernels **out, int max)
{
	const DistanceKernels *sets[ZVEC_DISTANCE_MAX_SETS];
	int			nsets = 0;
	int			i;

	sets[nsets++] = &distance_portable;
#ifdef ZVEC_DISTANCE_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		sets[nsets++] = &distance_avx2;
	if (__builtin_cpu_supports("avx512f"))
		sets[nsets++] = &distance_avx512;
#endif

	for (i = 0; i < nsets && i < max; i++)
		out[i] = sets[i];
	return i;
}

/*
 * Pick the kernels for this CPU: the fastest supported set, unless the
 * environment variable ZVEC_DISTANCE_KERNEL names another supported set
 * (an unknown or unsupported name is ignored).
 */
void
DistanceChooseKernels(void)
{
	const DistanceKernels *sets[ZVEC_DISTANCE_MAX_SETS];
	const char *want;
	int			nsets;
	int			i;

	nsets = DistanceSupportedKernels(sets, ZVEC_DISTANCE_MAX_SETS);
	distance_kernels = sets[nsets - 1];

	want = getenv(ZVEC_DISTANCE_ENV);
	if (want == NULL)
		return;
	for (i = 0; i < nsets; i++)
	{
		if (strcmp(sets[i]->name, want) == 0)
		{
			distance_kernels = sets[i];
			break;
		}
	}
}
