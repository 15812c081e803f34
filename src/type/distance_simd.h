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
 *	ZVEC_SIMD_TILE_ROWS			rows of a in one tile of IpBlock() (its
 *								tiles hold that many times four
 *								accumulators, which must fit the registers)
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

/* Columns (rows of b) in one tile of IpBlock(). */
#define ZVEC_SIMD_TILE_COLS 4

/*
 * One tile of IpBlock(): the dot products of rows a[0..mr-1] with rows
 * b[0..nr-1] (n floats each) into out, whose rows are ldo floats apart.
 * Always inlined with constant mr <= ZVEC_SIMD_TILE_ROWS (6 or 2) and
 * nr <= ZVEC_SIMD_TILE_COLS (4), so the loops over them unroll and the mr x nr
 * accumulators live in registers: each register of a row of a is loaded
 * once for nr rows of b, each of b once for mr rows of a.  Each accumulator
 * is its own dependency chain, so the tile needs no further unrolling; the
 * last n % WIDTH elements come in by a masked load.
 */
ZVEC_SIMD_TARGET static ZVEC_ALWAYS_INLINE void
ZVEC_SIMD_NAME(IpTile)(const float *a, const float *b, int n, float *out,
					   int ldo, int mr, int nr)
{
	ZVEC_SIMD_VEC acc[ZVEC_SIMD_TILE_ROWS][ZVEC_SIMD_TILE_COLS];
	ZVEC_SIMD_VEC x[ZVEC_SIMD_TILE_ROWS];
	ZVEC_SIMD_VEC y;
	int			i;
	int			j;
	int			k;

#pragma GCC unroll 8
	for (i = 0; i < mr; i++)
	{
#pragma GCC unroll 8
		for (j = 0; j < nr; j++)
			acc[i][j] = ZVEC_SIMD_ZERO();
	}
	for (k = 0; k + ZVEC_SIMD_WIDTH <= n; k += ZVEC_SIMD_WIDTH)
	{
#pragma GCC unroll 8
		for (i = 0; i < mr; i++)
			x[i] = ZVEC_SIMD_LOAD(a + (size_t) i * n + k);
#pragma GCC unroll 8
		for (j = 0; j < nr; j++)
		{
			y = ZVEC_SIMD_LOAD(b + (size_t) j * n + k);
#pragma GCC unroll 8
			for (i = 0; i < mr; i++)
				acc[i][j] = ZVEC_SIMD_FMA(x[i], y, acc[i][j]);
		}
	}
	if (k < n)
	{
		ZVEC_SIMD_MASK m = ZVEC_SIMD_TAIL_MASK(n - k);

#pragma GCC unroll 8
		for (i = 0; i < mr; i++)
			x[i] = ZVEC_SIMD_LOAD_TAIL(a + (size_t) i * n + k, m);
#pragma GCC unroll 8
		for (j = 0; j < nr; j++)
		{
			y = ZVEC_SIMD_LOAD_TAIL(b + (size_t) j * n + k, m);
#pragma GCC unroll 8
			for (i = 0; i < mr; i++)
				acc[i][j] = ZVEC_SIMD_FMA(x[i], y, acc[i][j]);
		}
	}
#pragma GCC unroll 8
	for (i = 0; i < mr; i++)
	{
#pragma GCC unroll 8
		for (j = 0; j < nr; j++)
			out[(size_t) i * ldo + j] = ZVEC_SIMD_SUM(acc[i][j]);
	}
}

/*
 * The dot products of rows a[0..mr-1] with every row of b, a strip of
 * tiles: full ones, then b's leftover rows one at a time.  A strip's rows
 * of a stay in the L1 cache while b's rows pass.
 */
ZVEC_SIMD_TARGET static ZVEC_ALWAYS_INLINE void
ZVEC_SIMD_NAME(IpStrip)(const float *a, const float *b, int nb, int n,
						float *out, int mr)
{
	int			j;

	for (j = 0; j + ZVEC_SIMD_TILE_COLS <= nb; j += ZVEC_SIMD_TILE_COLS)
		ZVEC_SIMD_NAME(IpTile)(a, b + (size_t) j * n, n, out + j, nb, mr,
							   ZVEC_SIMD_TILE_COLS);
	for (; j < nb; j++)
		ZVEC_SIMD_NAME(IpTile)(a, b + (size_t) j * n, n, out + j, nb, mr, 1);
}

/*
 * SIMD blocked dot products (DistanceKernels.ip_block): strips of
 * ZVEC_SIMD_TILE_ROWS rows of a, then the rows left over in strips of 4,
 * 2 and 1 (so a leftover never runs a row at a time when it need not).
 */
ZVEC_SIMD_TARGET static void
ZVEC_SIMD_NAME(IpBlock)(const float *a, int na, const float *b, int nb,
						int n, float *out)
{
	int			i = 0;

	for (; i + ZVEC_SIMD_TILE_ROWS <= na; i += ZVEC_SIMD_TILE_ROWS)
		ZVEC_SIMD_NAME(IpStrip)(a + (size_t) i * n, b, nb, n,
								out + (size_t) i * nb, ZVEC_SIMD_TILE_ROWS);
	if (ZVEC_SIMD_TILE_ROWS > 4 && na - i >= 4)
	{
		ZVEC_SIMD_NAME(IpStrip)(a + (size_t) i * n, b, nb, n,
								out + (size_t) i * nb, 4);
		i += 4;
	}
	if (ZVEC_SIMD_TILE_ROWS > 2 && na - i >= 2)
	{
		ZVEC_SIMD_NAME(IpStrip)(a + (size_t) i * n, b, nb, n,
								out + (size_t) i * nb, 2);
		i += 2;
	}
	if (i < na)
		ZVEC_SIMD_NAME(IpStrip)(a + (size_t) i * n, b, nb, n,
								out + (size_t) i * nb, 1);
}

#undef ZVEC_SIMD_TILE_COLS

static const DistanceKernels ZVEC_SIMD_KERNELS = {
	ZVEC_SIMD_SET,
	ZVEC_SIMD_NAME(L2sq),
	ZVEC_SIMD_NAME(Ip),
	ZVEC_SIMD_NAME(Cosine),
	ZVEC_SIMD_NAME(L1),
	ZVEC_SIMD_NAME(IpBlock)
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
#undef ZVEC_SIMD_TILE_ROWS
