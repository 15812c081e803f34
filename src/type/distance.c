/*-------------------------------------------------------------------------
 *
 * distance.c
 *	  Distance kernels over float4 arrays: portable C, AVX2+FMA, AVX-512F.
 *
 * Every kernel accumulates in float4, as pgvector does.  The x86 kernels are
 * compiled with __attribute__((target(...))) rather than with -m flags for
 * the whole file, so one binary runs on any x86-64 and picks the best set
 * once, at load time (DistanceChooseKernels).  On other architectures only
 * the portable set is compiled.
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
#else
#define ZVEC_NOINLINE
#endif

/* Vectors shorter than this are summed sequentially by every kernel set. */
#define ZVEC_DISTANCE_SHORT 8

/* Environment variable that forces a kernel set (tests, benchmarks). */
#define ZVEC_DISTANCE_ENV "ZVEC_DISTANCE_KERNEL"

/* Most kernel sets one CPU can support. */
#define ZVEC_DISTANCE_MAX_SETS 3


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

/* Portable sum of squared differences. */
static float
DistancePortableL2sq(const float *a, const float *b, int n)
{
	float		acc[8];
	float		sum;
	int			i;
	int			j;

	if (n < ZVEC_DISTANCE_SHORT)
		return DistanceShortL2sq(a, b, n, 0);

	for (j = 0; j < 8; j++)
		acc[j] = 0.0f;
	for (i = 0; i + 8 <= n; i += 8)
	{
		for (j = 0; j < 8; j++)
		{
			float		d = a[i + j] - b[i + j];

			acc[j] += d * d;
		}
	}
	sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
		((acc[2] + acc[6]) + (acc[3] + acc[7]));
	for (; i < n; i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

/* Portable dot product. */
static float
DistancePortableIp(const float *a, const float *b, int n)
{
	float		acc[8];
	float		sum;
	int			i;
	int			j;

	if (n < ZVEC_DISTANCE_SHORT)
		return DistanceShortIp(a, b, n, 0);

	for (j = 0; j < 8; j++)
		acc[j] = 0.0f;
	for (i = 0; i + 8 <= n; i += 8)
	{
		for (j = 0; j < 8; j++)
			acc[j] += a[i + j] * b[i + j];
	}
	sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
		((acc[2] + acc[6]) + (acc[3] + acc[7]));
	for (; i < n; i++)
		sum += a[i] * b[i];
	return sum;
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
	float		acc[8];
	float		sum;
	int			i;
	int			j;

	if (n < ZVEC_DISTANCE_SHORT)
		return DistanceShortL1(a, b, n);

	for (j = 0; j < 8; j++)
		acc[j] = 0.0f;
	for (i = 0; i + 8 <= n; i += 8)
	{
		for (j = 0; j < 8; j++)
			acc[j] += fabsf(a[i + j] - b[i + j]);
	}
	sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
		((acc[2] + acc[6]) + (acc[3] + acc[7]));
	for (; i < n; i++)
		sum += fabsf(a[i] - b[i]);
	return sum;
}

static const DistanceKernels distance_portable = {
	"portable",
	DistancePortableL2sq,
	DistancePortableIp,
	DistancePortableCosine,
	DistancePortableL1
};


#ifdef ZVEC_DISTANCE_X86

#define ZVEC_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define ZVEC_TARGET_AVX512 __attribute__((target("avx512f")))

/*
 * AVX2+FMA kernels: 8 floats per register, four (cosine: four times three)
 * independent accumulators to hide the FMA latency, an 8-wide loop for the
 * rest, and one masked load for the last 1..7 elements.
 */

/* Load mask table: the window starting at 8 - r has r leading ones. */
static const int distance_avx2_mask[16] = {
	-1, -1, -1, -1, -1, -1, -1, -1,
	0, 0, 0, 0, 0, 0, 0, 0
};

/* Mask that enables the first r (1..7) lanes of an AVX2 register. */
ZVEC_TARGET_AVX2 static inline __m256i
DistanceAvx2TailMask(int r)
{
	return _mm256_loadu_si256((const __m256i *) (distance_avx2_mask + 8 - r));
}

/* Horizontal sum of the eight lanes of an AVX2 register. */
ZVEC_TARGET_AVX2 static inline float
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

/* AVX2 sum of squared differences. */
ZVEC_TARGET_AVX2 static float
DistanceAvx2L2sq(const float *a, const float *b, int n)
{
	__m256		s0;
	__m256		s1;
	__m256		s2;
	__m256		s3;
	__m256		d0;
	__m256		d1;
	__m256		d2;
	__m256		d3;
	int			i = 0;

	if (n < ZVEC_DISTANCE_SHORT)
		return DistanceShortL2sq(a, b, n, 1);

	s0 = s1 = s2 = s3 = _mm256_setzero_ps();
	for (; i + 32 <= n; i += 32)
	{
		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
		d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
		d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
		s2 = _mm256_fmadd_ps(d2, d2, s2);
		s3 = _mm256_fmadd_ps(d3, d3, s3);
	}
	for (; i + 8 <= n; i += 8)
	{
		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		s0 = _mm256_fmadd_ps(d0, d0, s0);
	}
	if (i < n)
	{
		__m256i		m = DistanceAvx2TailMask(n - i);

		d1 = _mm256_sub_ps(_mm256_maskload_ps(a + i, m),
						   _mm256_maskload_ps(b + i, m));
		s1 = _mm256_fmadd_ps(d1, d1, s1);
	}
	s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
	return DistanceAvx2Sum(s0);
}

/* AVX2 dot product. */
ZVEC_TARGET_AVX2 static float
DistanceAvx2Ip(const float *a, const float *b, int n)
{
	__m256		s0;
	__m256		s1;
	__m256		s2;
	__m256		s3;
	int			i = 0;

	if (n < ZVEC_DISTANCE_SHORT)
		return DistanceShortIp(a, b, n, 1);

	s0 = s1 = s2 = s3 = _mm256_setzero_ps();
	for (; i + 32 <= n; i += 32)
	{
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
		s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
		s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
	}
	for (; i + 8 <= n; i += 8)
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
	if (i < n)
	{
		__m256i		m = DistanceAvx2TailMask(n - i);

		s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m),
							 _mm256_maskload_ps(b + i, m), s1);
	}
	s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
	return DistanceAvx2Sum(s0);
}

