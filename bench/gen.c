/*-------------------------------------------------------------------------
 *
 * gen.c
 *	  Deterministic generator of clustered test vectors (.fvecs).
 *
 * Vectors are drawn from a mixture of anisotropic Gaussian clusters whose
 * sizes follow a Zipf law, so the data has the structure of real embeddings
 * (dense regions of low intrinsic dimension, a few large topics and a long
 * tail of small ones) rather than uniform noise, on which no approximate
 * index reaches a useful recall.  The model, for a vector of cluster c:
 *
 *     x = mu_c + A_c (s * z) + noise * e
 *
 * mu_c ~ N(0, spread^2 I) is the cluster centre; A_c is a dim x rank matrix
 * of N(0, 1) entries (a random subspace per cluster); z ~ N(0, I_rank) and
 * e ~ N(0, I_dim); s_j = width / sqrt(j + 1) makes the spread along the
 * cluster's own axes decay, so every cluster is elongated (anisotropic).
 * Cluster c is chosen with probability proportional to 1 / (c + 1)^zipf.
 * With --normalize every vector is scaled to unit length (for cosine and
 * inner product).  Queries come from the same mixture with an independent
 * random stream, so they are near, but not in, the base set.
 *
 * The output depends only on the parameters (and on the C library's log,
 * sqrt and cos being deterministic, as glibc's are).
 *
 * Copyright (c) 2026, the zvec developers
 *
 * bench/gen.c
 *
 *-------------------------------------------------------------------------
 */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vecfile.h"

/* xoshiro256** state: a small, fast, well-tested generator. */
typedef struct GenRng
{
	uint64_t	s[4];
	int			have_spare;
	double		spare;
} GenRng;

/* Parameters of the mixture. */
typedef struct GenParams
{
	long		n;
	long		nqueries;
	int			dim;
	int			clusters;
	int			rank;
	double		zipf;
	double		spread;
	double		width;
	double		noise;
	int			normalize;
	uint64_t	seed;
} GenParams;

/* The mixture, once drawn. */
typedef struct GenModel
{
	float	   *centres;		/* clusters x dim */
	float	   *axes;			/* clusters x dim x rank */
	double	   *cdf;			/* cumulative cluster probabilities */
	double	   *scales;			/* rank: width / sqrt(j + 1) */
} GenModel;

