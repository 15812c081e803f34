/*-------------------------------------------------------------------------
 *
 * kernel_test.c
 *	  Accuracy test of every distance kernel set this CPU runs, in TAP.
 *
 * For each supported kernel set (portable, avx2, avx512), each function
 * (l2sq, ip, cosine, l1) and each value family below, the kernel is run on
 * every dimension n = 1..300 and n = 16000 and compared with a reference
 * computed in double in this file.  One TAP line covers one kernel set x
 * function x family; a failure prints the worst case as a diagnostic.
 *
 * Tolerance.  With u = 2^-24 and gamma(k) = k u / (1 - k u), float4
 * summation of n terms, in any order or tree shape of depth <= n + 2 (the
 * SIMD kernels are far shallower), obeys the classical bound
 *		|kernel - ref| <= gamma(n + 4) * S + (n + 4) * 2^-149
 * where S is the sum of the absolute terms (computed in double):
 * (a_i - b_i)^2 for l2sq, |a_i b_i| for ip, |a_i - b_i| for l1.  The +4
 * covers the rounding of a_i - b_i and of the products and the (far
 * smaller, < n 2^-53 S) error of the double reference; the 2^-149 term
 * covers products that fall into the subnormal range, where rounding is
 * absolute (at most 2^-150 each) rather than relative.
 * For cosine, |dot error| <= gamma(n) sqrt(|a|^2 |b|^2) (Cauchy-Schwarz) and
 * each norm is off by a factor within 1 +- gamma(n), so the distance obeys
 * the absolute bound
 *		|kernel - ref| <= 3 * gamma(n + 4)
 * as long as no square underflows; the subnormal family therefore skips
 * cosine, and zero vectors are tested separately (they must give NaN).
 *
 * ip_block, the blocked dot products, is checked product by product
 * against the same double reference and ip's tolerance, for blocks of 1..13
 * by 1..13 rows (full tiles, partial tiles and leftovers of every set) and
 * dimensions from 1 to 1000, and must write nothing past its results.
 *
 * Further checks: for n < 8 every set is bit-identical to a sequential
 * loop in index order, as pgvector sums (plain multiply-add for the portable
 * set; fmaf() for the FMA-capable AVX2 and AVX-512 sets, as pgvector's "fma"
 * function clones do); cosine stays within [0, 2]
 * for parallel and antiparallel vectors; a deliberately wrong kernel
 * (dropping the last element) breaks the tolerance somewhere, which shows
 * the tolerance is tight enough to catch a lost tail element; and the
 * ZVEC_DISTANCE_KERNEL override picks exactly the named supported set.
 *
 * Data: a splitmix64 generator seeded with 0x7A76656300000000 +
 * 65536 * family + n for each family and dimension, so every kernel set sees
 * the same vectors and every run the same numbers.  The vectors start at
 * varying offsets from the allocation, so loads are misaligned in
 * different ways.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * test/kernels/kernel_test.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "type/distance.h"

#define ZVEC_TEST_MAX_SETS 8
#define ZVEC_TEST_BIG_DIM 16000
#define ZVEC_TEST_SMALL_DIMS 300
#define ZVEC_TEST_SEED UINT64_C(0x7A76656300000000)

/* The four functions of a kernel set. */
enum
{
	FN_L2SQ,
	FN_IP,
	FN_COSINE,
	FN_L1,
	NFUNCS
};

static const char *const func_names[NFUNCS] = {"l2sq", "ip", "cosine", "l1"};

/* Value families. */
enum
{
	FAM_UNIFORM,				/* uniform in [-1, 1) */
	FAM_GAUSSIAN,				/* Irwin-Hall: sum of 12 uniforms minus 6 */
	FAM_LARGE,					/* +-[2^50, 2^54), about 1e15..2e16 */
	FAM_TINY,					/* +-[2^-62, 2^-58), about 2e-19..3e-18 */
	FAM_SUBNORMAL,				/* +-[2^-75, 2^-71): products are subnormal */
	FAM_CANCEL,					/* b = +-a (1 + 2^-20 v), |a| in 2^-10..2^11 */
	FAM_LASTDIFF,				/* a == b except the last element */
	FAM_TAILDIFF,				/* a == b up to the last full 8/16/32/64 block */
	NFAMS
};