/* One AVX2 step of cosine: accumulate x.y, x.x and y.y. */
ZVEC_TARGET_AVX2 static inline void
DistanceAvx2CosineStep(__m256 x, __m256 y, __m256 *dot, __m256 *na, __m256 *nb)
{
	*dot = _mm256_fmadd_ps(x, y, *dot);
	*na = _mm256_fmadd_ps(x, x, *na);
	*nb = _mm256_fmadd_ps(y, y, *nb);
}

/* AVX2 cosine distance. */
ZVEC_TARGET_AVX2 static double
DistanceAvx2Cosine(const float *a, const float *b, int n)
{
	__m256		d0,
				d1,
				d2,
				d3;
	__m256		na0,
				na1,
				na2,
				na3;
	__m256		nb0,
				nb1,
				nb2,
				nb3;
	float		dot;
	float		na;
	float		nb;
	int			i = 0;

	if (n < ZVEC_DISTANCE_SHORT)
	{
		DistanceShortCosineSums(a, b, n, &dot, &na, &nb, 1);
		return DistanceCosineFinish(dot, na, nb);
	}

	d0 = d1 = d2 = d3 = _mm256_setzero_ps();
	na0 = na1 = na2 = na3 = _mm256_setzero_ps();
	nb0 = nb1 = nb2 = nb3 = _mm256_setzero_ps();
	for (; i + 32 <= n; i += 32)
	{
		DistanceAvx2CosineStep(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i),
							   &d0, &na0, &nb0);
		DistanceAvx2CosineStep(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8),
							   &d1, &na1, &nb1);
		DistanceAvx2CosineStep(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16),
							   &d2, &na2, &nb2);
		DistanceAvx2CosineStep(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24),
							   &d3, &na3, &nb3);
	}
	for (; i + 8 <= n; i += 8)
		DistanceAvx2CosineStep(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i),
							   &d0, &na0, &nb0);
	if (i < n)
	{
		__m256i		m = DistanceAvx2TailMask(n - i);

		DistanceAvx2CosineStep(_mm256_maskload_ps(a + i, m),
							   _mm256_maskload_ps(b + i, m),
							   &d1, &na1, &nb1);
	}
	dot = DistanceAvx2Sum(_mm256_add_ps(_mm256_add_ps(d0, d1),
										_mm256_add_ps(d2, d3)));
	na = DistanceAvx2Sum(_mm256_add_ps(_mm256_add_ps(na0, na1),
									   _mm256_add_ps(na2, na3)));
	nb = DistanceAvx2Sum(_mm256_add_ps(_mm256_add_ps(nb0, nb1),
									   _mm256_add_ps(nb2, nb3)));
	return DistanceCosineFinish(dot, na, nb);
}

