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
 * nearer than the sample's current one, and seeding leaves every sample
 * assigned to its nearest centroid.
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
 * Distances are the SIMD squared-L2 kernel, called directly.  The random
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
 * sums in double precision, the previous position, counts and shifts, and
 * the centroid distance matrix when k is small enough to keep one.
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
	bytes += 64 * 1024;
	return (Size) Min(bytes, (double) MaxAllocHugeSize);
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
 * no samples.  Allocates in CurrentMemoryContext (see
 * IvfKmeansEstimateMemory) and frees what it allocated.
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
	int			iter;
	int			i;
	int			j;

	if (n <= 0 || k <= 0)
		return 0;
	pg_prng_seed(&rng, IVF_KMEANS_SEED);

	assign = palloc_extended(sizeof(int) * n, MCXT_ALLOC_HUGE);
	upper = palloc_extended(sizeof(float) * n, MCXT_ALLOC_HUGE);
	lower = palloc_extended(sizeof(float) * n, MCXT_ALLOC_HUGE);
	half = palloc(sizeof(float) * k);
	k = IvfKmeansSeed(samples, n, dims, Min(k, n), centroids, assign, upper,
					  half, &rng);

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

	/* Seeding left every sample with its nearest centroid: exact bounds. */
	for (i = 0; i < n; i++)
	{
		const float *x = samples + (Size) i * dims;
		double	   *s = sums + (Size) assign[i] * dims;
		int			d;

		upper[i] = sqrtf(upper[i]);
		lower[i] = 0;
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