static const char *const fam_names[NFAMS] = {
	"uniform", "gaussian", "large", "tiny", "subnormal", "cancel",
	"lastdiff", "taildiff"
};

/* Worst case of one kernel set x function x family over all dimensions. */
typedef struct TestStat
{
	int			failures;		/* dimensions that broke the tolerance */
	int			worst_n;		/* dimension with the largest err/tolerance */
	double		worst_ratio;	/* largest err/tolerance */
	double		worst_got;		/* kernel result there */
	double		worst_ref;		/* reference there */
	double		worst_tol;		/* tolerance there */
	double		worst_rel;		/* largest err/S (cosine: err) */
	int			worst_rel_n;	/* dimension of worst_rel */
} TestStat;

/* Bit-identity of a SIMD set against portable for n < 8. */
typedef struct IdentStat
{
	int			failures;
	int			fam;
	int			n;
	double		got;
	double		want;
} IdentStat;

static int	test_number = 0;
static int	test_failures = 0;
static uint64_t rng_state;

static const DistanceKernels *sets[ZVEC_TEST_MAX_SETS];
static int	nsets;

/* stats[k][f][fam]; index nsets is the deliberately wrong "drop last" kernel */
static TestStat stats[ZVEC_TEST_MAX_SETS + 1][NFUNCS][NFAMS];
static IdentStat ident[ZVEC_TEST_MAX_SETS][NFUNCS];

/* Print one TAP result line. */
static void
TestReport(int ok, const char *name)
{
	test_number++;
	if (!ok)
		test_failures++;
	printf("%sok %d - %s\n", ok ? "" : "not ", test_number, name);
}

