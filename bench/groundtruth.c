/*-------------------------------------------------------------------------
 *
 * groundtruth.c
 *	  Exact k nearest neighbours by brute force, written as .ivecs.
 *
 * For every query, every base vector is compared with zvec's own distance
 * kernels (src/type/distance.c, the SIMD set chosen for this CPU), so the
 * truth agrees with what a sequential scan in the server computes.  The
 * queries are split between threads; each thread walks the base set in
 * blocks small enough to stay in cache and keeps a bounded max-heap of the
 * k best (distance, id) pairs per query.  Ties go to the lower id.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * bench/groundtruth.c
 *
 *-------------------------------------------------------------------------
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "type/distance.h"
#include "vecfile.h"

/* Base vectors compared against all of a thread's queries at a time. */
#define GT_BLOCK_ROWS 2048

/* Distance functions, as the server's operators order them. */
typedef enum GtMetric
{
	GT_L2,
	GT_IP,
	GT_COSINE,
	GT_L1
} GtMetric;

/* One candidate neighbour. */
typedef struct GtPair
{
	double		dist;
	int			id;
} GtPair;

/* What one thread works on. */
typedef struct GtJob
{
	const VecSet *base;
	const VecSet *queries;
	GtMetric	metric;
	int			k;
	long		first;			/* first query of this thread */
	long		last;			/* one past its last query */
	GtPair	   *heaps;			/* k pairs per query of the whole set */
	int		   *sizes;			/* heap fill per query */
} GtJob;

/* Distance of a to b under the metric (smaller is nearer). */
static inline double
GtDistance(GtMetric metric, const float *a, const float *b, int n)
{
	switch (metric)
	{
		case GT_L2:
			return distance_kernels->l2sq(a, b, n);
		case GT_IP:
			return -(double) distance_kernels->ip(a, b, n);
		case GT_COSINE:
			return distance_kernels->cosine(a, b, n);
		case GT_L1:
			return distance_kernels->l1(a, b, n);
	}
	return 0.0;
}

/* True when pair a ranks after pair b (farther, or as far with a higher id). */
static inline int
GtAfter(const GtPair *a, const GtPair *b)
{
	return a->dist > b->dist || (a->dist == b->dist && a->id > b->id);
}

/* Offer a candidate to a max-heap of at most k pairs. */
static inline void
GtHeapOffer(GtPair *heap, int *size, int k, double dist, int id)
{
	GtPair		cand;
	int			i;

	cand.dist = dist;
	cand.id = id;
	if (*size < k)
	{
		/* sift up */
		i = (*size)++;
		while (i > 0 && GtAfter(&cand, &heap[(i - 1) / 2]))
		{
			heap[i] = heap[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		heap[i] = cand;
		return;
	}
	if (!GtAfter(&heap[0], &cand))
		return;
	/* replace the root and sift down */
	i = 0;
	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= k)
			break;
		if (child + 1 < k && GtAfter(&heap[child + 1], &heap[child]))
			child++;
		if (!GtAfter(&heap[child], &cand))
			break;
		heap[i] = heap[child];
		i = child;
	}
	heap[i] = cand;
}

/* Order pairs nearest first, for qsort. */
static int
GtComparePairs(const void *a, const void *b)
{
	const GtPair *pa = a;
	const GtPair *pb = b;

	if (GtAfter(pa, pb))
		return 1;
	if (GtAfter(pb, pa))
		return -1;
	return 0;
}

/* Thread body: all base blocks against this thread's queries. */
static void *
GtWorker(void *arg)
{
	GtJob	   *job = arg;
	int			dim = job->base->dim;
	long		b0;
	long		q;
	long		b;

	for (b0 = 0; b0 < job->base->n; b0 += GT_BLOCK_ROWS)
	{
		long		b1 = b0 + GT_BLOCK_ROWS < job->base->n ? b0 + GT_BLOCK_ROWS : job->base->n;

		for (q = job->first; q < job->last; q++)
		{
			const float *qv = VecFloatRow(job->queries, q);
			GtPair	   *heap = job->heaps + (size_t) q * job->k;

			for (b = b0; b < b1; b++)
				GtHeapOffer(heap, &job->sizes[q], job->k,
							GtDistance(job->metric, qv, VecFloatRow(job->base, b), dim),
							(int) b);
		}
		if (job->first == 0 && job->base->n >= 100000 &&
			(b0 / GT_BLOCK_ROWS) % 50 == 0)
			fprintf(stderr, "groundtruth: %ld of %ld base vectors\n", b1, job->base->n);
	}
	return NULL;
}

