/*-------------------------------------------------------------------------
 *
 * kernel_bench.c
 *	  Micro-benchmark of the distance kernels: nanoseconds per call.
 *
 * For every kernel set this CPU runs and n = 128, 768, 1536, times each
 * function on one pair of vectors that stays in L1 cache, so the figures
 * are the kernels' compute cost, not memory bandwidth.  Each figure is the
 * best of five runs of at least 50 ms each.  Not a test: it asserts nothing.
 *
 * Build and run from the top of the tree:
 *	  cc -O2 -std=gnu99 -Wall -Wextra -Isrc -o bench/kernel_bench \
 *		  bench/kernel_bench.c src/type/distance.c -lm
 *	  bench/kernel_bench
 *
 * Copyright (c) 2026, the zvec developers
 *
 * bench/kernel_bench.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "type/distance.h"

#define ZVEC_BENCH_MAX_SETS 8
#define ZVEC_BENCH_MAX_DIM 1536
#define ZVEC_BENCH_RUNS 5
#define ZVEC_BENCH_MIN_NS 50000000.0

static const int bench_dims[] = {128, 768, 1536};
static const char *const bench_funcs[] = {"l2sq", "ip", "cosine", "l1"};

/* Keeps the results alive so no call can be optimized away. */
static volatile double bench_sink;

/* Monotonic clock in nanoseconds. */
static double
BenchNow(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

/* Call function f of kernel set k iters times; returns the sum of results. */
static double
BenchLoop(const DistanceKernels *k, int f, const float *a, const float *b,
		  int n, long iters)
{
	double		sum = 0.0;
	long		i;

	for (i = 0; i < iters; i++)
	{
		switch (f)
		{
			case 0:
				sum += k->l2sq(a, b, n);
				break;
			case 1:
				sum += k->ip(a, b, n);
				break;
			case 2:
				sum += k->cosine(a, b, n);
				break;
			default:
				sum += k->l1(a, b, n);
				break;
		}
	}
	return sum;
}

/* Best nanoseconds per call of function f of kernel set k at dimension n. */
static double
BenchMeasure(const DistanceKernels *k, int f, const float *a, const float *b,
			 int n)
{
	double		best = 0.0;
	long		iters = 1000;
	int			run;

	/* grow the iteration count until one run takes ZVEC_BENCH_MIN_NS */
	for (;;)
	{
		double		t0 = BenchNow();

		bench_sink = BenchLoop(k, f, a, b, n, iters);
		if (BenchNow() - t0 >= ZVEC_BENCH_MIN_NS)
			break;
		iters *= 2;
	}

	for (run = 0; run < ZVEC_BENCH_RUNS; run++)
	{
		double		t0 = BenchNow();
		double		ns;

		bench_sink = BenchLoop(k, f, a, b, n, iters);
		ns = (BenchNow() - t0) / (double) iters;
		if (run == 0 || ns < best)
			best = ns;
	}
	return best;
}

/* Time every supported kernel set and print a table. */
int
main(void)
{
	const DistanceKernels *sets[ZVEC_BENCH_MAX_SETS];
	float	   *a;
	float	   *b;
	uint32_t	x = 12345;
	int			nsets;
	int			i;
	int			k;
	int			d;
	int			f;

	a = malloc(ZVEC_BENCH_MAX_DIM * sizeof(float));
	b = malloc(ZVEC_BENCH_MAX_DIM * sizeof(float));
	if (a == NULL || b == NULL)
		return 1;
	for (i = 0; i < ZVEC_BENCH_MAX_DIM; i++)
	{
		/* xorshift32 values in [-1, 1) */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		a[i] = (float) ((double) x / 2147483648.0 - 1.0);
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (float) ((double) x / 2147483648.0 - 1.0);
	}

	nsets = DistanceSupportedKernels(sets, ZVEC_BENCH_MAX_SETS);
	printf("%-9s %-6s", "kernel", "n");
	for (f = 0; f < 4; f++)
		printf(" %10s", bench_funcs[f]);
	printf("   (ns per call)\n");
	for (k = 0; k < nsets; k++)
	{
		for (d = 0; d < (int) (sizeof(bench_dims) / sizeof(bench_dims[0])); d++)
		{
			printf("%-9s %-6d", sets[k]->name, bench_dims[d]);
			for (f = 0; f < 4; f++)
				printf(" %10.1f", BenchMeasure(sets[k], f, a, b, bench_dims[d]));
			printf("\n");
			fflush(stdout);
		}
	}

	free(a);
	free(b);
	return 0;
}
