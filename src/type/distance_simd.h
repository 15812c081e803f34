/*-------------------------------------------------------------------------
 *
 * distance_simd.h
 *	  Template for one set of SIMD distance kernels, included by distance.c.
 *
 * distance.c includes this file once per instruction set, after defining:
 *
 *	ZVEC_SIMD_TARGET			function attribute that enables the set
 *	ZVEC_SIMD_NAME(fn)			name of the set's function fn
 *	ZVEC_SIMD_SET				name of the set, as in ZVEC_DISTANCE_KERNEL
 *	ZVEC_SIMD_KERNELS			name of the set's DistanceKernels table
 *	ZVEC_SIMD_WIDTH				floats per register
 *	ZVEC_SIMD_VEC				register type
 *	ZVEC_SIMD_MASK				type of a tail mask
 *	ZVEC_SIMD_ZERO()			register of zeros
 *	ZVEC_SIMD_LOAD(p)			unaligned load of WIDTH floats
 *	ZVEC_SIMD_TAIL_MASK(r)		mask enabling the first r (1..WIDTH-1) lanes
 *	ZVEC_SIMD_LOAD_TAIL(p, m)	masked load, zero in the disabled lanes
 *	ZVEC_SIMD_ADD(x, y)			x + y
 *	ZVEC_SIMD_SUB(x, y)			x - y
 *	ZVEC_SIMD_FMA(x, y, acc)	x * y + acc, rounded once
 *	ZVEC_SIMD_ABS(x)			|x|
 *	ZVEC_SIMD_SUM(v)			sum of the lanes of v, as a float
 *
 * and undefines them all at its end, ready for the next set.  The macros
 * must evaluate their arguments once.  All four kernels share one loop,
 * Reduce(), told by a DistanceReduceKind what to accumulate.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/type/distance_simd.h
 *
 *-------------------------------------------------------------------------
 */

/* no include guard: this file is meant to be included more than once */

#ifndef ZVEC_SIMD_SUM
#error "define the ZVEC_SIMD_* macros before including type/distance_simd.h"
#endif

/* One group of accumulators; xx and yy are used by cosine only. */
typedef struct ZVEC_SIMD_NAME(Sums)
{
	ZVEC_SIMD_VEC s;			/* the kernel's sum (cosine: x.y) */
	ZVEC_SIMD_VEC xx;			/* x.x */
	ZVEC_SIMD_VEC yy;			/* y.y */
} ZVEC_SIMD_NAME(Sums);

/* Set every accumulator of a group to zero. */
ZVEC_SIMD_TARGET static ZVEC_ALWAYS_INLINE void
ZVEC_SIMD_NAME(Zero)(ZVEC_SIMD_NAME(Sums) *g)
{
	g->s = g->xx = g->yy = ZVEC_SIMD_ZERO();
}

/* Fold one register of x and one of y into the group g. */
ZVEC_SIMD_TARGET static ZVEC_ALWAYS_INLINE void
ZVEC_SIMD_NAME(Step)(DistanceReduceKind kind, ZVEC_SIMD_VEC x,
					 ZVEC_SIMD_VEC y, ZVEC_SIMD_NAME(Sums) *g)
{
	ZVEC_SIMD_VEC d;

	switch (kind)
	{
		case ZVEC_REDUCE_L2SQ:
			d = ZVEC_SIMD_SUB(x, y);
			g->s = ZVEC_SIMD_FMA(d, d, g->s);
			break;
		case ZVEC_REDUCE_IP:
			g->s = ZVEC_SIMD_FMA(x, y, g->s);
			break;
		case ZVEC_REDUCE_L1:
			d = ZVEC_SIMD_SUB(x, y);
			g->s = ZVEC_SIMD_ADD(g->s, ZVEC_SIMD_ABS(d));
			break;
		case ZVEC_REDUCE_COSINE:
			g->s = ZVEC_SIMD_FMA(x, y, g->s);
			g->xx = ZVEC_SIMD_FMA(x, x, g->xx);
			g->yy = ZVEC_SIMD_FMA(y, y, g->yy);
			break;
	}
}

/* Add up the same accumulator of the four groups and its lanes. */
#define ZVEC_SIMD_TOTAL(g, f) \
	ZVEC_SIMD_SUM(ZVEC_SIMD_ADD(ZVEC_SIMD_ADD((g)[0].f, (g)[1].f), \
								ZVEC_SIMD_ADD((g)[2].f, (g)[3].f)))

/*
 * The sum of Step() over a[0..n-1] and b[0..n-1], that is the s field; for
 * cosine, the xx and yy fields go to *na and *nb.  Short vectors go to the
 * sequential kernels, fused, as every SIMD set has FMA.  Longer ones use
 * four groups of accumulators over blocks of four registers, to hide the
 * FMA latency, then one register at a time into group 0, then a masked tail
 * into group 1.  Always inlined with a constant kind, so the switch folds
 * away, as do the accumulators the kind leaves at zero.
 */