/* AVX2 sum of absolute differences. */
ZVEC_TARGET_AVX2 static float
DistanceAvx2L1(const float *a, const float *b, int n)
{
	__m256		sign = _mm256_set1_ps(-0.0f);
	__m256		s0;
	__m256		s1;
	__m256		s2;
	__m256		s3;
	__m256		d;
	int			i = 0;

	if (n < ZVEC_DISTANCE_SHORT)
		return DistanceShortL1(a, b, n);

	s0 = s1 = s2 = s3 = _mm256_setzero_ps();
	for (; i + 32 <= n; i += 32)
	{
		d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		s0 = _mm256_add_ps(s0, _mm256_andnot_ps(sign, d));
		d = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
		s1 = _mm256_add_ps(s1, _mm256_andnot_ps(sign, d));
		d = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
		s2 = _mm256_add_ps(s2, _mm256_andnot_ps(sign, d));
		d = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
		s3 = _mm256_add_ps(s3, _mm256_andnot_ps(sign, d));
	}
	for (; i + 8 <= n; i += 8)
	{
		d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		s0 = _mm256_add_ps(s0, _mm256_andnot_ps(sign, d));
	}
	if (i < n)
	{
		__m256i		m = DistanceAvx2TailMask(n - i);

		d = _mm256_sub_ps(_mm256_maskload_ps(a + i, m),
						  _mm256_maskload_ps(b + i, m));
		s1 = _mm256_add_ps(s1, _mm256_andnot_ps(sign, d));
	}
	s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
	return DistanceAvx2Sum(s0);
}

static const DistanceKernels distance_avx2 = {
	"avx2",
	DistanceAvx2L2sq,
	DistanceAvx2Ip,
	DistanceAvx2Cosine,
	DistanceAvx2L1
};


/*
 * AVX-512F kernels: 16 floats per register, four (cosine: four times three)
 * independent accumulators, a 16-wide loop for the rest, and a masked load,
 * which never touches the masked-off memory, for the last 1..15 elements.
 */

/* Mask that enables the first r (1..15) lanes of an AVX-512 register. */
ZVEC_TARGET_AVX512 static inline __mmask16
DistanceAvx512TailMask(int r)
{
	return (__mmask16) ((1u << r) - 1u);
}

/* AVX-512 sum of squared differences. */
ZVEC_TARGET_AVX512 static float
DistanceAvx512L2sq(const float *a, const float *b, int n)
{
	__m512		s0;
	__m512		s1;
	__m512		s2;
	__m512		s3;
	__m512		d0;
	__m512		d1;
	__m512		d2;
	__m512		d3;
	int			i = 0;

	if (n < ZVEC_DISTANCE_SHORT)
		return DistanceShortL2sq(a, b, n, 1);

	s0 = s1 = s2 = s3 = _mm512_setzero_ps();
	for (; i + 64 <= n; i += 64)
	{
		d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
		d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
		d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
		d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
		s0 = _mm512_fmadd_ps(d0, d0, s0);
		s1 = _mm512_fmadd_ps(d1, d1, s1);
		s2 = _mm512_fmadd_ps(d2, d2, s2);
		s3 = _mm512_fmadd_ps(d3, d3, s3);
	}
	for (; i + 16 <= n; i += 16)
	{
		d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
		s0 = _mm512_fmadd_ps(d0, d0, s0);
	}
	if (i < n)
	{
		__mmask16	m = DistanceAvx512TailMask(n - i);

		d1 = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i),
						   _mm512_maskz_loadu_ps(m, b + i));
		s1 = _mm512_fmadd_ps(d1, d1, s1);
	}
	s0 = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
	return _mm512_reduce_add_ps(s0);
}

/* AVX-512 dot product. */
ZVEC_TARGET_AVX512 static float
DistanceAvx512Ip(const float *a, const float *b, int n)
{
	__m512		s0;
	__m512		s1;
	__m512		s2;
	__m512		s3;
	int			i = 0;

	if (n < ZVEC_DISTANCE_SHORT)
		return DistanceShortIp(a, b, n, 1);

	s0 = s1 = s2 = s3 = _mm512_setzero_ps();
	for (; i + 64 <= n; i += 64)
	{
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
		s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
		s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
		s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
	}
	for (; i + 16 <= n; i += 16)
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
	if (i < n)
	{
		__mmask16	m = DistanceAvx512TailMask(n - i);

		s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i),
							 _mm512_maskz_loadu_ps(m, b + i), s1);
	}
	s0 = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
	return _mm512_reduce_add_ps(s0);
}