/* Next 64 random bits (splitmix64). */
static uint64_t
RandNext(void)
{
	uint64_t	z;

	rng_state += UINT64_C(0x9E3779B97F4A7C15);
	z = rng_state;
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Random double in [0, 1) with 24 significant bits. */
static double
RandUnit(void)
{
	return (double) (RandNext() >> 40) * (1.0 / 16777216.0);
}

/* Random float in [-1, 1), exactly representable. */
static float
RandUniform(void)
{
	return (float) (2.0 * RandUnit() - 1.0);
}

/* Random sign times a float in [2^lo, 2^(lo + span)). */
static float
RandMagnitude(int lo, int span)
{
	double		m = ldexp(1.0 + RandUnit(), lo + (int) (RandNext() % (uint64_t) span));

	return (float) ((RandNext() & 1) ? -m : m);
}

/* Fill a and b with n values of one family; the seed depends on both. */
static void
TestFill(int fam, int n, float *a, float *b)
{
	int			i;
	int			block;
	int			start;

	rng_state = ZVEC_TEST_SEED + UINT64_C(65536) * (uint64_t) fam + (uint64_t) n;
	for (i = 0; i < n; i++)
	{
		switch (fam)
		{
			case FAM_UNIFORM:
				a[i] = RandUniform();
				b[i] = RandUniform();
				break;
			case FAM_GAUSSIAN:
				{
					double		x = -6.0;
					double		y = -6.0;
					int			j;

					for (j = 0; j < 12; j++)
					{
						x += RandUnit();
						y += RandUnit();
					}
					a[i] = (float) x;
					b[i] = (float) y;
				}
				break;
			case FAM_LARGE:
				a[i] = RandMagnitude(50, 4);
				b[i] = RandMagnitude(50, 4);
				break;
			case FAM_TINY:
				a[i] = RandMagnitude(-62, 4);
				b[i] = RandMagnitude(-62, 4);
				break;
			case FAM_SUBNORMAL:
				a[i] = RandMagnitude(-75, 4);
				b[i] = RandMagnitude(-75, 4);
				break;
			case FAM_CANCEL:
				{
					double		v = (double) RandUniform() * ldexp(1.0, -20);

					a[i] = RandMagnitude(-10, 21);
					b[i] = (float) ((double) a[i] * (1.0 + v));
					if (RandNext() & 1)
						b[i] = -b[i];
				}
				break;
			case FAM_LASTDIFF:
			case FAM_TAILDIFF:
				a[i] = RandUniform();
				b[i] = a[i];
				break;
		}
	}

	if (fam == FAM_LASTDIFF)
		b[n - 1] = RandUniform();
	else if (fam == FAM_TAILDIFF)
	{
		block = 8 << (n % 4);
		start = ((n - 1) / block) * block;
		for (i = start; i < n; i++)
			b[i] = RandUniform();
	}
}

/* gamma(k) = k u / (1 - k u) with u = 2^-24. */
static double
TestGamma(int k)
{
	double		ku = (double) k * ldexp(1.0, -24);

	return ku / (1.0 - ku);
}

/* Double-precision references and sums of absolute terms. */
static void
TestReference(const float *a, const float *b, int n, double ref[NFUNCS],
			  double absum[NFUNCS])
{
	double		l2 = 0.0;
	double		dot = 0.0;
	double		dotabs = 0.0;
	double		l1 = 0.0;
	double		na = 0.0;
	double		nb = 0.0;
	double		sim;
	int			i;

	for (i = 0; i < n; i++)
	{
		double		x = a[i];
		double		y = b[i];
		double		d = x - y;

		l2 += d * d;
		dot += x * y;
		dotabs += fabs(x * y);
		l1 += fabs(d);
		na += x * x;
		nb += y * y;
	}
	sim = dot / sqrt(na * nb);
	if (sim > 1.0)
		sim = 1.0;
	else if (sim < -1.0)
		sim = -1.0;

	ref[FN_L2SQ] = l2;
	absum[FN_L2SQ] = l2;
	ref[FN_IP] = dot;
	absum[FN_IP] = dotabs;
	ref[FN_COSINE] = 1.0 - sim;
	absum[FN_COSINE] = 1.0;
	ref[FN_L1] = l1;
	absum[FN_L1] = l1;
}

/* Run function f of kernel set k. */
static double
TestRun(const DistanceKernels *k, int f, const float *a, const float *b, int n)
{
	switch (f)
	{
		case FN_L2SQ:
			return k->l2sq(a, b, n);
		case FN_IP:
			return k->ip(a, b, n);
		case FN_COSINE:
			return k->cosine(a, b, n);
		default:
			return k->l1(a, b, n);
	}
}

/*
 * Function f summed sequentially in index order in float4, the way pgvector
 * sums: with fmaf() when fused (pgvector's "fma" clones), else with a
 * separate multiply and add.
 */
static double
TestSequential(int f, const float *a, const float *b, int n, int fused)
{
	float		s1 = 0.0f;
	float		s2 = 0.0f;
	float		s3 = 0.0f;
	int			i;

	for (i = 0; i < n; i++)
	{
		float		d = a[i] - b[i];

		switch (f)
		{
			case FN_L2SQ:
				s1 = fused ? fmaf(d, d, s1) : s1 + d * d;
				break;
			case FN_IP:
				s1 = fused ? fmaf(a[i], b[i], s1) : s1 + a[i] * b[i];
				break;
			case FN_COSINE:
				s1 = fused ? fmaf(a[i], b[i], s1) : s1 + a[i] * b[i];
				s2 = fused ? fmaf(a[i], a[i], s2) : s2 + a[i] * a[i];
				s3 = fused ? fmaf(b[i], b[i], s3) : s3 + b[i] * b[i];
				break;
			default:
				s1 += fabsf(d);
				break;
		}
	}
	if (f == FN_COSINE)
	{
		double		sim = (double) s1 / sqrt((double) s2 * (double) s3);

		return 1.0 - (sim > 1.0 ? 1.0 : (sim < -1.0 ? -1.0 : sim));
	}
	return s1;
}

/* Whether family fam is checked against function f's tolerance. */
static int
TestApplies(int f, int fam)
{
	return !(f == FN_COSINE && fam == FAM_SUBNORMAL);
}

/* Compare one result with the reference; record it in st. */
static void
TestCheck(TestStat *st, int f, int n, double got, double ref, double absum)
{
	double		tol;
	double		err = fabs(got - ref);
	double		ratio;
	double		rel;

	if (f == FN_COSINE)
		tol = 3.0 * TestGamma(n + 4);
	else
		tol = TestGamma(n + 4) * absum + (double) (n + 4) * ldexp(1.0, -149);

	/* NaN must count as a failure, hence the negated comparisons */
	if (!(err <= tol))
	{
		st->failures++;
		ratio = isnan(err) ? INFINITY : err / tol;
	}
	else
		ratio = err / tol;
	if (ratio > st->worst_ratio || st->worst_n == 0)
	{
		st->worst_ratio = ratio;
		st->worst_n = n;
		st->worst_got = got;
		st->worst_ref = ref;
		st->worst_tol = tol;
	}
	rel = (f == FN_COSINE) ? err : (absum > 0.0 ? err / absum : err);
	if (rel > st->worst_rel || st->worst_rel_n == 0)
	{
		st->worst_rel = rel;
		st->worst_rel_n = n;
	}
}

/* Whether two results are the same bits (both float4 or both double). */
static int
TestSameBits(int f, double x, double y)
{
	if (f == FN_COSINE)
		return memcmp(&x, &y, sizeof(double)) == 0;
	else
	{
		float		fx = (float) x;
		float		fy = (float) y;

		return memcmp(&fx, &fy, sizeof(float)) == 0;
	}
}

/* Run every kernel set, and the wrong one, on one family and dimension. */
static void
TestOne(int fam, int n, float *abuf, float *bbuf)
{
	float	   *a = abuf + (n % 4);
	float	   *b = bbuf + ((n / 4) % 4);
	double		ref[NFUNCS];
	double		absum[NFUNCS];
	double		want;
	int			k;
	int			f;

	TestFill(fam, n, a, b);
	TestReference(a, b, n, ref, absum);

	for (k = 0; k < nsets; k++)
	{
		for (f = 0; f < NFUNCS; f++)
		{
			double		got = TestRun(sets[k], f, a, b, n);

			if (TestApplies(f, fam))
				TestCheck(&stats[k][f][fam], f, n, got, ref[f], absum[f]);

			want = TestSequential(f, a, b, n, k > 0);
			if (n < 8 && !TestSameBits(f, got, want))
			{
				IdentStat  *id = &ident[k][f];

				if (id->failures++ == 0)
				{
					id->fam = fam;
					id->n = n;
					id->got = got;
					id->want = want;
				}
			}
		}
	}

	/* the harness self-check: the portable kernel without the last element */
	for (f = 0; f < NFUNCS; f++)
	{
		if (TestApplies(f, fam))
			TestCheck(&stats[nsets][f][fam], f, n,
					  TestRun(sets[0], f, a, b, n - 1), ref[f], absum[f]);
	}
}

/* Print the tolerance name of function f. */
static const char *
TestTolName(int f)
{
	return (f == FN_COSINE) ? "|err| <= 3*gamma(n+4)" :
		"|err| <= gamma(n+4)*S + (n+4)*2^-149";
}

/* Report the accuracy lines of kernel set k. */
static void
TestReportAccuracy(int k)
{
	char		name[256];
	int			f;
	int			fam;

	for (f = 0; f < NFUNCS; f++)
	{
		for (fam = 0; fam < NFAMS; fam++)
		{
			TestStat   *st = &stats[k][f][fam];

			if (!TestApplies(f, fam))
				continue;
			snprintf(name, sizeof(name), "%s %s %s: %s for n=1..%d,%d",
					 sets[k]->name, func_names[f], fam_names[fam],
					 TestTolName(f), ZVEC_TEST_SMALL_DIMS, ZVEC_TEST_BIG_DIM);
			TestReport(st->failures == 0, name);
			if (st->failures > 0)
				printf("#   %d dimension(s) failed; worst n=%d: kernel=%.9g reference=%.17g |err|=%.3g tolerance=%.3g\n",
					   st->failures, st->worst_n, st->worst_got,
					   st->worst_ref, fabs(st->worst_got - st->worst_ref),
					   st->worst_tol);
		}
	}
}

/* Report bit-identity of SIMD set k with portable for n < 8. */
static void
TestReportIdentity(int k)
{
	char		name[256];
	int			f;

	for (f = 0; f < NFUNCS; f++)
	{
		IdentStat  *id = &ident[k][f];

		snprintf(name, sizeof(name),
				 "%s %s: bit-identical to a sequential %s loop for n=1..7, all families",
				 sets[k]->name, func_names[f], k > 0 ? "fmaf" : "multiply-add");
		TestReport(id->failures == 0, name);
		if (id->failures > 0)
			printf("#   %d case(s) differ; first: %s n=%d: %s=%.17g sequential=%.17g\n",
				   id->failures, fam_names[id->fam], id->n, sets[k]->name,
				   id->got, id->want);
	}
}

/* Zero vectors give NaN from cosine; (anti)parallel ones stay in [0, 2]. */
static void
TestCosineEdges(int k, float *abuf, float *bbuf)
{
	static const int dims[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 100, 300};
	const DistanceKernels *ks = sets[k];
	char		name[256];
	int			zero_ok = 1;
	int			range_ok = 1;
	int			i;
	int			d;

	for (d = 0; d < (int) (sizeof(dims) / sizeof(dims[0])); d++)
	{
		int			n = dims[d];
		int			fam;
		double		r1;
		double		r2;
		double		r3;

		for (i = 0; i < n; i++)
		{
			abuf[i] = 0.0f;
			bbuf[i] = RandUniform();
		}
		r1 = ks->cosine(abuf, bbuf, n);
		r2 = ks->cosine(bbuf, abuf, n);
		r3 = ks->cosine(abuf, abuf, n);
		if (!isnan(r1) || !isnan(r2) || !isnan(r3))
		{
			if (zero_ok)
				printf("#   n=%d: zero vector gave %.17g, %.17g, %.17g\n",
					   n, r1, r2, r3);
			zero_ok = 0;
		}

		for (fam = 0; fam < NFAMS; fam++)
		{
			if (fam == FAM_SUBNORMAL)
				continue;
			TestFill(fam, n, abuf, bbuf);
			for (i = 0; i < n; i++)
				bbuf[i] = abuf[i] * 1.1f;
			r1 = ks->cosine(abuf, abuf, n);
			r2 = ks->cosine(abuf, bbuf, n);
			for (i = 0; i < n; i++)
				bbuf[i] = -bbuf[i];
			r3 = ks->cosine(abuf, bbuf, n);
			if (!(r1 >= 0.0 && r1 <= 2.0 && r2 >= 0.0 && r2 <= 2.0 &&
				  r3 >= 0.0 && r3 <= 2.0))
			{
				if (range_ok)
					printf("#   %s n=%d: a,a %.17g; a,1.1a %.17g; a,-1.1a %.17g\n",
						   fam_names[fam], n, r1, r2, r3);
				range_ok = 0;
			}
		}
	}

	snprintf(name, sizeof(name), "%s cosine: a zero vector gives NaN",
			 ks->name);
	TestReport(zero_ok, name);
	snprintf(name, sizeof(name),
			 "%s cosine: parallel and antiparallel vectors stay within [0, 2]",
			 ks->name);
	TestReport(range_ok, name);
}

/* The harness self-check: dropping the last element must be caught. */
static void
TestReportGuard(void)
{
	char		name[256];
	int			f;
	int			fam;

	for (f = 0; f < NFUNCS; f++)
	{
		int			caught = 0;

		for (fam = 0; fam < NFAMS; fam++)
		{
			if (TestApplies(f, fam))
				caught += stats[nsets][f][fam].failures;
		}
		snprintf(name, sizeof(name),
				 "guard: %s without its last element breaks %s (harness self-check)",
				 func_names[f], TestTolName(f));
		TestReport(caught > 0, name);
		printf("#   caught in %d of the family x dimension cases\n", caught);
	}
}

/* ZVEC_DISTANCE_KERNEL forces a supported set; anything else is ignored. */
static void
TestReportChoice(void)
{
	char		name[256];
	int			k;

	TestReport(nsets >= 1 && strcmp(sets[0]->name, "portable") == 0,
			   "supported kernel sets start with portable");

	for (k = 0; k < nsets; k++)
	{
		setenv("ZVEC_DISTANCE_KERNEL", sets[k]->name, 1);
		DistanceChooseKernels();
		snprintf(name, sizeof(name),
				 "ZVEC_DISTANCE_KERNEL=%s selects %s", sets[k]->name,
				 sets[k]->name);
		TestReport(distance_kernels == sets[k], name);
	}

	setenv("ZVEC_DISTANCE_KERNEL", "no-such-kernel", 1);
	DistanceChooseKernels();
	TestReport(distance_kernels == sets[nsets - 1],
			   "an unknown ZVEC_DISTANCE_KERNEL is ignored (fastest set chosen)");

	unsetenv("ZVEC_DISTANCE_KERNEL");
	DistanceChooseKernels();
	snprintf(name, sizeof(name),
			 "without ZVEC_DISTANCE_KERNEL the fastest set (%s) is chosen",
			 sets[nsets - 1]->name);
	TestReport(distance_kernels == sets[nsets - 1], name);
}

/* Print the worst observed errors of each set and function. */
static void
TestSummary(void)
{
	int			k;
	int			f;
	int			fam;

	printf("# worst observed errors, subnormal family apart (l2sq/ip/l1: |err|/S;\n"
		   "# cosine: |err| of the distance), and the largest |err|/tolerance\n");
	for (k = 0; k < nsets; k++)
	{
		for (f = 0; f < NFUNCS; f++)
		{
			double		rel = 0.0;
			double		ratio = 0.0;
			int			relfam = 0;
			int			ratiofam = 0;

			for (fam = 0; fam < NFAMS; fam++)
			{
				TestStat   *st = &stats[k][f][fam];

				if (!TestApplies(f, fam))
					continue;
				if (fam != FAM_SUBNORMAL && st->worst_rel > rel)
				{
					rel = st->worst_rel;
					relfam = fam;
				}
				if (st->worst_ratio > ratio)
				{
					ratio = st->worst_ratio;
					ratiofam = fam;
				}
			}
			printf("#   %-8s %-6s %.3g (%s n=%d); |err|/tolerance %.3g (%s n=%d)\n",
				   sets[k]->name, func_names[f],
				   rel, fam_names[relfam], stats[k][f][relfam].worst_rel_n,
				   ratio, fam_names[ratiofam], stats[k][f][ratiofam].worst_n);
		}
	}
}

/* Shapes and dimensions TestIpBlock() tries. */
#define ZVEC_TEST_BLOCK_MAX_ROWS 13
static const int block_dims[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 47, 64,
100, 128, 300, 768, 1000};

#define ZVEC_TEST_BLOCK_NDIMS ((int) (sizeof(block_dims) / sizeof(block_dims[0])))

/* The value families TestIpBlock() fills rows from. */
static const int block_fams[] = {FAM_UNIFORM, FAM_LARGE, FAM_TINY};

#define ZVEC_TEST_BLOCK_NFAMS ((int) (sizeof(block_fams) / sizeof(block_fams[0])))

/* Fill count rows of n floats, one after another, from family fam. */
static void
TestFillRows(int fam, int count, int n, float *x)
{
	int			i;

	for (i = 0; i < count * n; i++)
	{
		if (fam == FAM_LARGE)
			x[i] = RandMagnitude(50, 4);
		else if (fam == FAM_TINY)
			x[i] = RandMagnitude(-62, 4);
		else
			x[i] = RandUniform();
	}
}

/*
 * ip_block of kernel set k against the double reference, with ip's
 * tolerance per product, for every na, nb in 1..13 (full tiles, partial
 * tiles and leftovers of every set), the dimensions in block_dims and three
 * value families; out's entries past na * nb must stay untouched.
 */
static void
TestIpBlock(int k)
{
	const DistanceKernels *ks = sets[k];
	int			maxn = block_dims[ZVEC_TEST_BLOCK_NDIMS - 1];
	int			rows = ZVEC_TEST_BLOCK_MAX_ROWS;
	float	   *abuf = malloc(((size_t) rows * maxn + 4) * sizeof(float));
	float	   *bbuf = malloc(((size_t) rows * maxn + 4) * sizeof(float));
	float	   *out = malloc(((size_t) rows * rows + 1) * sizeof(float));
	TestStat	st;
	int			overrun = 0;
	int			cases = 0;
	int			d;
	int			fi;
	char		name[256];

	if (abuf == NULL || bbuf == NULL || out == NULL)
	{
		printf("Bail out! out of memory\n");
		exit(1);
	}
	memset(&st, 0, sizeof(st));
	for (fi = 0; fi < ZVEC_TEST_BLOCK_NFAMS; fi++)
	{
		for (d = 0; d < ZVEC_TEST_BLOCK_NDIMS; d++)
		{
			int			n = block_dims[d];
			int			na;
			int			nb;

			for (na = 1; na <= rows; na++)
			{
				for (nb = 1; nb <= rows; nb++)
				{
					/* misaligned rows, as the vectors of a page are */
					float	   *a = abuf + (na + nb) % 4;
					float	   *b = bbuf + (na * nb) % 4;
					int			i;
					int			j;

					rng_state = ZVEC_TEST_SEED + UINT64_C(0x10000000) * (uint64_t) (fi + 1) +
						(uint64_t) (n * 100 + na * 10 + nb);
					TestFillRows(block_fams[fi], na, n, a);
					TestFillRows(block_fams[fi], nb, n, b);
					for (i = 0; i <= na * nb; i++)
						out[i] = -1.0f;
					ks->ip_block(a, na, b, nb, n, out);
					if (out[na * nb] != -1.0f)
						overrun++;
					for (i = 0; i < na; i++)
					{
						for (j = 0; j < nb; j++)
						{
							double		ref[NFUNCS];
							double		absum[NFUNCS];

							TestReference(a + (size_t) i * n, b + (size_t) j * n, n,
										  ref, absum);
							TestCheck(&st, FN_IP, n, out[i * nb + j], ref[FN_IP],
									  absum[FN_IP]);
							cases++;
						}
					}
				}
			}
		}
	}

	snprintf(name, sizeof(name),
			 "%s ip_block: every product within %s (%d products: %dx%d blocks up to %d, n up to %d, uniform/large/tiny)",
			 ks->name, TestTolName(FN_IP), cases, rows, rows, rows, maxn);
	TestReport(st.failures == 0, name);
	if (st.failures > 0)
		printf("#   %d product(s) failed; worst n=%d: kernel=%.9g reference=%.17g tolerance=%.3g\n",
			   st.failures, st.worst_n, st.worst_got, st.worst_ref, st.worst_tol);
	snprintf(name, sizeof(name), "%s ip_block: writes na * nb results, no more",
			 ks->name);
	TestReport(overrun == 0, name);
	free(abuf);
	free(bbuf);
	free(out);
}

/* Run all checks and print TAP. */
int
main(void)
{
	float	   *abuf;
	float	   *bbuf;
	int			ntests;
	int			fam;
	int			n;
	int			k;

	nsets = DistanceSupportedKernels(sets, ZVEC_TEST_MAX_SETS);
	if (nsets < 1)
	{
		printf("1..1\nnot ok 1 - DistanceSupportedKernels lists no kernel set\n");
		return 1;
	}

	/* per set: 31 accuracy, 2 cosine edge, 1 choice, 4 identity, 2 block */
	ntests = nsets * (4 * NFAMS - 1) + nsets * 2 + nsets * NFUNCS +
		NFUNCS + 1 + nsets + 2 + nsets * 2;
	printf("1..%d\n", ntests);
	printf("# kernel sets:");
	for (k = 0; k < nsets; k++)
		printf(" %s", sets[k]->name);
	printf("\n");

	/* room for the largest dimension plus a misalignment of up to 3 */
	abuf = malloc((ZVEC_TEST_BIG_DIM + 4) * sizeof(float));
	bbuf = malloc((ZVEC_TEST_BIG_DIM + 4) * sizeof(float));
	if (abuf == NULL || bbuf == NULL)
	{
		printf("Bail out! out of memory\n");
		return 1;
	}

	for (fam = 0; fam < NFAMS; fam++)
	{
		for (n = 1; n <= ZVEC_TEST_SMALL_DIMS; n++)
			TestOne(fam, n, abuf, bbuf);
		TestOne(fam, ZVEC_TEST_BIG_DIM, abuf, bbuf);
	}

	for (k = 0; k < nsets; k++)
		TestReportAccuracy(k);
	for (k = 0; k < nsets; k++)
		TestReportIdentity(k);
	for (k = 0; k < nsets; k++)
		TestCosineEdges(k, abuf, bbuf);
	for (k = 0; k < nsets; k++)
		TestIpBlock(k);
	TestReportGuard();
	TestReportChoice();
	TestSummary();

	free(abuf);
	free(bbuf);
	return test_failures > 0 ? 1 : 0;
}