/* Print usage and exit. */
static void
GtUsage(void)
{
	fprintf(stderr,
			"usage: groundtruth -b BASE.fvecs -q QUERY.fvecs -o OUT.ivecs [options]\n"
			"  -k N        neighbours per query (default 100)\n"
			"  -m METRIC   l2 (default), ip, cosine or l1\n"
			"  -t N        threads (default 2)\n"
			"  -n N        use only the first N base vectors\n");
	exit(2);
}

/* Parse options, compute and write the exact neighbours. */
int
main(int argc, char **argv)
{
	const char *basepath = NULL;
	const char *querypath = NULL;
	const char *outpath = NULL;
	GtMetric	metric = GT_L2;
	int			k = 100;
	int			nthreads = 2;
	long		limit = -1;
	VecSet		base;
	VecSet		queries;
	GtJob	   *jobs;
	pthread_t  *threads;
	GtPair	   *heaps;
	int		   *sizes;
	int		   *row;
	FILE	   *out;
	long		q;
	int			t;
	int			opt;

	while ((opt = getopt(argc, argv, "b:q:o:k:m:t:n:")) != -1)
	{
		switch (opt)
		{
			case 'b':
				basepath = optarg;
				break;
			case 'q':
				querypath = optarg;
				break;
			case 'o':
				outpath = optarg;
				break;
			case 'k':
				k = atoi(optarg);
				break;
			case 'm':
				if (strcmp(optarg, "l2") == 0)
					metric = GT_L2;
				else if (strcmp(optarg, "ip") == 0)
					metric = GT_IP;
				else if (strcmp(optarg, "cosine") == 0)
					metric = GT_COSINE;
				else if (strcmp(optarg, "l1") == 0)
					metric = GT_L1;
				else
					VecDie("unknown metric \"%s\"", optarg);
				break;
			case 't':
				nthreads = atoi(optarg);
				break;
			case 'n':
				limit = atol(optarg);
				break;
			default:
				GtUsage();
		}
	}
	if (basepath == NULL || querypath == NULL || outpath == NULL || optind != argc)
		GtUsage();
	if (k < 1 || nthreads < 1 || nthreads > 256)
		VecDie("k and the thread count must be positive");

	DistanceChooseKernels();
	VecReadFvecs(basepath, limit, &base);
	VecReadFvecs(querypath, -1, &queries);
	if (base.dim != queries.dim)
		VecDie("base has %d dimensions but queries have %d", base.dim, queries.dim);
	if (k > base.n)
		k = (int) base.n;
	fprintf(stderr, "groundtruth: %ld queries x %ld base vectors, %d dimensions, k=%d, kernels %s, %d threads\n",
			queries.n, base.n, base.dim, k, distance_kernels->name, nthreads);

	heaps = VecAlloc(sizeof(GtPair) * (size_t) k * queries.n);
	sizes = calloc(queries.n, sizeof(int));
	jobs = VecAlloc(sizeof(GtJob) * nthreads);
	threads = VecAlloc(sizeof(pthread_t) * nthreads);
	if (sizes == NULL)
		VecDie("out of memory");
	for (t = 0; t < nthreads; t++)
	{
		jobs[t].base = &base;
		jobs[t].queries = &queries;
		jobs[t].metric = metric;
		jobs[t].k = k;
		jobs[t].first = queries.n * t / nthreads;
		jobs[t].last = queries.n * (t + 1) / nthreads;
		jobs[t].heaps = heaps;
		jobs[t].sizes = sizes;
		if (pthread_create(&threads[t], NULL, GtWorker, &jobs[t]) != 0)
			VecDie("could not start a thread");
	}
	for (t = 0; t < nthreads; t++)
		pthread_join(threads[t], NULL);

	out = fopen(outpath, "wb");
	if (out == NULL)
		VecDie("could not create \"%s\"", outpath);
	row = VecAlloc(sizeof(int) * k);
	for (q = 0; q < queries.n; q++)
	{
		GtPair	   *heap = heaps + (size_t) q * k;
		int			i;

		qsort(heap, sizes[q], sizeof(GtPair), GtComparePairs);
		for (i = 0; i < k; i++)
			row[i] = heap[i].id;
		VecWriteRow(out, outpath, row, k);
	}
	VecClose(out, outpath);
	return 0;
}
