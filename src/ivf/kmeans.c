/*-------------------------------------------------------------------------
 *
 * kmeans.c
 *	  k-means for IVF: k-means++ seeding, then Lloyd iterations accelerated
 *	  with Elkan's (or Hamerly's) bounds.
 *
 * Seeding.  k-means++ picks the first centroid uniformly among the samples
 * and each next one with probability proportional to its squared distance
 * from the nearest centroid chosen so far.  When every remaining sample
 * coincides with a chosen centroid (fewer distinct samples than k, or
 * identical rows), seeding stops early: the index then has one list per
 * distinct sample, and the caller learns how many.  A sample is measured
 * against a new centroid only if the triangle inequality allows it to be
 * nearer than the sample's current one.  Seeding draws from a random
 * subset of IVF_KMEANS_SEED_PER_CENTROID samples per centroid (one pass
 * over its samples per centroid is its whole cost, and the iterations on
 * all samples refine the seeds), falling back to all samples when the
 * subset has fewer distinct values than k.  Then every sample is assigned
 * to its nearest seed by IvfNearestFind(): a batch of samples against all
 * seeds with the blocked dot-product kernel, which also gives lower bounds
 * on every distance, so the first iteration starts with tight bounds.
 *
 * Iterations.  Each Lloyd iteration moves every centroid to the mean of its
 * samples and reassigns every sample to its nearest centroid.  The sums
 * behind the means are kept up to date as samples change cluster, so an
 * update costs k divisions, not a pass over the samples.  Elkan's
 * algorithm keeps, per sample, an upper bound on the distance to its own
 * centroid and a lower bound on the distance to every other one (stored
 * so that loosening them after an update is free), and skips a centroid
 * whose bound, or half its distance from the sample's centroid, shows it
 * cannot be nearer.  After the first iterations nearly every distance is
 * skipped.  When the bounds would not fit in IVF_KMEANS_ELKAN_MAX_BYTES,
 * Hamerly's single lower bound per sample is used instead.  The
 * iterations stop when at most one sample in IVF_KMEANS_STABLE_FRACTION
 * changed cluster, or after IVF_KMEANS_MAX_ITERATIONS.
 *
 * Spherical k-means (cosine distance, inner product): the caller passes
 * unit-length samples, and every centroid is scaled back to unit length
 * after each update.  For unit vectors the Euclidean order is the order of
 * the angle, so the same bounds apply.
 *
 * Empty clusters.  A centroid left without samples (or, spherical, whose
 * samples cancel out) is reseeded at the sample farthest from its own
 * centroid, taken from a cluster that keeps at least one sample.
 *
 * Distances are the SIMD squared-L2 kernel, called directly, or the
 * blocked dot-product kernel where many are wanted at once.  The random
 * choices come from a generator with a fixed seed, so the same rows give
 * the same index.  Every loop answers interrupts.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/ivf/kmeans.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "ivf/ivf.h"

/* The seed of the k-means random generator. */
#define IVF_KMEANS_SEED		UINT64CONST(0x7A7665632D69766B)

/* Samples between interrupt checks in the inner loops. */
#define IVF_KMEANS_CHECK_EVERY	256

/* Samples per centroid that k-means++ seeding draws from (a random subset). */
#define IVF_KMEANS_SEED_PER_CENTROID	16

/*
 * Samples measured against the centroids together (IvfNearestFind); like
 * IVF_BUILD_BATCH_ROWS, a multiple of the kernels' tile heights.
 */
#define IVF_KMEANS_BATCH		60

/* Euclidean distance between two vectors. */
static inline float
IvfKmeansDistance(const float *a, const float *b, int dims)
{
	return sqrtf(distance_kernels->l2sq(a, b, dims));
}

/*
 * Whether Elkan's per-centroid lower bounds (nsamples x k floats) are kept:
 * they need the centroid distance matrix and must fit in
 * IVF_KMEANS_ELKAN_MAX_BYTES.
 */
static bool
IvfKmeansUseElkan(int nsamples, int k)
{
	return k <= IVF_KMEANS_MAX_MATRIX &&
		(double) nsamples * k * sizeof(float) <= IVF_KMEANS_ELKAN_MAX_BYTES;
}