/* One AVX-512 step of cosine: accumulate x.y, x.x and y.y. */
ZVEC_TARGET_AVX512 static inline void
DistanceAvx512CosineStep(__m512 x, __m512 y, __m512 *dot, __m512 *na, __m512 *nb)
{
	*dot = _mm512_fmadd_ps(x, y, *dot);
	*na = _mm512_fmadd_ps(x, x, *na);
	*nb = _mm512_fmadd_ps(y, y, *nb);
}

/* AVX-512 cosine distance. */
ZVEC_TARGET_AVX512 static double
DistanceAvx512Cosine(const float *a, const float *b, int n)
{
	__m512		d0,
				d1,
				d2,
				d3;
	__m512		na0,
				na1,
				na2,
				na3;
	__m512		nb0,
				nb1,
				nb2,
				nb3;
	float		dot;
	float		na;
	float		nb;
	int			i = 0;

	if (n < ZVEC_DISTANCE_SHORT)
	{
		DistanceShortCosineSums(a, b, n, &dot, &na, &nb, 1);
		return DistanceCosineFinish(dot, na, nb);
	}

	d0 = d1 = d2 = d3 = _mm512_setzero_ps();
	na0 = na1 = na2 = na3 = _mm512_setzero_ps();
	nb0 = nb1 = nb2 = nb3 = _mm512_setzero_ps();
	for (; i + 64 <= n; i += 64)
	{
		DistanceAvx512CosineStep(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i),
								 &d0, &na0, &nb0);
		DistanceAvx512CosineStep(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16),
								 &d1, &na1, &nb1);
		DistanceAvx512CosineStep(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32),
								 &d2, &na2, &nb2);
		DistanceAvx512CosineStep(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48),
								 &d3, &na3, &nb3);
	}
	for (; i + 16 <= n; i += 16)
		DistanceAvx512CosineStep(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i),
								 &d0, &na0, &nb0);
	if (i < n)
	{
		__mmask16	m = DistanceAvx512TailMask(n - i);

		DistanceAvx512CosineStep(_mm512_maskz_loadu_ps(m, a + i),
								 _mm512_maskz_loadu_ps(m, b + i),
								 &d1, &na1, &nb1);
	}
	dot = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(d0, d1),
											 _mm512_add_ps(d2, d3)));
	na = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(na0, na1),
											_mm512_add_ps(na2, na3)));
	nb = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(nb0, nb1),
											_mm512_add_ps(nb2, nb3)));
	return DistanceCosineFinish(dot, na, nb);
}

/* AVX-512 sum of absolute differences. */
ZVEC_TARGET_AVX512 static float
DistanceAvx512L1(const float *a, const float *b, int n)
{
	__m512		s0;
	__m512		s1;
	__m512		s2;
	__m512		s3;
	__m512		d;
	int			i = 0;

	if (n < ZVEC_DISTANCE_SHORT)
		return DistanceShortL1(a, b, n);

	s0 = s1 = s2 = s3 = _mm512_setzero_ps();
	for (; i + 64 <= n; i += 64)
	{
		d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
		s0 = _mm512_add_ps(s0, _mm512_abs_ps(d));
		d = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
		s1 = _mm512_add_ps(s1, _mm512_abs_ps(d));
		d = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
		s2 = _mm512_add_ps(s2, _mm512_abs_ps(d));
		d = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
		s3 = _mm512_add_ps(s3, _mm512_abs_ps(d));
	}
	for (; i + 16 <= n; i += 16)
	{
		d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
		s0 = _mm512_add_ps(s0, _mm512_abs_ps(d));
	}
	if (i < n)
	{
		__mmask16	m = DistanceAvx512TailMask(n - i);

		d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i),
						  _mm512_maskz_loadu_ps(m, b + i));
		s1 = _mm512_add_ps(s1, _mm512_abs_ps(d));
	}
	s0 = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
	return _mm512_reduce_add_ps(s0);
}

static const DistanceKernels distance_avx512 = {
	"avx512",
	DistanceAvx512L2sq,
	DistanceAvx512Ip,
	DistanceAvx512Cosine,
	DistanceAvx512L1
};

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
