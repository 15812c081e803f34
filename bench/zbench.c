/*-------------------------------------------------------------------------
 *
 * zbench.c
 *	  libpq client of the benchmark driver: load, insert, query, exec.
 *
 * One small program does every timed client-side step of bench/run, so
 * zvec and pgvector are driven the same way:
 *
 *   load    COPY rows [from, to) of an .fvecs file into a table in binary
 *           format (id bigint, embedding vector), ids = 0-based file rows.
 *   insert  the same rows one INSERT per statement (prepared, autocommit),
 *           reporting rows per second.
 *   query   every query of an .fvecs file through a prepared
 *           "SELECT id ... ORDER BY embedding <op> $1 LIMIT k", from one or
 *           more clients (one connection and thread each), repeated until
 *           a minimum time has passed; reports recall@k against an .ivecs
 *           ground truth, QPS and latency percentiles.  -S statements run
 *           before PREPARE; -G name=value settings after it, each checked
 *           with current_setting() so a lost setting fails the run.  The
 *           plan in use after the warm-up (EXPLAIN EXECUTE) is reported.
 *   exec    run SQL statements in one fresh session and time the last one;
 *           reports the backend's peak resident memory (VmHWM) and that of
 *           any parallel workers it started, sampled from /proc.
 *
 * Each run prints one JSON object on stdout; -j key=value adds labels.
 * Vectors travel in the binary send/recv format shared by zvec and
 * pgvector: int16 dimensions, int16 unused, float4 values, big-endian.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * bench/zbench.c
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libpq-fe.h"
#include "vecfile.h"

/* Most -S / -e / -j options accepted. */
#define ZB_MAX_ARGS 32

/* Bytes of COPY data sent to the server at a time. */
#define ZB_COPY_CHUNK (1024 * 1024)

/* Interval between /proc samples of parallel workers, microseconds. */
#define ZB_SAMPLE_US 20000

/* Type OID of bigint. */
#define ZB_INT8OID 20

/* Command-line settings shared by all modes. */
typedef struct ZbOptions
{
	const char *mode;
	const char *conninfo;
	const char *table;
	const char *vectors;		/* .fvecs: base rows or queries */
	const char *truth;			/* .ivecs */
	const char *op;
	long		from;
	long		to;
	int			k;
	int			clients;
	double		min_seconds;
	int			exclude_mod;	/* ids with id % mod == rem were deleted */
	int			exclude_rem;
	int			nsets;
	const char *sets[ZB_MAX_ARGS];
	int			nlabels;
	const char *labels[ZB_MAX_ARGS];
	int			ngucs;
	const char *gucs[ZB_MAX_ARGS];	/* name=value, set after PREPARE */
} ZbOptions;

/* A growable array of latencies in milliseconds. */
typedef struct ZbTimes
{
	double	   *v;
	long		n;
	long		cap;
} ZbTimes;

/* State of one query client. */
typedef struct ZbClient
{
	const ZbOptions *opt;
	const VecSet *queries;
	const VecSet *truth;
	char	  **params;			/* binary vector per query */
	int			paramlen;
	int			index;
	pthread_barrier_t *barrier;
	volatile double *shared_deadline;	/* set by client 0 after warm-up */
	long		executed;
	double		recall_sum;
	long		recall_n;
	double		finished;
	ZbTimes		times;
	char		plan[256];		/* client 0: the plan's first two nodes */
	char		error[512];
} ZbClient;

/* State of the /proc sampler of exec mode. */
typedef struct ZbSampler
{
	int			leader;
	volatile int stop;
	int			npids;
	int			pids[64];
	long		hwm[64];
} ZbSampler;