/*
 * Memory IvfKmeans() allocates for itself (the samples and centroids are
 * the caller's): per sample its cluster and two bounds, per centroid the
 * sums in double precision, the previous position, counts and shifts,
 * the centroid distance matrix when k is small enough to keep one,
 * Elkan's bounds when they fit, the state of IvfNearestFind() and the
 * row the shuffle swaps through.
 */
Size
IvfKmeansEstimateMemory(int nsamples, int dims, int k)
{
	double		bytes;

	bytes = (double) nsamples * (sizeof(int) + 2 * sizeof(float));
	bytes += (double) k * dims * (sizeof(double) + sizeof(float));
	bytes += (double) k * (sizeof(int) + 4 * sizeof(float) + sizeof(bool));
	if (k <= IVF_KMEANS_MAX_MATRIX)
		bytes += (double) k * k * sizeof(float);
	if (IvfKmeansUseElkan(nsamples, k))
		bytes += (double) nsamples * k * sizeof(float);
	bytes += IvfNearestEstimateMemory(k, dims, IVF_KMEANS_BATCH);
	bytes += (double) dims * sizeof(float);
	bytes += 64 * 1024;
	return (Size) Min(bytes, (double) MaxAllocHugeSize);
}

/*
 * Memory IvfNearestInit() allocates: the moved centroids, their squared
 * lengths and mean, and per batch row its moved copy, the dot products
 * with a block of centroids and the bookkeeping of the best ones.
 */
Size
IvfNearestEstimateMemory(int k, int dims, int batch_rows)
{
	double		bytes;

	bytes = (double) (k + 1) * dims * sizeof(float) + (double) k * sizeof(float);
	bytes += (double) dims * sizeof(double);	/* the mean's sums */
	bytes += (double) batch_rows *
		((dims + IVF_NEAREST_LIST_BLOCK + 2) * sizeof(float));
	return (Size) Min(bytes, (double) MaxAllocHugeSize);
}

/* Store x - mean into out; returns its squared length. */
static float
IvfNearestMove(const float *x, const float *mean, int dims, float *out)
{
	int			i;

	for (i = 0; i < dims; i++)
		out[i] = x[i] - mean[i];
	return distance_kernels->ip(out, out, dims);
}

/*
 * Prepare to find, among k centroids (dims floats each, one after
 * another), the nearest one of each of up to batch_rows rows per
 * IvfNearestFind() call.
 *
 * Euclidean: the nearest by L2 distance, the centroid c that minimises
 * |c|^2 - 2 x.c.  Both x and c are first moved by minus the centroids'
 * mean, which changes no distance but keeps the rounding of those terms
 * relative to the spread of the data instead of to its distance from the
 * origin.  Otherwise: the centroid with the largest x.c (spherical lists,
 * whose distance is -x.c); the centroids are then read where they are and
 * must stay there while nr is in use.  Allocates in CurrentMemoryContext
 * (IvfNearestEstimateMemory); IvfNearestFree() releases it.
 */