/* Advance a splitmix64 state and return its next output (for seeding). */
static uint64_t
GenSplitMix(uint64_t *x)
{
	uint64_t	z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Seed a generator from a seed and a stream number. */
static void
GenRngInit(GenRng *rng, uint64_t seed, uint64_t stream)
{
	uint64_t	x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	int			i;

	for (i = 0; i < 4; i++)
		rng->s[i] = GenSplitMix(&x);
	rng->have_spare = 0;
}

/* Rotate a 64-bit word left. */
static inline uint64_t
GenRotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* Next 64 random bits. */
static uint64_t
GenNext(GenRng *rng)
{
	uint64_t   *s = rng->s;
	uint64_t	result = GenRotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = GenRotl(s[3], 45);
	return result;
}

/* Uniform double in (0, 1). */
static double
GenUniform(GenRng *rng)
{
	return ((GenNext(rng) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Standard normal deviate (Box-Muller, both outputs used). */
static double
GenNormal(GenRng *rng)
{
	double		r;
	double		t;

	if (rng->have_spare)
	{
		rng->have_spare = 0;
		return rng->spare;
	}
	r = sqrt(-2.0 * log(GenUniform(rng)));
	t = 2.0 * M_PI * GenUniform(rng);
	rng->spare = r * sin(t);
	rng->have_spare = 1;
	return r * cos(t);
}

/* Draw the cluster centres, axes and size distribution. */
static void
GenBuildModel(const GenParams *p, GenModel *m)
{
	GenRng		rng;
	size_t		i;
	int			c;
	double		total = 0.0;

	GenRngInit(&rng, p->seed, 0);
	m->centres = VecAlloc(sizeof(float) * p->clusters * p->dim);
	m->axes = VecAlloc(sizeof(float) * p->clusters * p->dim * p->rank);
	m->cdf = VecAlloc(sizeof(double) * p->clusters);
	m->scales = VecAlloc(sizeof(double) * p->rank);

	for (i = 0; i < (size_t) p->clusters * p->dim; i++)
		m->centres[i] = (float) (p->spread * GenNormal(&rng));
	for (i = 0; i < (size_t) p->clusters * p->dim * p->rank; i++)
		m->axes[i] = (float) GenNormal(&rng);
	for (c = 0; c < p->clusters; c++)
	{
		total += 1.0 / pow(c + 1.0, p->zipf);
		m->cdf[c] = total;
	}
	for (c = 0; c < p->clusters; c++)
		m->cdf[c] /= total;
	for (c = 0; c < p->rank; c++)
		m->scales[c] = p->width / sqrt(c + 1.0);
}

/* Pick a cluster by its Zipf weight. */
static int
GenPickCluster(const GenParams *p, const GenModel *m, GenRng *rng)
{
	double		u = GenUniform(rng);
	int			lo = 0;
	int			hi = p->clusters - 1;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (m->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Draw one vector of the mixture into out (dim floats). */
static void
GenDrawVector(const GenParams *p, const GenModel *m, GenRng *rng,
			  double *z, double *acc, float *out)
{
	int			c = GenPickCluster(p, m, rng);
	const float *centre = m->centres + (size_t) c * p->dim;
	const float *axes = m->axes + (size_t) c * p->dim * p->rank;
	double		norm = 0.0;
	int			i;
	int			j;

	for (j = 0; j < p->rank; j++)
		z[j] = m->scales[j] * GenNormal(rng);
	for (i = 0; i < p->dim; i++)
	{
		const float *row = axes + (size_t) i * p->rank;
		double		v = centre[i] + p->noise * GenNormal(rng);

		for (j = 0; j < p->rank; j++)
			v += row[j] * z[j];
		acc[i] = v;
		norm += v * v;
	}
	norm = sqrt(norm);
	for (i = 0; i < p->dim; i++)
		out[i] = (float) ((p->normalize && norm > 0.0) ? acc[i] / norm : acc[i]);
}

/* Write count vectors drawn with the random stream `stream` to path. */
static void
GenWriteSet(const GenParams *p, const GenModel *m, uint64_t stream,
			long count, const char *path)
{
	GenRng		rng;
	FILE	   *f;
	double	   *z = VecAlloc(sizeof(double) * p->rank);
	double	   *acc = VecAlloc(sizeof(double) * p->dim);
	float	   *row = VecAlloc(sizeof(float) * p->dim);
	long		i;

	f = fopen(path, "wb");
	if (f == NULL)
		VecDie("could not create \"%s\"", path);
	GenRngInit(&rng, p->seed, stream);
	for (i = 0; i < count; i++)
	{
		GenDrawVector(p, m, &rng, z, acc, row);
		VecWriteRow(f, path, row, p->dim);
		if (count >= 100000 && (i + 1) % (count / 10) == 0)
			fprintf(stderr, "gen: %s: %ld of %ld vectors\n", path, i + 1, count);
	}
	VecClose(f, path);
	free(z);
	free(acc);
	free(row);
}

/* Print usage and exit. */
static void
GenUsage(void)
{
	fprintf(stderr,
			"usage: gen -n N -d DIM -o BASE.fvecs [-q NQ -Q QUERY.fvecs] [options]\n"
			"  -n, --count N       base vectors to write\n"
			"  -d, --dim D         dimensions (1..%d)\n"
			"  -o, --base FILE     base .fvecs output\n"
			"  -q, --queries NQ    query vectors to write (default 1000)\n"
			"  -Q, --query-out F   query .fvecs output (no queries when absent)\n"
			"  -c, --clusters K    mixture components (default 100)\n"
			"  -z, --zipf S        cluster sizes ~ 1/(c+1)^S (default 1.0)\n"
			"  -r, --rank R        axes per cluster, the intrinsic dimension (default 16)\n"
			"  --spread F          std. dev. of cluster centres (default 1.0)\n"
			"  --width F           std. dev. along a cluster's first axis (default 0.5)\n"
			"  --noise F           isotropic noise std. dev. (default 0.1)\n"
			"  --normalize         scale every vector to unit length\n"
			"  -s, --seed N        random seed (default 42)\n",
			ZVEC_BENCH_MAX_DIM);
	exit(2);
}

/* Parse a positive long option or die. */
static long
GenParseLong(const char *arg, const char *name, long min, long max)
{
	char	   *end;
	long		v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < min || v > max)
		VecDie("invalid %s: \"%s\" (must be %ld..%ld)", name, arg, min, max);
	return v;
}

/* Parse a non-negative double option or die. */
static double
GenParseDouble(const char *arg, const char *name)
{
	char	   *end;
	double		v = strtod(arg, &end);

	if (*arg == '\0' || *end != '\0' || !(v >= 0.0) || isinf(v))
		VecDie("invalid %s: \"%s\"", name, arg);
	return v;
}

/* Parse options, draw the model, write base and queries. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"count", required_argument, NULL, 'n'},
		{"dim", required_argument, NULL, 'd'},
		{"base", required_argument, NULL, 'o'},
		{"queries", required_argument, NULL, 'q'},
		{"query-out", required_argument, NULL, 'Q'},
		{"clusters", required_argument, NULL, 'c'},
		{"zipf", required_argument, NULL, 'z'},
		{"rank", required_argument, NULL, 'r'},
		{"spread", required_argument, NULL, 1},
		{"width", required_argument, NULL, 2},
		{"noise", required_argument, NULL, 3},
		{"normalize", no_argument, NULL, 4},
		{"seed", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0}
	};
	GenParams	p;
	GenModel	m;
	const char *base = NULL;
	const char *queries = NULL;
	int			opt;

	memset(&p, 0, sizeof(p));
	p.n = -1;
	p.dim = -1;
	p.nqueries = 1000;
	p.clusters = 100;
	p.rank = 16;
	p.zipf = 1.0;
	p.spread = 1.0;
	p.width = 0.5;
	p.noise = 0.1;
	p.seed = 42;

	while ((opt = getopt_long(argc, argv, "n:d:o:q:Q:c:z:r:s:", longopts, NULL)) != -1)
	{
		switch (opt)
		{
			case 'n':
				p.n = GenParseLong(optarg, "count", 1, 1000000000L);
				break;
			case 'd':
				p.dim = (int) GenParseLong(optarg, "dim", 1, ZVEC_BENCH_MAX_DIM);
				break;
			case 'o':
				base = optarg;
				break;
			case 'q':
				p.nqueries = GenParseLong(optarg, "queries", 1, 100000000L);
				break;
			case 'Q':
				queries = optarg;
				break;
			case 'c':
				p.clusters = (int) GenParseLong(optarg, "clusters", 1, 1000000);
				break;
			case 'z':
				p.zipf = GenParseDouble(optarg, "zipf");
				break;
			case 'r':
				p.rank = (int) GenParseLong(optarg, "rank", 1, ZVEC_BENCH_MAX_DIM);
				break;
			case 1:
				p.spread = GenParseDouble(optarg, "spread");
				break;
			case 2:
				p.width = GenParseDouble(optarg, "width");
				break;
			case 3:
				p.noise = GenParseDouble(optarg, "noise");
				break;
			case 4:
				p.normalize = 1;
				break;
			case 's':
				p.seed = (uint64_t) strtoull(optarg, NULL, 10);
				break;
			default:
				GenUsage();
		}
	}
	if (p.n < 0 || p.dim < 0 || base == NULL || optind != argc)
		GenUsage();

	GenBuildModel(&p, &m);
	GenWriteSet(&p, &m, 1, p.n, base);
	if (queries != NULL)
		GenWriteSet(&p, &m, 2, p.nqueries, queries);
	return 0;
}