/* Seconds on the monotonic clock. */
static double
ZbNow(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Append one latency. */
static void
ZbTimesAdd(ZbTimes *t, double ms)
{
	if (t->n == t->cap)
	{
		t->cap = t->cap ? t->cap * 2 : 4096;
		t->v = realloc(t->v, sizeof(double) * t->cap);
		if (t->v == NULL)
			VecDie("out of memory");
	}
	t->v[t->n++] = ms;
}

/* Order doubles ascending, for qsort. */
static int
ZbCompareDouble(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* The p-th percentile (0..100) of sorted latencies, nearest rank. */
static double
ZbPercentile(const ZbTimes *t, double p)
{
	long		i;

	if (t->n == 0)
		return 0.0;
	i = (long) (p / 100.0 * t->n + 0.999999) - 1;
	if (i < 0)
		i = 0;
	if (i >= t->n)
		i = t->n - 1;
	return t->v[i];
}

/* Open a connection or die with the server's message. */
static PGconn *
ZbConnect(const ZbOptions *opt)
{
	PGconn	   *conn = PQconnectdb(opt->conninfo);

	if (PQstatus(conn) != CONNECTION_OK)
		VecDie("could not connect: %s", PQerrorMessage(conn));
	return conn;
}

/* Run a statement that returns no rows, or die. */
static void
ZbCommand(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		VecDie("%s: %s", sql, PQerrorMessage(conn));
	PQclear(res);
}

/* Encode a vector in the binary send format into buf (4 + 4 * dim bytes). */
static void
ZbEncodeVector(const float *v, int dim, char *buf)
{
	uint16_t	d = htons((uint16_t) dim);
	uint16_t	unused = 0;
	int			i;

	memcpy(buf, &d, 2);
	memcpy(buf + 2, &unused, 2);
	for (i = 0; i < dim; i++)
	{
		uint32_t	w;

		memcpy(&w, &v[i], 4);
		w = htonl(w);
		memcpy(buf + 4 + 4 * i, &w, 4);
	}
}

/* Print the labels and open the JSON object; the caller adds the rest. */
static void
ZbJsonBegin(const ZbOptions *opt)
{
	int			i;

	printf("{\"mode\":\"%s\"", opt->mode);
	for (i = 0; i < opt->nlabels; i++)
	{
		const char *eq = strchr(opt->labels[i], '=');

		if (eq == NULL)
			VecDie("label \"%s\" is not key=value", opt->labels[i]);
		printf(",\"%.*s\":\"%s\"", (int) (eq - opt->labels[i]), opt->labels[i], eq + 1);
	}
}

/* load: COPY rows [from, to) in binary format. */
static void
ZbLoad(const ZbOptions *opt)
{
	VecSet		base;
	PGconn	   *conn = ZbConnect(opt);
	PGresult   *res;
	char		sql[512];
	char	   *buf;
	size_t		used = 0;
	size_t		rowbytes;
	long		i;
	double		start;
	double		seconds;
	static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

	VecReadFvecs(opt->vectors, opt->to, &base);
	if (opt->from < 0 || opt->from > base.n)
		VecDie("--from %ld is beyond the %ld rows of \"%s\"", opt->from, base.n, opt->vectors);
	rowbytes = 2 + 4 + 8 + 4 + 4 + 4 * (size_t) base.dim;
	buf = VecAlloc(ZB_COPY_CHUNK + rowbytes + sizeof(header));

	start = ZbNow();
	snprintf(sql, sizeof(sql), "COPY %s (id, embedding) FROM STDIN (FORMAT binary)", opt->table);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		VecDie("%s: %s", sql, PQerrorMessage(conn));
	PQclear(res);
	memcpy(buf, header, sizeof(header));
	used = sizeof(header);
	for (i = opt->from; i < base.n; i++)
	{
		uint16_t	nfields = htons(2);
		uint32_t	len8 = htonl(8);
		uint32_t	lenv = htonl(4 + 4 * base.dim);
		uint32_t	hi = htonl((uint32_t) ((uint64_t) i >> 32));
		uint32_t	lo = htonl((uint32_t) i);
		char	   *p = buf + used;

		memcpy(p, &nfields, 2);
		memcpy(p + 2, &len8, 4);
		memcpy(p + 6, &hi, 4);
		memcpy(p + 10, &lo, 4);
		memcpy(p + 14, &lenv, 4);
		ZbEncodeVector(VecFloatRow(&base, i), base.dim, p + 18);
		used += rowbytes;
		if (used >= ZB_COPY_CHUNK)
		{
			if (PQputCopyData(conn, buf, (int) used) != 1)
				VecDie("COPY failed: %s", PQerrorMessage(conn));
			used = 0;
		}
	}
	{
		uint16_t	trailer = htons(0xffff);

		memcpy(buf + used, &trailer, 2);
		used += 2;
	}
	if (PQputCopyData(conn, buf, (int) used) != 1 || PQputCopyEnd(conn, NULL) != 1)
		VecDie("COPY failed: %s", PQerrorMessage(conn));
	res = PQgetResult(conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		VecDie("COPY failed: %s", PQerrorMessage(conn));
	PQclear(res);
	seconds = ZbNow() - start;

	ZbJsonBegin(opt);
	printf(",\"rows\":%ld,\"seconds\":%.6f,\"rows_per_s\":%.1f}\n",
		   base.n - opt->from, seconds, (base.n - opt->from) / seconds);
	PQfinish(conn);
}

/* insert: rows [from, to), one prepared INSERT per statement. */
static void
ZbInsert(const ZbOptions *opt)
{
	VecSet		base;
	PGconn	   *conn = ZbConnect(opt);
	PGresult   *res;
	Oid			types[2] = {ZB_INT8OID, 0};
	int			formats[2] = {1, 1};
	int			lengths[2];
	const char *values[2];
	char		sql[512];
	char	   *vbuf;
	ZbTimes		times = {NULL, 0, 0};
	long		i;
	double		start;
	double		seconds;
	int			s;

	VecReadFvecs(opt->vectors, opt->to, &base);
	if (opt->from < 0 || opt->from >= base.n)
		VecDie("--from %ld is beyond the %ld rows of \"%s\"", opt->from, base.n, opt->vectors);
	for (s = 0; s < opt->nsets; s++)
		ZbCommand(conn, opt->sets[s]);
	snprintf(sql, sizeof(sql), "INSERT INTO %s (id, embedding) VALUES ($1, $2)", opt->table);
	res = PQprepare(conn, "ins", sql, 2, types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		VecDie("%s: %s", sql, PQerrorMessage(conn));
	PQclear(res);
	vbuf = VecAlloc(4 + 4 * (size_t) base.dim);
	lengths[0] = 8;
	lengths[1] = 4 + 4 * base.dim;

	start = ZbNow();
	for (i = opt->from; i < base.n; i++)
	{
		uint32_t	idbuf[2];
		double		t0 = ZbNow();

		idbuf[0] = htonl((uint32_t) ((uint64_t) i >> 32));
		idbuf[1] = htonl((uint32_t) i);
		ZbEncodeVector(VecFloatRow(&base, i), base.dim, vbuf);
		values[0] = (const char *) idbuf;
		values[1] = vbuf;
		res = PQexecPrepared(conn, "ins", 2, values, lengths, formats, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			VecDie("insert of row %ld failed: %s", i, PQerrorMessage(conn));
		PQclear(res);
		ZbTimesAdd(&times, (ZbNow() - t0) * 1000.0);
		if ((i - opt->from + 1) % 10000 == 0)
			fprintf(stderr, "zbench: inserted %ld of %ld rows\n", i - opt->from + 1, base.n - opt->from);
	}
	seconds = ZbNow() - start;
	qsort(times.v, times.n, sizeof(double), ZbCompareDouble);

	ZbJsonBegin(opt);
	printf(",\"rows\":%ld,\"seconds\":%.6f,\"rows_per_s\":%.1f,\"p50_ms\":%.4f,\"p99_ms\":%.4f}\n",
		   base.n - opt->from, seconds, (base.n - opt->from) / seconds,
		   ZbPercentile(&times, 50), ZbPercentile(&times, 99));
	PQfinish(conn);
}

/* Recall of one result against the truth row of query q. */
static double
ZbRecall(const ZbClient *c, long q, PGresult *res)
{
	const int  *truth = VecIntRow(c->truth, q);
	int			k = c->opt->k;
	int			want[1024];
	int			nwant = 0;
	int			hits = 0;
	int			i;
	int			j;

	for (i = 0; i < c->truth->dim && nwant < k; i++)
	{
		if (c->opt->exclude_mod > 0 && truth[i] % c->opt->exclude_mod == c->opt->exclude_rem)
			continue;
		want[nwant++] = truth[i];
	}
	if (nwant == 0)
		return 1.0;
	for (i = 0; i < PQntuples(res) && i < k; i++)
	{
		long		id = strtol(PQgetvalue(res, i, 0), NULL, 10);

		for (j = 0; j < nwant; j++)
		{
			if (want[j] == id)
			{
				hits++;
				break;
			}
		}
	}
	return (double) hits / nwant;
}

/* Run query q once on conn; returns false and fills c->error on failure. */
static int
ZbRunQuery(ZbClient *c, PGconn *conn, long q, int timed)
{
	const char *values[1];
	int			lengths[1];
	int			formats[1] = {1};
	PGresult   *res;
	double		t0 = ZbNow();

	values[0] = c->params[q];
	lengths[0] = c->paramlen;
	res = PQexecPrepared(conn, "knn", 1, values, lengths, formats, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		snprintf(c->error, sizeof(c->error), "query %ld: %s", q, PQerrorMessage(conn));
		PQclear(res);
		return 0;
	}
	if (timed)
	{
		ZbTimesAdd(&c->times, (ZbNow() - t0) * 1000.0);
		c->recall_sum += ZbRecall(c, q, res);
		c->recall_n++;
		c->executed++;
	}
	PQclear(res);
	return 1;
}

/*
 * Set a GUC given as name=value and check that it took effect; on failure
 * write a message into err.  Preparing the query first has loaded the
 * extension, so its settings are defined by the time this runs.
 */
static void
ZbSetGuc(PGconn *conn, const char *assignment, char *err, size_t errlen)
{
	const char *eq = strchr(assignment, '=');
	char		name[128];
	const char *values[2];
	PGresult   *res;

	if (eq == NULL || eq - assignment >= (long) sizeof(name))
	{
		snprintf(err, errlen, "-G wants NAME=VALUE, got \"%.200s\"", assignment);
		return;
	}
	memcpy(name, assignment, eq - assignment);
	name[eq - assignment] = '\0';
	values[0] = name;
	values[1] = eq + 1;
	res = PQexecParams(conn, "SELECT set_config($1, $2, false), current_setting($1)",
					   2, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		snprintf(err, errlen, "setting %.100s: %.300s", name, PQerrorMessage(conn));
	else if (strcmp(PQgetvalue(res, 0, 1), eq + 1) != 0)
		snprintf(err, errlen, "%.100s is \"%.100s\" after setting it to \"%.100s\"",
				 name, PQgetvalue(res, 0, 1), eq + 1);
	PQclear(res);
}

/*
 * Write into c->plan the first two plan nodes that EXPLAIN EXECUTE shows for
 * query 0, that is the plan the prepared statement uses now (after the
 * warm-up, the plan cache has chosen between custom and generic plans).
 */
static void
ZbExplain(ZbClient *c, PGconn *conn)
{
	const float *v = VecFloatRow(c->queries, 0);
	int			dim = c->queries->dim;
	size_t		cap = 64 + (size_t) dim * 18;
	char	   *sql = VecAlloc(cap);
	size_t		len;
	PGresult   *res;
	int			i;

	len = snprintf(sql, cap, "EXPLAIN (COSTS OFF) EXECUTE knn('[");
	for (i = 0; i < dim; i++)
		len += snprintf(sql + len, cap - len, "%s%.9g", i ? "," : "", v[i]);
	snprintf(sql + len, cap - len, "]')");
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		snprintf(c->error, sizeof(c->error), "EXPLAIN EXECUTE: %.300s", PQerrorMessage(conn));
	else
	{
		c->plan[0] = '\0';
		for (i = 0; i < PQntuples(res) && i < 2; i++)
		{
			const char *line = PQgetvalue(res, i, 0);
			size_t		used = strlen(c->plan);

			while (*line == ' ' || *line == '-' || *line == '>')
				line++;
			snprintf(c->plan + used, sizeof(c->plan) - used, "%s%s", i ? " -> " : "", line);
		}
		for (i = 0; c->plan[i] != '\0'; i++)
		{
			if (c->plan[i] == '"' || c->plan[i] == '\\')
				c->plan[i] = '\'';
		}
	}
	PQclear(res);
	free(sql);
}

/* Thread body of one query client. */
static void *
ZbClientMain(void *arg)
{
	ZbClient   *c = arg;
	const ZbOptions *opt = c->opt;
	long		nq = c->queries->n;
	long		first = nq * c->index / opt->clients;
	long		last = nq * (c->index + 1) / opt->clients;
	long		slice = last - first;
	PGconn	   *conn;
	PGresult   *res;
	char		sql[512];
	long		q;
	int			s;

	conn = PQconnectdb(opt->conninfo);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		snprintf(c->error, sizeof(c->error), "could not connect: %s", PQerrorMessage(conn));
		pthread_barrier_wait(c->barrier);
		pthread_barrier_wait(c->barrier);
		return NULL;
	}
	for (s = 0; s < opt->nsets; s++)
	{
		res = PQexec(conn, opt->sets[s]);
		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
			snprintf(c->error, sizeof(c->error), "%.200s: %.300s", opt->sets[s], PQerrorMessage(conn));
		PQclear(res);
	}
	snprintf(sql, sizeof(sql), "SELECT id FROM %s ORDER BY embedding %s $1 LIMIT %d",
			 opt->table, opt->op, opt->k);
	res = PQprepare(conn, "knn", sql, 1, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && c->error[0] == '\0')
		snprintf(c->error, sizeof(c->error), "%.200s: %.300s", sql, PQerrorMessage(conn));
	PQclear(res);
	for (s = 0; s < opt->ngucs && c->error[0] == '\0'; s++)
		ZbSetGuc(conn, opt->gucs[s], c->error, sizeof(c->error));

	/* warm-up: this client's share of one pass, untimed */
	for (q = first; q < last && c->error[0] == '\0'; q++)
		ZbRunQuery(c, conn, q, 0);

	if (c->index == 0 && c->error[0] == '\0')
		ZbExplain(c, conn);

	pthread_barrier_wait(c->barrier);
	if (c->index == 0)
		*c->shared_deadline = ZbNow() + opt->min_seconds;
	pthread_barrier_wait(c->barrier);

	/* timed: cycle from this client's first query until the deadline */
	q = first;
	while (c->error[0] == '\0')
	{
		if (c->executed >= (slice > 0 ? slice : 1) && ZbNow() >= *c->shared_deadline)
			break;
		if (!ZbRunQuery(c, conn, q, 1))
			break;
		if (++q == nq)
			q = 0;
	}
	c->finished = ZbNow();
	PQfinish(conn);
	return NULL;
}

/* query: recall, QPS and latency from opt->clients concurrent clients. */
static void
ZbQuery(const ZbOptions *opt)
{
	VecSet		queries;
	VecSet		truth;
	ZbClient   *clients;
	pthread_t  *threads;
	pthread_barrier_t barrier;
	volatile double deadline = 0.0;
	char	  **params;
	ZbTimes		all = {NULL, 0, 0};
	double		start;
	double		end = 0.0;
	double		total_ms = 0.0;
	double		recall_sum = 0.0;
	long		recall_n = 0;
	long		executed = 0;
	long		q;
	int			i;

	VecReadFvecs(opt->vectors, -1, &queries);
	VecRead(opt->truth, 4, -1, &truth);
	if (truth.n < queries.n)
		VecDie("\"%s\" has %ld rows for %ld queries", opt->truth, truth.n, queries.n);
	if (opt->k > truth.dim || opt->k > 1024)
		VecDie("k=%d is more than the %d neighbours of \"%s\"", opt->k, truth.dim, opt->truth);

	params = VecAlloc(sizeof(char *) * queries.n);
	for (q = 0; q < queries.n; q++)
	{
		params[q] = VecAlloc(4 + 4 * (size_t) queries.dim);
		ZbEncodeVector(VecFloatRow(&queries, q), queries.dim, params[q]);
	}

	clients = calloc(opt->clients, sizeof(ZbClient));
	threads = VecAlloc(sizeof(pthread_t) * opt->clients);
	if (clients == NULL)
		VecDie("out of memory");
	pthread_barrier_init(&barrier, NULL, opt->clients + 1);
	for (i = 0; i < opt->clients; i++)
	{
		clients[i].opt = opt;
		clients[i].queries = &queries;
		clients[i].truth = &truth;
		clients[i].params = params;
		clients[i].paramlen = 4 + 4 * queries.dim;
		clients[i].index = i;
		clients[i].barrier = &barrier;
		clients[i].shared_deadline = &deadline;
		if (pthread_create(&threads[i], NULL, ZbClientMain, &clients[i]) != 0)
			VecDie("could not start a client thread");
	}
	pthread_barrier_wait(&barrier);
	start = ZbNow();
	pthread_barrier_wait(&barrier);
	for (i = 0; i < opt->clients; i++)
	{
		ZbClient   *c = &clients[i];
		long		j;

		pthread_join(threads[i], NULL);
		if (c->error[0] != '\0')
			VecDie("client %d: %s", i, c->error);
		if (c->finished > end)
			end = c->finished;
		executed += c->executed;
		recall_sum += c->recall_sum;
		recall_n += c->recall_n;
		for (j = 0; j < c->times.n; j++)
		{
			ZbTimesAdd(&all, c->times.v[j]);
			total_ms += c->times.v[j];
		}
	}
	qsort(all.v, all.n, sizeof(double), ZbCompareDouble);

	ZbJsonBegin(opt);
	printf(",\"clients\":%d,\"queries\":%ld,\"executed\":%ld,\"seconds\":%.6f,"
		   "\"recall\":%.5f,\"qps\":%.1f,\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"mean_ms\":%.4f,"
		   "\"plan\":\"%s\"}\n",
		   opt->clients, queries.n, executed, end - start,
		   recall_n ? recall_sum / recall_n : 0.0, executed / (end - start),
		   ZbPercentile(&all, 50), ZbPercentile(&all, 99),
		   all.n ? total_ms / all.n : 0.0, clients[0].plan);
}

/* VmHWM of a process in kB, or -1 when it cannot be read. */
static long
ZbReadHwm(int pid)
{
	char		path[64];
	char		line[256];
	FILE	   *f;
	long		kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
	{
		if (strncmp(line, "VmHWM:", 6) == 0)
		{
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* Thread body: track the peak memory of the leader's parallel workers. */
static void *
ZbSamplerMain(void *arg)
{
	ZbSampler  *s = arg;
	char		needle[64];

	snprintf(needle, sizeof(needle), "parallel worker for PID %d", s->leader);
	while (!s->stop)
	{
		DIR		   *dir = opendir("/proc");
		struct dirent *de;

		while (dir != NULL && (de = readdir(dir)) != NULL)
		{
			char		path[300];
			char		cmd[256];
			FILE	   *f;
			size_t		n;
			int			pid = atoi(de->d_name);
			int			i;
			long		hwm;

			if (pid <= 0)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
			f = fopen(path, "r");
			if (f == NULL)
				continue;
			n = fread(cmd, 1, sizeof(cmd) - 1, f);
			fclose(f);
			cmd[n] = '\0';
			if (strstr(cmd, needle) == NULL)
				continue;
			hwm = ZbReadHwm(pid);
			for (i = 0; i < s->npids && s->pids[i] != pid; i++)
				;
			if (i == s->npids)
			{
				if (s->npids == 64)
					continue;
				s->pids[s->npids] = pid;
				s->hwm[s->npids++] = 0;
			}
			if (hwm > s->hwm[i])
				s->hwm[i] = hwm;
		}
		if (dir != NULL)
			closedir(dir);
		usleep(ZB_SAMPLE_US);
	}
	return NULL;
}

/* exec: run statements in one session, time the last, report memory. */
static void
ZbExec(const ZbOptions *opt)
{
	PGconn	   *conn = ZbConnect(opt);
	ZbSampler	sampler;
	pthread_t	thread;
	long		before;
	long		after;
	long		workers = 0;
	double		start;
	double		seconds;
	int			i;

	if (opt->nsets == 0)
		VecDie("exec needs at least one -e statement");
	for (i = 0; i < opt->nsets - 1; i++)
		ZbCommand(conn, opt->sets[i]);

	memset(&sampler, 0, sizeof(sampler));
	sampler.leader = PQbackendPID(conn);
	before = ZbReadHwm(sampler.leader);
	if (pthread_create(&thread, NULL, ZbSamplerMain, &sampler) != 0)
		VecDie("could not start the sampler thread");
	start = ZbNow();
	ZbCommand(conn, opt->sets[opt->nsets - 1]);
	seconds = ZbNow() - start;
	sampler.stop = 1;
	pthread_join(thread, NULL);
	after = ZbReadHwm(sampler.leader);
	for (i = 0; i < sampler.npids; i++)
		workers += sampler.hwm[i];

	ZbJsonBegin(opt);
	printf(",\"seconds\":%.6f,\"hwm_before_kb\":%ld,\"hwm_kb\":%ld,"
		   "\"workers\":%d,\"workers_hwm_kb\":%ld}\n",
		   seconds, before, after, sampler.npids, workers);
	PQfinish(conn);
}

/* Print usage and exit. */
static void
ZbUsage(void)
{
	fprintf(stderr,
			"usage: zbench MODE -d CONNINFO [options]\n"
			"  load   -t TABLE -f BASE.fvecs [--from A] [--to B]\n"
			"  insert -t TABLE -f BASE.fvecs --from A [--to B] [-S SQL]...\n"
			"  query  -t TABLE -f QUERY.fvecs -g TRUTH.ivecs [-k 10] [-o '<->']\n"
			"         [-c CLIENTS] [-T MIN_SECONDS] [-x MOD:REM] [-S SQL]... [-G NAME=VALUE]...\n"
			"  exec   -e SQL [-e SQL]...   (the last statement is timed)\n"
			"  every mode: -j KEY=VALUE adds a label to the JSON output\n");
	exit(2);
}

/* Parse the command line and run the mode. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"from", required_argument, NULL, 1},
		{"to", required_argument, NULL, 2},
		{NULL, 0, NULL, 0}
	};
	ZbOptions	opt;
	int			c;

	if (argc < 2)
		ZbUsage();
	memset(&opt, 0, sizeof(opt));
	opt.mode = argv[1];
	opt.conninfo = "";
	opt.table = "items";
	opt.op = "<->";
	opt.to = -1;
	opt.k = 10;
	opt.clients = 1;
	opt.min_seconds = 2.0;
	optind = 2;
	while ((c = getopt_long(argc, argv, "d:t:f:g:o:k:c:T:x:S:e:j:G:", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				opt.conninfo = optarg;
				break;
			case 't':
				opt.table = optarg;
				break;
			case 'f':
				opt.vectors = optarg;
				break;
			case 'g':
				opt.truth = optarg;
				break;
			case 'o':
				opt.op = optarg;
				break;
			case 'k':
				opt.k = atoi(optarg);
				break;
			case 'c':
				opt.clients = atoi(optarg);
				break;
			case 'T':
				opt.min_seconds = atof(optarg);
				break;
			case 'x':
				if (sscanf(optarg, "%d:%d", &opt.exclude_mod, &opt.exclude_rem) != 2 ||
					opt.exclude_mod < 1)
					VecDie("-x wants MOD:REM, got \"%s\"", optarg);
				break;
			case 'S':
			case 'e':
				if (opt.nsets == ZB_MAX_ARGS)
					VecDie("too many -S/-e options");
				opt.sets[opt.nsets++] = optarg;
				break;
			case 'G':
				if (opt.ngucs == ZB_MAX_ARGS)
					VecDie("too many -G options");
				opt.gucs[opt.ngucs++] = optarg;
				break;
			case 'j':
				if (opt.nlabels == ZB_MAX_ARGS)
					VecDie("too many -j options");
				opt.labels[opt.nlabels++] = optarg;
				break;
			case 1:
				opt.from = atol(optarg);
				break;
			case 2:
				opt.to = atol(optarg);
				break;
			default:
				ZbUsage();
		}
	}
	if (optind != argc || opt.k < 1 || opt.clients < 1 || opt.clients > 256)
		ZbUsage();
	if (strcmp(opt.mode, "exec") != 0 && opt.vectors == NULL)
		ZbUsage();

	if (strcmp(opt.mode, "load") == 0)
		ZbLoad(&opt);
	else if (strcmp(opt.mode, "insert") == 0)
		ZbInsert(&opt);
	else if (strcmp(opt.mode, "query") == 0)
	{
		if (opt.truth == NULL)
			ZbUsage();
		ZbQuery(&opt);
	}
	else if (strcmp(opt.mode, "exec") == 0)
		ZbExec(&opt);
	else
		ZbUsage();
	return 0;
}