void
IvfNearestInit(IvfNearest *nr, const float *centroids, int k, int dims,
			   bool euclidean, int batch_rows)
{
	int			i;
	int			j;

	nr->dims = dims;
	nr->k = k;
	nr->batch_rows = batch_rows;
	nr->euclidean = euclidean;
	nr->bias = palloc0(sizeof(float) * k);
	nr->norms = palloc0(sizeof(float) * batch_rows);
	nr->keys = palloc(sizeof(float) * batch_rows);
	nr->products = palloc_extended(sizeof(float) * IVF_NEAREST_LIST_BLOCK *
								   (Size) batch_rows, MCXT_ALLOC_HUGE);
	nr->mean = NULL;
	nr->rows = NULL;
	nr->moved = (float *) centroids;	/* only read, unless euclidean */
	if (!euclidean)
		return;

	nr->mean = palloc0(sizeof(float) * dims);
	nr->rows = palloc_extended(sizeof(float) * dims * (Size) batch_rows, MCXT_ALLOC_HUGE);
	nr->moved = palloc_extended(sizeof(float) * dims * (Size) k, MCXT_ALLOC_HUGE);
	{
		double	   *sum = palloc0(sizeof(double) * dims);

		for (j = 0; j < k; j++)
		{
			for (i = 0; i < dims; i++)
				sum[i] += centroids[(Size) j * dims + i];
		}
		for (i = 0; i < dims; i++)
			nr->mean[i] = (float) (sum[i] / k);
		pfree(sum);
	}
	for (j = 0; j < k; j++)
	{
		nr->bias[j] = IvfNearestMove(centroids + (Size) j * dims, nr->mean,
									 dims, nr->moved + (Size) j * dims);
		if ((j % IVF_KMEANS_CHECK_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/*
 * A lower bound on the Euclidean distance between a moved row of squared
 * length xx and a moved centroid of squared length cc, from the computed
 * key cc - 2 x.c: float sums of dims terms are off by at most about
 * dims * 2^-24 times the sum of the terms' sizes, which Cauchy-Schwarz
 * bounds by (|x| + |c|)^2; four times that covers the rest of the rounding,
 * the moves by the mean included.
 */
static inline float
IvfNearestLower(int dims, float xx, float cc, float key)
{
	float		span = sqrtf(xx) + sqrtf(cc);
	float		d2 = key + xx - (float) (dims + 8) * 0x1p-22f * span * span;

	return d2 > 0 ? sqrtf(d2) : 0;
}

/*
 * For each of rows x_0 .. x_{n-1} (n <= batch_rows, dims floats each, one
 * after another), best[i] receives the nearest centroid (the lowest-numbered
 * of equally near ones, as far as rounding tells).  Euclidean only: lower
 * (if not NULL, n x k) receives a lower bound on every row's distance to
 * every centroid, and second (if not NULL) a lower bound on each row's
 * distance to every centroid other than its nearest.
 */
void
IvfNearestFind(IvfNearest *nr, const float *rows, int n, int *best,
			   float *lower, float *second)
{
	int			dims = nr->dims;
	int			k = nr->k;
	float		scale = nr->euclidean ? 2.0f : 1.0f;
	float	   *low1 = NULL;	/* second: the lowest bound of each row */
	float	   *low2 = NULL;	/* ... the next lowest */
	int		   *low1_at = NULL; /* ... and the centroid of the lowest */
	int			first;
	int			i;
	int			j;

	Assert(n <= nr->batch_rows);
	Assert(nr->euclidean || (lower == NULL && second == NULL));
	if (nr->euclidean)
	{
		for (i = 0; i < n; i++)
			nr->norms[i] = IvfNearestMove(rows + (Size) i * dims, nr->mean,
										  dims, nr->rows + (Size) i * dims);
		rows = nr->rows;
	}
	if (second != NULL)
	{
		low1 = palloc(sizeof(float) * n);
		low2 = palloc(sizeof(float) * n);
		low1_at = palloc(sizeof(int) * n);
		for (i = 0; i < n; i++)
		{
			low1[i] = low2[i] = FLT_MAX;
			low1_at[i] = -1;
		}
	}
	for (i = 0; i < n; i++)
	{
		best[i] = -1;
		nr->keys[i] = 0;
	}

	for (first = 0; first < k; first += IVF_NEAREST_LIST_BLOCK)
	{
		int			count = Min(IVF_NEAREST_LIST_BLOCK, k - first);
		const float *bias = nr->bias + first;

		CHECK_FOR_INTERRUPTS();
		distance_kernels->ip_block(rows, n, nr->moved + (Size) first * dims,
								   count, dims, nr->products);
		for (i = 0; i < n; i++)
		{
			const float *p = nr->products + (Size) i * count;
			int			b = best[i];
			float		key = nr->keys[i];

			for (j = 0; j < count; j++)
			{
				float		kj = bias[j] - scale * p[j];

				if (b < 0 || kj < key)
				{
					b = first + j;
					key = kj;
				}
			}
			best[i] = b;
			nr->keys[i] = key;

			if (lower == NULL && second == NULL)
				continue;
			for (j = 0; j < count; j++)
			{
				float		lb = IvfNearestLower(dims, nr->norms[i], bias[j],
												 bias[j] - 2.0f * p[j]);

				if (lower != NULL)
					lower[(Size) i * k + first + j] = lb;
				if (second != NULL)
				{
					if (lb < low1[i])
					{
						low2[i] = low1[i];
						low1[i] = lb;
						low1_at[i] = first + j;
					}
					else if (lb < low2[i])
						low2[i] = lb;
				}
			}
		}
	}

	if (second != NULL)
	{
		for (i = 0; i < n; i++)
			second[i] = low1_at[i] != best[i] ? low1[i] : low2[i];
		pfree(low1);
		pfree(low2);
		pfree(low1_at);
	}
}

/* Release what IvfNearestInit() allocated. */
void
IvfNearestFree(IvfNearest *nr)
{
	pfree(nr->bias);
	pfree(nr->norms);
	pfree(nr->keys);
	pfree(nr->products);
	if (nr->euclidean)
	{
		pfree(nr->mean);
		pfree(nr->rows);
		pfree(nr->moved);
	}
}

/*
 * Fill hcc (k x k) with half the Euclidean distances between centroids;
 * half (if not NULL) receives half of each centroid's distance to its
 * nearest other one.
 */
static void
IvfKmeansCentroidDistances(const float *centroids, int k, int dims, float *hcc,
						   float *half)
{
	int			j;
	int			j2;

	if (half != NULL)
	{
		for (j = 0; j < k; j++)
			half[j] = FLT_MAX;
	}
	for (j = 0; j < k; j++)
	{
		CHECK_FOR_INTERRUPTS();
		hcc[(Size) j * k + j] = 0;
		for (j2 = j + 1; j2 < k; j2++)
		{
			float		d = 0.5f * IvfKmeansDistance(centroids + (Size) j * dims,
													 centroids + (Size) j2 * dims,
													 dims);

			hcc[(Size) j * k + j2] = d;
			hcc[(Size) j2 * k + j] = d;
			if (half != NULL)
			{
				if (d < half[j])
					half[j] = d;
				if (d < half[j2])
					half[j2] = d;
			}
		}
	}
}

/*
 * The centroid nearest to x, starting from the guess.  With hcc (half the
 * centroid distances), a centroid j is skipped when it lies at least
 * twice as far from the best centroid so far as x does: by the triangle
 * inequality it cannot be nearer.  *best_dist receives the
 * Euclidean distance to the nearest, *lower (if not NULL) a lower bound
 * on the distance to any other centroid.
 */
static int
IvfKmeansNearest(const float *x, const float *centroids, int k, int dims,
				 const float *hcc, int guess, float *best_dist, float *lower)
{
	int			best = guess;
	float		u = IvfKmeansDistance(x, centroids + (Size) guess * dims, dims);
	float		second = FLT_MAX;
	int			j;

	for (j = 0; j < k; j++)
	{
		float		d;

		if (j == guess)
			continue;
		if (hcc != NULL)
		{
			float		between = hcc[(Size) best * k + j];

			if (between >= u)
			{
				if (2 * between - u < second)
					second = 2 * between - u;
				continue;
			}
		}
		d = IvfKmeansDistance(x, centroids + (Size) j * dims, dims);
		if (d < u)
		{
			if (u < second)
				second = u;
			u = d;
			best = j;
		}
		else if (d < second)
			second = d;
	}
	*best_dist = u;
	if (lower != NULL)
		*lower = second;
	return best;
}

/*
 * Elkan's assignment step for sample x (cluster *a, upper bound *u, and
 * its row raw of per-centroid lower bounds, each stored plus the
 * centroid's total shift cum[j] when it was set, so that loosening the
 * bounds after an update costs nothing).  hcc is the matrix of half the
 * centroid distances.  A centroid is measured only if neither its lower
 * bound nor half its distance from the current centroid rules it out.
 * Returns true if the sample changed cluster.
 */
static bool
IvfKmeansElkanAssign(const float *x, const float *centroids, int k, int dims,
					 const float *hcc, const float *half, const float *cum,
					 int *a, float *u, float *raw)
{
	int			prev = *a;
	int			best = prev;
	float		ub = *u;
	bool		stale = true;
	const float *row = hcc + (Size) prev * k;
	int			j;

	if (ub <= half[prev])
		return false;
	for (j = 0; j < k; j++)
	{
		float		lb = raw[j] - cum[j];
		float		d;

		/* the larger of the two bounds, without a branch per bound */
		lb = lb > row[j] ? lb : row[j];
		if (ub <= lb || j == best)
			continue;
		if (stale)
		{
			ub = IvfKmeansDistance(x, centroids + (Size) best * dims, dims);
			raw[best] = ub + cum[best];
			stale = false;
			if (ub <= raw[j] - cum[j] || ub <= row[j])
				continue;
		}
		d = IvfKmeansDistance(x, centroids + (Size) j * dims, dims);
		raw[j] = d + cum[j];
		if (d < ub)
		{
			ub = d;
			best = j;
			row = hcc + (Size) j * k;
		}
	}
	*u = ub;
	*a = best;
	return best != prev;
}

/*
 * k-means++ seeding into centroids; returns how many were chosen (fewer
 * than k when the samples have fewer distinct values).  assign and d2
 * (squared distance) receive each sample's nearest chosen centroid; near
 * (room for k) is scratch.  A sample is not measured against a new
 * centroid that lies at least twice its distance from the sample's
 * nearest one.
 */
static int
IvfKmeansSeed(const float *samples, int n, int dims, int k, float *centroids,
			  int *assign, float *d2, float *near, pg_prng_state *rng)
{
	int			chosen;
	int			first;
	int			i;

	first = (int) pg_prng_uint64_range(rng, 0, n - 1);
	memcpy(centroids, samples + (Size) first * dims, sizeof(float) * dims);
	for (i = 0; i < n; i++)
	{
		assign[i] = 0;
		d2[i] = distance_kernels->l2sq(samples + (Size) i * dims, centroids, dims);
		if ((i % IVF_KMEANS_CHECK_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	for (chosen = 1; chosen < k; chosen++)
	{
		double		total = 0;
		double		target;
		int			pick = -1;
		float	   *c;
		int			j;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < n; i++)
			total += d2[i];
		if (total <= 0)
			break;				/* every sample is a centroid already */

		target = pg_prng_double(rng) * total;
		for (i = 0; i < n; i++)
		{
			if (d2[i] <= 0)
				continue;
			pick = i;
			target -= d2[i];
			if (target < 0)
				break;
		}
		Assert(pick >= 0);

		c = centroids + (Size) chosen * dims;
		memcpy(c, samples + (Size) pick * dims, sizeof(float) * dims);
		for (j = 0; j < chosen; j++)
		{
			float		d = distance_kernels->l2sq(centroids + (Size) j * dims, c, dims);

			near[j] = d / 4;	/* (half the distance), squared */
		}
		for (i = 0; i < n; i++)
		{
			if (d2[i] > near[assign[i]])
			{
				float		d = distance_kernels->l2sq(samples + (Size) i * dims, c, dims);

				if (d < d2[i])
				{
					d2[i] = d;
					assign[i] = chosen;
				}
			}
			if ((i % IVF_KMEANS_CHECK_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		d2[pick] = 0;
		assign[pick] = chosen;
	}
	return chosen;
}

/*
 * Make samples[0 .. m-1] a uniform random subset of samples[0 .. n-1]
 * (a partial Fisher-Yates shuffle: row i swaps with a random row at or
 * after it); tmp has room for one row.
 */
static void
IvfKmeansShuffle(float *samples, int n, int m, int dims, float *tmp,
				 pg_prng_state *rng)
{
	Size		bytes = sizeof(float) * dims;
	int			i;

	for (i = 0; i < m; i++)
	{
		int			j = (int) pg_prng_uint64_range(rng, i, n - 1);

		if (j == i)
			continue;
		memcpy(tmp, samples + (Size) i * dims, bytes);
		memcpy(samples + (Size) i * dims, samples + (Size) j * dims, bytes);
		memcpy(samples + (Size) j * dims, tmp, bytes);
		if ((i % IVF_KMEANS_CHECK_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Assign every sample to its nearest centroid with the blocked kernel
 * (IvfNearestFind), IVF_KMEANS_BATCH samples at a time, and start the
 * bounds: upper[i] the exact distance to its centroid, and either Elkan's
 * per-centroid lower bounds (raw, n x k) or Hamerly's single one (lower).
 */
static void
IvfKmeansAssignAll(const float *samples, int n, int dims, int k,
				   const float *centroids, int *assign, float *upper,
				   float *lower, float *raw)
{
	IvfNearest	nr;
	int			first;
	int			i;

	IvfNearestInit(&nr, centroids, k, dims, true, IVF_KMEANS_BATCH);
	for (first = 0; first < n; first += IVF_KMEANS_BATCH)
	{
		int			count = Min(IVF_KMEANS_BATCH, n - first);

		IvfNearestFind(&nr, samples + (Size) first * dims, count,
					   assign + first,
					   raw != NULL ? raw + (Size) first * k : NULL,
					   raw != NULL ? NULL : lower + first);
		for (i = first; i < first + count; i++)
		{
			upper[i] = IvfKmeansDistance(samples + (Size) i * dims,
										 centroids + (Size) assign[i] * dims,
										 dims);
			if (raw != NULL)
			{
				raw[(Size) i * k + assign[i]] = upper[i];
				lower[i] = 0;
			}
		}
	}
	IvfNearestFree(&nr);
}

/* Move sample x from cluster from to cluster to in the running sums. */
static inline void
IvfKmeansMove(double *sums, int *counts, const float *x, int dims, int from,
			  int to)
{
	double	   *sf = sums + (Size) from * dims;
	double	   *st = sums + (Size) to * dims;
	int			d;

	for (d = 0; d < dims; d++)
	{
		sf[d] -= x[d];
		st[d] += x[d];
	}
	counts[from]--;
	counts[to]++;
}

/*
 * Cluster nsamples vectors of dims dimensions (samples, row after row)
 * into at most k clusters; centroids (room for k) receives the centroids.
 * With spherical, samples must be unit vectors (or zero) and centroids
 * come out as unit vectors.  Returns the number of centroids, which is
 * below k only when the samples have fewer than k distinct values; 0 for
 * no samples.  The samples may be reordered.  Allocates in
 * CurrentMemoryContext (see IvfKmeansEstimateMemory) and frees what it
 * allocated.
 *
 * The per-cluster sums are kept up to date as samples move, so an update
 * costs k means, not a pass over the samples.  With Elkan's bounds
 * (IvfKmeansUseElkan), a sample keeps a lower bound per centroid;
 * otherwise Hamerly's single lower bound.
 */
int
IvfKmeans(float *samples, int n, int dims, int k, bool spherical,
		  float *centroids)
{
	pg_prng_state rng;
	int		   *assign;
	float	   *upper;
	float	   *lower;
	double	   *sums;
	float	   *old;
	float	   *hcc = NULL;
	float	   *raw = NULL;		/* Elkan: per sample, per centroid */
	float	   *cum;			/* total shift of each centroid */
	int		   *counts;
	float	   *half;			/* half the distance to the nearest other centroid */
	float	   *shift;
	int			seeds;			/* samples seeding draws from */
	int			iter;
	int			i;
	int			j;

	if (n <= 0 || k <= 0)
		return 0;
	pg_prng_seed(&rng, IVF_KMEANS_SEED);
	k = Min(k, n);

	assign = palloc_extended(sizeof(int) * n, MCXT_ALLOC_HUGE);
	upper = palloc_extended(sizeof(float) * n, MCXT_ALLOC_HUGE);
	lower = palloc_extended(sizeof(float) * n, MCXT_ALLOC_HUGE);
	half = palloc(sizeof(float) * k);

	seeds = n;
	if ((double) k * IVF_KMEANS_SEED_PER_CENTROID < n)
	{
		float	   *tmp = palloc(sizeof(float) * dims);

		seeds = k * IVF_KMEANS_SEED_PER_CENTROID;
		IvfKmeansShuffle(samples, n, seeds, dims, tmp, &rng);
		pfree(tmp);
	}
	i = IvfKmeansSeed(samples, seeds, dims, k, centroids, assign, upper, half,
					  &rng);
	if (i < k && seeds < n)
		i = IvfKmeansSeed(samples, n, dims, k, centroids, assign, upper, half,
						  &rng);
	k = i;

	sums = palloc_extended(sizeof(double) * k * (Size) dims,
						   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	old = palloc_extended(sizeof(float) * k * (Size) dims, MCXT_ALLOC_HUGE);
	counts = palloc0(sizeof(int) * k);
	shift = palloc(sizeof(float) * k);
	cum = palloc0(sizeof(float) * k);
	if (k <= IVF_KMEANS_MAX_MATRIX)
		hcc = palloc_extended(sizeof(float) * k * (Size) k, MCXT_ALLOC_HUGE);
	if (IvfKmeansUseElkan(n, k))
		raw = palloc_extended(sizeof(float) * k * (Size) n,
							  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	/* Every sample to its nearest seed, with its bounds; the sums. */
	IvfKmeansAssignAll(samples, n, dims, k, centroids, assign, upper, lower,
					   raw);
	for (i = 0; i < n; i++)
	{
		const float *x = samples + (Size) i * dims;
		double	   *s = sums + (Size) assign[i] * dims;
		int			d;

		for (d = 0; d < dims; d++)
			s[d] += x[d];
		counts[assign[i]]++;
		if ((i % IVF_KMEANS_CHECK_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	for (iter = 0; iter < IVF_KMEANS_MAX_ITERATIONS; iter++)
	{
		float		max1 = 0;
		float		max2 = 0;
		int			argmax = -1;
		int			changed = 0;
		bool		reseeded = false;

		CHECK_FOR_INTERRUPTS();

		/* Update: every centroid to the mean of its samples. */
		memcpy(old, centroids, sizeof(float) * k * (Size) dims);
		for (j = 0; j < k; j++)
		{
			float	   *c = centroids + (Size) j * dims;
			double	   *s = sums + (Size) j * dims;
			double		norm = 0;
			int			far = -1;
			int			d;

			if (counts[j] > 0)
			{
				for (d = 0; d < dims; d++)
					norm += s[d] * s[d];
				if (!spherical)
				{
					for (d = 0; d < dims; d++)
						c[d] = (float) (s[d] / counts[j]);
					continue;
				}
				if (norm > 0)
				{
					norm = sqrt(norm);
					for (d = 0; d < dims; d++)
						c[d] = (float) (s[d] / norm);
					continue;
				}
			}

			/*
			 * An empty cluster (or, spherical, one whose samples cancel
			 * out) is reseeded at the sample farthest from its centroid
			 * (by the upper bound), from a cluster that keeps a sample.
			 */
			CHECK_FOR_INTERRUPTS();
			for (i = 0; i < n; i++)
			{
				if (assign[i] != j && counts[assign[i]] > 1 &&
					(far < 0 || upper[i] > upper[far]))
					far = i;
			}
			if (far < 0)
				continue;		/* no cluster can spare a sample */
			memcpy(c, samples + (Size) far * dims, sizeof(float) * dims);
			IvfKmeansMove(sums, counts, samples + (Size) far * dims, dims,
						  assign[far], j);
			assign[far] = j;
			upper[far] = 0;
			lower[far] = 0;
			if (raw != NULL)
				memset(raw + (Size) far * k, 0, sizeof(float) * k);
			reseeded = true;
		}

		/* How far each centroid moved; loosen the bounds by as much. */
		for (j = 0; j < k; j++)
		{
			shift[j] = IvfKmeansDistance(old + (Size) j * dims,
										 centroids + (Size) j * dims, dims);
			cum[j] += shift[j];
			if (shift[j] > max1)
			{
				max2 = max1;
				max1 = shift[j];
				argmax = j;
			}
			else if (shift[j] > max2)
				max2 = shift[j];
		}
		for (i = 0; i < n; i++)
		{
			upper[i] += shift[assign[i]];
			lower[i] -= (assign[i] == argmax) ? max2 : max1;
		}

		/* Distances between centroids (when k allows a matrix). */
		if (hcc != NULL)
			IvfKmeansCentroidDistances(centroids, k, dims, hcc, half);
		else
		{
			for (j = 0; j < k; j++)
				half[j] = 0;
		}

		/* Assignment, skipping samples the bounds show cannot move. */
		for (i = 0; i < n; i++)
		{
			const float *x = samples + (Size) i * dims;
			int			prev = assign[i];

			if ((i % IVF_KMEANS_CHECK_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
			if (raw != NULL)
			{
				if (!IvfKmeansElkanAssign(x, centroids, k, dims, hcc, half, cum,
										  &assign[i], &upper[i],
										  raw + (Size) i * k))
					continue;
			}
			else
			{
				float		bound = Max(half[prev], lower[i]);

				if (upper[i] <= bound)
					continue;
				upper[i] = IvfKmeansDistance(x, centroids + (Size) prev * dims, dims);
				if (upper[i] <= bound)
					continue;
				assign[i] = IvfKmeansNearest(x, centroids, k, dims, hcc, prev,
											 &upper[i], &lower[i]);
				if (assign[i] == prev)
					continue;
			}
			IvfKmeansMove(sums, counts, x, dims, prev, assign[i]);
			changed++;
		}

		if (!reseeded && changed <= n / IVF_KMEANS_STABLE_FRACTION)
			break;
	}

	pfree(assign);
	pfree(upper);
	pfree(lower);
	pfree(sums);
	pfree(old);
	pfree(counts);
	pfree(half);
	pfree(shift);
	pfree(cum);
	if (hcc != NULL)
		pfree(hcc);
	if (raw != NULL)
		pfree(raw);
	return k;
}