ZVEC_SIMD_TARGET static ZVEC_ALWAYS_INLINE float
ZVEC_SIMD_NAME(Reduce)(const float *a, const float *b, int n,
					   DistanceReduceKind kind, float *na, float *nb)
{
	ZVEC_SIMD_NAME(Sums) g[4];
	int			i = 0;

	if (n < ZVEC_DISTANCE_SHORT)
		return DistanceShortReduce(a, b, n, kind, 1, na, nb);

	ZVEC_SIMD_NAME(Zero)(&g[0]);
	ZVEC_SIMD_NAME(Zero)(&g[1]);
	ZVEC_SIMD_NAME(Zero)(&g[2]);
	ZVEC_SIMD_NAME(Zero)(&g[3]);
	for (; i + 4 * ZVEC_SIMD_WIDTH <= n; i += 4 * ZVEC_SIMD_WIDTH)
	{
		ZVEC_SIMD_NAME(Step)(kind, ZVEC_SIMD_LOAD(a + i),
							 ZVEC_SIMD_LOAD(b + i), &g[0]);
		ZVEC_SIMD_NAME(Step)(kind, ZVEC_SIMD_LOAD(a + i + ZVEC_SIMD_WIDTH),
							 ZVEC_SIMD_LOAD(b + i + ZVEC_SIMD_WIDTH), &g[1]);
		ZVEC_SIMD_NAME(Step)(kind, ZVEC_SIMD_LOAD(a + i + 2 * ZVEC_SIMD_WIDTH),
							 ZVEC_SIMD_LOAD(b + i + 2 * ZVEC_SIMD_WIDTH), &g[2]);
		ZVEC_SIMD_NAME(Step)(kind, ZVEC_SIMD_LOAD(a + i + 3 * ZVEC_SIMD_WIDTH),
							 ZVEC_SIMD_LOAD(b + i + 3 * ZVEC_SIMD_WIDTH), &g[3]);
	}
	for (; i + ZVEC_SIMD_WIDTH <= n; i += ZVEC_SIMD_WIDTH)
		ZVEC_SIMD_NAME(Step)(kind, ZVEC_SIMD_LOAD(a + i),
							 ZVEC_SIMD_LOAD(b + i), &g[0]);
	if (i < n)
	{
		ZVEC_SIMD_MASK m = ZVEC_SIMD_TAIL_MASK(n - i);

		ZVEC_SIMD_NAME(Step)(kind, ZVEC_SIMD_LOAD_TAIL(a + i, m),
							 ZVEC_SIMD_LOAD_TAIL(b + i, m), &g[1]);
	}
	if (kind == ZVEC_REDUCE_COSINE)
	{
		*na = ZVEC_SIMD_TOTAL(g, xx);
		*nb = ZVEC_SIMD_TOTAL(g, yy);
	}
	return ZVEC_SIMD_TOTAL(g, s);
}

#undef ZVEC_SIMD_TOTAL

/* SIMD sum of squared differences. */
ZVEC_SIMD_TARGET static float
ZVEC_SIMD_NAME(L2sq)(const float *a, const float *b, int n)
{
	return ZVEC_SIMD_NAME(Reduce)(a, b, n, ZVEC_REDUCE_L2SQ, NULL, NULL);
}

/* SIMD dot product. */
ZVEC_SIMD_TARGET static float
ZVEC_SIMD_NAME(Ip)(const float *a, const float *b, int n)
{
	return ZVEC_SIMD_NAME(Reduce)(a, b, n, ZVEC_REDUCE_IP, NULL, NULL);
}

/* SIMD cosine distance. */
ZVEC_SIMD_TARGET static double
ZVEC_SIMD_NAME(Cosine)(const float *a, const float *b, int n)
{
	float		dot;
	float		na;
	float		nb;

	dot = ZVEC_SIMD_NAME(Reduce)(a, b, n, ZVEC_REDUCE_COSINE, &na, &nb);
	return DistanceCosineFinish(dot, na, nb);
}

/* SIMD sum of absolute differences. */
ZVEC_SIMD_TARGET static float
ZVEC_SIMD_NAME(L1)(const float *a, const float *b, int n)
{
	return ZVEC_SIMD_NAME(Reduce)(a, b, n, ZVEC_REDUCE_L1, NULL, NULL);
}

static const DistanceKernels ZVEC_SIMD_KERNELS = {
	ZVEC_SIMD_SET,
	ZVEC_SIMD_NAME(L2sq),
	ZVEC_SIMD_NAME(Ip),
	ZVEC_SIMD_NAME(Cosine),
	ZVEC_SIMD_NAME(L1)
};

#undef ZVEC_SIMD_TARGET
#undef ZVEC_SIMD_NAME
#undef ZVEC_SIMD_SET
#undef ZVEC_SIMD_KERNELS
#undef ZVEC_SIMD_WIDTH
#undef ZVEC_SIMD_VEC
#undef ZVEC_SIMD_MASK
#undef ZVEC_SIMD_ZERO
#undef ZVEC_SIMD_LOAD
#undef ZVEC_SIMD_TAIL_MASK
#undef ZVEC_SIMD_LOAD_TAIL
#undef ZVEC_SIMD_ADD
#undef ZVEC_SIMD_SUB
#undef ZVEC_SIMD_FMA
#undef ZVEC_SIMD_ABS
#undef ZVEC_SIMD_SUM
