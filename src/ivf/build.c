/*-------------------------------------------------------------------------
 *
 * build.c
 *	  Building an IVF index: sample, cluster, assign, write.
 *
 * Before reading a row, the memory the build will need is estimated from
 * the table's expected size and reserved with the memory governor, which
 * fails at once with SQLSTATE 53200 if it does not fit zvec.memory_quota
 * or the cap: the sample (its vectors), the k-means state, the centroids
 * and one segment buffer per list.  Then, in four phases reported in
 * pg_stat_progress_create_index:
 *
 * 1. Sampling.  One pass over the table draws a uniform random sample of
 *    the indexable rows by reservoir sampling (algorithm R): the first
 *    S rows fill the reservoir, and row t > S replaces a random one with
 *    probability S / t; a row's vector is read (and detoasted) only when
 *    it goes into the reservoir.  S is IVF_SAMPLE_PER_LIST (64) rows per
 *    list, at least IVF_SAMPLE_MIN (4,096), so every row of a table of up
 *    to that many rows is used (100 lists: 6,400 rows).  The pass also
 *    counts the rows, from which the number of lists is chosen when the
 *    lists option is not given: rows / 1000 up to a million rows,
 *    sqrt(rows) beyond, at least 1.
 *    For cosine and inner-product indexes the sampled vectors are scaled
 *    to unit length (spherical k-means); sampled rows that are not
 *    indexable (zero vectors under cosine) are dropped from the sample,
 *    and the rows counted scaled by their share.
 * 2. k-means (kmeans.c) turns the sample into the centroids.  A table
 *    with fewer distinct sampled vectors than lists gets one list per
 *    distinct vector; an empty table gets one list.
 * 3. Assigning.  A second pass over the table puts every row into the
 *    list of its nearest centroid.  Rows are gathered in batches of up to
 *    IVF_BUILD_BATCH_ROWS, and a batch is measured against all centroids
 *    at once by IvfNearestFind() with the blocked dot-product kernel
 *    (ip_block), which loads each register of a vector once for several
 *    centroids and of a centroid once for several vectors: at 768
 *    dimensions about 15 ns per pair against 65-70 ns for one distance
 *    call per pair.  Each list fills a segment buffer in memory, and a
 *    full buffer is appended to the store at once, chained
 *    to the list's previous segment, so memory stays at one record per
 *    list whatever the table's size.
 * 4. Writing.  The partly filled segments follow (each becomes its
 *    list's first segment, where inserts go next), then the directory
 *    records, then the metapage; StoreBulkFinish() makes the index
 *    durable in one step.
 *
 * The build answers interrupts in every loop, k-means included.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/ivf/build.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/tableam.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "utils/memutils.h"

#include "ivf/ivf.h"
#include "memory/memory.h"

/* The seed of the reservoir sampler, so the same rows give the same index. */
#define IVF_SAMPLE_SEED		UINT64CONST(0x7A7665632D736D70)

/* Fewest samples the reservoir is first sized for. */
#define IVF_SAMPLE_MIN_CAPACITY	1024

/*
 * Rows the assignment gathers before measuring them against the centroids
 * (a multiple of the AVX-512 and AVX2 tile heights, 6 and 2 rows) ...
 */
#define IVF_BUILD_BATCH_ROWS	60

/* ... unless their vectors would take more than this. */
#define IVF_BUILD_BATCH_BYTES	(1024 * 1024)

/* Everything the build keeps between rows. */
typedef struct IvfBuildState
{
	Relation	heap;
	Relation	index;
	ZvecIndex  *zi;
	IvfLayout	layout;
	bool		spherical;

	MemoryContext cxt;			/* accounted by the governor */
	MemoryContext tuple_cxt;	/* per row, reset after each */

	/* sampling */
	pg_prng_state rng;
	float	   *samples;		/* nsamples vectors, row after row */
	bool	   *filled;			/* per slot: holds an indexable vector */
	int			nsamples;
	int			capacity;		/* vectors the reservoir has room for */
	int			target;			/* the sample size wanted */
	double		seen;			/* indexable rows seen */

	/* the lists */
	int			nlists;
	float	   *centroids;		/* nlists vectors */

	/* the batched assignment (IvfBuildAssignBegin) */
	IvfNearest	nearest;		/* finds the nearest centroids */
	int			batch_rows;		/* rows a batch has room for */
	int			nbatch;			/* rows in the batch */
	float	   *batch;			/* their vectors */
	ItemPointerData *batch_tids;	/* their heap TIDs */
	int		   *batch_best;		/* their lists */

	/* assigning and writing */
	Store	   *store;
	char	  **segments;		/* per list: the segment being filled */
	StoreSlot  *last;			/* per list: the last segment written */

	double		reltuples;		/* rows seen by the last pass */
	double		indtuples;		/* entries written */
	double		estimate;		/* rows expected */
} IvfBuildState;

/* The default number of lists for a table of this many rows. */
int
IvfDefaultLists(double rows)
{
	double		lists;

	if (rows <= IVF_DEFAULT_SQRT_ABOVE)
		lists = rows / IVF_DEFAULT_ROWS_PER_LIST;
	else
		lists = sqrt(rows);
	return (int) Max(1, Min(lists, (double) IVF_MAX_LISTS));
}

/* Rows the table is expected to hold, for sizing and progress. */
static double
IvfBuildEstimateRows(Relation heap)
{
	BlockNumber pages;
	double		tuples;
	double		allvisfrac;

	estimate_rel_size(heap, NULL, &pages, &tuples, &allvisfrac);
	return Max(tuples, 0);
}

/* The sample size wanted for an index of this many lists. */
static int
IvfBuildSampleTarget(int lists, int dims)
{
	double		target = Max((double) lists * IVF_SAMPLE_PER_LIST, IVF_SAMPLE_MIN);

	/* one allocation holds the whole sample */
	target = Min(target, (double) MaxAllocHugeSize / 2 / (sizeof(float) * dims));
	return (int) Min(target, (double) (PG_INT32_MAX / 2));
}

/* Rows an assignment batch holds for vectors of this many bytes. */
static int
IvfBuildBatchRows(const IvfLayout *layout)
{
	return Max(1, Min(IVF_BUILD_BATCH_ROWS,
					  IVF_BUILD_BATCH_BYTES / (int) layout->vector_bytes));
}

/*
 * Memory the build needs for a sample of nsamples vectors and lists
 * lists: the sample (if with_sample), k-means' own state, the centroids
 * (twice: as they are and moved for the assignment), one segment buffer
 * per list and the assignment batch, plus a sixteenth for allocator
 * overhead.  There are never more lists than samples (or one, without
 * samples).
 */
static Size
IvfBuildEstimateMemory(const IvfLayout *layout, int nsamples, int lists,
					   bool with_sample)
{
	double		bytes = 0;

	lists = Max(1, Min(lists, nsamples));
	if (with_sample)
		bytes += (double) nsamples * (layout->vector_bytes + sizeof(bool));
	bytes += IvfKmeansEstimateMemory(nsamples, layout->dims, lists);
	bytes += (double) lists * layout->vector_bytes;
	bytes += (double) lists * (layout->record_size + sizeof(char *) + sizeof(StoreSlot));
	bytes += IvfNearestEstimateMemory(lists, layout->dims, IvfBuildBatchRows(layout));
	bytes += (double) IvfBuildBatchRows(layout) *
		(layout->vector_bytes + sizeof(ItemPointerData) + sizeof(int));
	bytes += 64 * 1024;
	bytes += bytes / 16;
	return (Size) Min(bytes, (double) MaxAllocHugeSize);
}

/* Make room for more samples, asking the governor first. */
static void
IvfBuildGrowSample(IvfBuildState *bs, int capacity)
{
	MemoryContext old;

	capacity = Min(capacity, bs->target);
	if (capacity <= bs->capacity)
		return;
	GovernorGrow(bs->cxt, (Size) (capacity - bs->capacity) *
				 (bs->layout.vector_bytes + sizeof(bool)));
	old = MemoryContextSwitchTo(bs->cxt);
	if (bs->samples == NULL)
	{
		bs->samples = palloc_extended(bs->layout.vector_bytes * capacity, MCXT_ALLOC_HUGE);
		bs->filled = palloc_extended(sizeof(bool) * capacity, MCXT_ALLOC_HUGE);
	}
	else
	{
		bs->samples = repalloc_huge(bs->samples, bs->layout.vector_bytes * capacity);
		bs->filled = repalloc_huge(bs->filled, sizeof(bool) * capacity);
	}
	MemoryContextSwitchTo(old);
	bs->capacity = capacity;
}

/* The indexable vector of a row, or NULL; checks its dimensions. */
static Vector *
IvfBuildPrepare(IvfBuildState *bs, Datum *values, bool *isnull)
{
	Vector	   *v;

	if (isnull[0])
		return NULL;
	v = ZvecPrepareVector(&bs->zi->dist, values[0]);
	if (v != NULL && v->dim != bs->layout.dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", bs->layout.dims, v->dim)));
	return v;
}

/* table_index_build_scan() callback of the sampling pass. */
static void
IvfBuildSampleCallback(Relation index, ItemPointer tid, Datum *values,
					   bool *isnull, bool tupleIsAlive, void *state)
{
	IvfBuildState *bs = (IvfBuildState *) state;
	MemoryContext old;
	Vector	   *v;
	int			pos = -1;

	CHECK_FOR_INTERRUPTS();
	bs->reltuples++;
	if (((uint64) bs->reltuples & 1023) == 0)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
									 (int64) bs->reltuples);

	/*
	 * Choose the reservoir slot first, and read the vector only for a row
	 * that gets one: most rows of a large table are passed over without
	 * being detoasted.  The reservoir is thus a uniform sample of the
	 * non-null rows; a slot whose row turns out not indexable (a zero
	 * vector under cosine) is left empty, and IvfBuildCompactSample()
	 * drops the empty slots, which keeps the rest a uniform sample of the
	 * indexable rows.
	 */
	if (isnull[0])
		return;
	bs->seen++;
	if (bs->nsamples < bs->target)
		pos = bs->nsamples;
	else
	{
		uint64		r = pg_prng_uint64_range(&bs->rng, 0, (uint64) bs->seen - 1);

		if (r < (uint64) bs->target)
			pos = (int) r;
	}
	if (pos < 0)
		return;

	if (pos == bs->nsamples)
	{
		if (bs->nsamples == bs->capacity)
			IvfBuildGrowSample(bs, Max(bs->capacity * 2, IVF_SAMPLE_MIN_CAPACITY));
		bs->nsamples++;
	}
	old = MemoryContextSwitchTo(bs->tuple_cxt);
	v = IvfBuildPrepare(bs, values, isnull);
	bs->filled[pos] = (v != NULL);
	if (v != NULL)
	{
		float	   *dst = bs->samples + (Size) pos * bs->layout.dims;

		memcpy(dst, v->x, bs->layout.vector_bytes);
		if (bs->spherical)
			IvfNormalize(dst, bs->layout.dims);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tuple_cxt);
}

/*
 * Drop the reservoir's empty slots (rows that were not indexable), and
 * scale the count of rows seen by the share of indexable ones among the
 * sampled, which is exact when every sampled row was indexable (always,
 * for L2).
 */
static void
IvfBuildCompactSample(IvfBuildState *bs)
{
	Size		vb = bs->layout.vector_bytes;
	int			kept = 0;
	int			i;

	for (i = 0; i < bs->nsamples; i++)
	{
		if (!bs->filled[i])
			continue;
		if (kept != i)
			memcpy(bs->samples + (Size) kept * bs->layout.dims,
				   bs->samples + (Size) i * bs->layout.dims, vb);
		kept++;
	}
	if (kept < bs->nsamples)
		bs->seen = floor(bs->seen * kept / bs->nsamples);
	bs->nsamples = kept;
}

/* Append list j's segment buffer to the store, chained to its last one. */
static void
IvfBuildFlushSegment(IvfBuildState *bs, int j)
{
	char	   *rec = bs->segments[j];
	IvfSegmentHeader *sh = (IvfSegmentHeader *) rec;

	sh->kind = IVF_KIND_SEGMENT;
	sh->list = (uint32) j;
	sh->next = bs->last[j];
	bs->last[j] = StoreBulkAppend(bs->store, rec);
	memset(rec, 0, bs->layout.record_size);
}

/* Set up the batched assignment (see the file header). */
static void
IvfBuildAssignBegin(IvfBuildState *bs)
{
	MemoryContext old = MemoryContextSwitchTo(bs->cxt);

	bs->batch_rows = IvfBuildBatchRows(&bs->layout);
	bs->nbatch = 0;
	bs->batch = palloc(bs->layout.vector_bytes * bs->batch_rows);
	bs->batch_tids = palloc(sizeof(ItemPointerData) * bs->batch_rows);
	bs->batch_best = palloc(sizeof(int) * bs->batch_rows);
	IvfNearestInit(&bs->nearest, bs->centroids, bs->nlists, bs->layout.dims,
				   !bs->spherical, bs->batch_rows);
	MemoryContextSwitchTo(old);
}

/*
 * Put every row of the batch into the list of its nearest centroid, in the
 * order the rows came.
 */
static void
IvfBuildAssignBatch(IvfBuildState *bs)
{
	const IvfLayout *layout = &bs->layout;
	int			i;

	if (bs->nbatch == 0)
		return;
	IvfNearestFind(&bs->nearest, bs->batch, bs->nbatch, bs->batch_best,
				   NULL, NULL);
	for (i = 0; i < bs->nbatch; i++)
	{
		int			best = bs->batch_best[i];
		char	   *rec;
		IvfSegmentHeader *sh;

		if (bs->segments[best] == NULL)
		{
			GovernorGrow(bs->cxt, layout->record_size);
			bs->segments[best] = MemoryContextAllocZero(bs->cxt, layout->record_size);
		}
		rec = bs->segments[best];
		sh = (IvfSegmentHeader *) rec;
		IvfSegmentTids(layout, rec)[sh->count] = bs->batch_tids[i];
		memcpy(IvfSegmentVector(layout, rec, sh->count),
			   bs->batch + (Size) i * layout->dims, layout->vector_bytes);
		sh->count++;
		if (sh->count == layout->capacity)
			IvfBuildFlushSegment(bs, best);
		bs->indtuples++;
	}
	bs->nbatch = 0;
}

/* Add one vector to the batch, assigning the batch when it is full. */
static void
IvfBuildAssign(IvfBuildState *bs, const float *x, ItemPointer tid)
{
	memcpy(bs->batch + (Size) bs->nbatch * bs->layout.dims, x,
		   bs->layout.vector_bytes);
	bs->batch_tids[bs->nbatch] = *tid;
	if (++bs->nbatch == bs->batch_rows)
		IvfBuildAssignBatch(bs);
}

/* table_index_build_scan() callback of the assigning pass. */
static void
IvfBuildAssignCallback(Relation index, ItemPointer tid, Datum *values,
					   bool *isnull, bool tupleIsAlive, void *state)
{
	IvfBuildState *bs = (IvfBuildState *) state;
	MemoryContext old;
	Vector	   *v;

	CHECK_FOR_INTERRUPTS();
	bs->reltuples++;

	old = MemoryContextSwitchTo(bs->tuple_cxt);
	v = IvfBuildPrepare(bs, values, isnull);
	if (v != NULL)
		IvfBuildAssign(bs, v->x, tid);
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tuple_cxt);

	if (((uint64) bs->reltuples & 1023) == 0)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
									 (int64) bs->reltuples);
}

/*
 * Append the directory records for nlists lists (their centroids, first
 * and insert segments) and fill in IVF's metapage state.
 */
static void
IvfBuildWriteDirectory(Store *store, const IvfLayout *layout, int nlists,
					   const float *centroids, const StoreSlot *first,
					   const StoreSlot *insert, IvfMetaState *ms)
{
	char	   *rec = palloc0(layout->record_size);
	int			j;

	ms->nlists = (uint32) nlists;
	ms->directory = store->nslots;
	ms->ndirectory = 0;
	ms->capacity = (uint32) layout->capacity;
	ms->per_directory = (uint32) layout->per_directory;

	for (j = 0; j < nlists; j += layout->per_directory)
	{
		IvfDirectoryHeader *dh = (IvfDirectoryHeader *) rec;
		IvfListInfo *infos = IvfDirectoryInfos(layout, rec);
		int			count = Min(layout->per_directory, nlists - j);
		int			i;

		CHECK_FOR_INTERRUPTS();
		memset(rec, 0, layout->record_size);
		dh->kind = IVF_KIND_DIRECTORY;
		dh->count = (uint16) count;
		dh->first_list = (uint32) j;
		for (i = 0; i < count; i++)
		{
			infos[i].first = first ? first[j + i] : STORE_INVALID_SLOT;
			infos[i].insert = insert ? insert[j + i] : STORE_INVALID_SLOT;
			if (centroids != NULL)
				memcpy(IvfDirectoryCentroid(layout, rec, i),
					   centroids + (Size) (j + i) * layout->dims,
					   layout->vector_bytes);
		}
		(void) StoreBulkAppend(store, rec);
		ms->ndirectory++;
	}
	pfree(rec);
}

/* Write the partly filled segments, the directory and the metapage. */
static void
IvfBuildWrite(IvfBuildState *bs)
{
	ZvecIndex  *zi = bs->zi;
	StoreSlot  *insert = palloc(sizeof(StoreSlot) * bs->nlists);
	IvfMetaState *ms;
	char		area[STORE_META_AREA_SIZE];
	int			j;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ZVEC_PHASE_WRITE);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, bs->nlists);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);

	for (j = 0; j < bs->nlists; j++)
	{
		insert[j] = STORE_INVALID_SLOT;
		if (bs->segments[j] != NULL &&
			((IvfSegmentHeader *) bs->segments[j])->count > 0)
		{
			IvfBuildFlushSegment(bs, j);
			insert[j] = bs->last[j];
		}
		if ((j & 255) == 0)
		{
			CHECK_FOR_INTERRUPTS();
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, j);
		}
	}

	ms = ZvecMetaAlgoState(&zi->meta, IvfMetaState);
	memset(ms, 0, sizeof(IvfMetaState));
	IvfBuildWriteDirectory(bs->store, &bs->layout, bs->nlists, bs->centroids,
						   bs->last, insert, ms);
	ms->flags = bs->spherical ? IVF_FLAG_SPHERICAL : 0;
	ms->sampled = (uint64) bs->nsamples;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, bs->nlists);

	memset(area, 0, sizeof(area));
	memcpy(area, &zi->meta, sizeof(ZvecMeta));
	StoreBulkFinish(bs->store, area);
	pfree(insert);
}

/* ambuild for IVF: see the file header. */
IndexBuildResult *
IvfBuild(Relation heap, ZvecIndex *zi, IndexInfo *info)
{
	IvfBuildState bs;
	IndexBuildResult *result;
	MemoryContext old;
	int			lists;
	int			expected;
	int			j;

	memset(&bs, 0, sizeof(bs));
	bs.heap = heap;
	bs.index = zi->index;
	bs.zi = zi;
	IvfLayoutInit(&bs.layout, (int) zi->meta.dims);
	StoreCheckRecordSize(bs.layout.record_size);
	bs.spherical = IvfIsSpherical(&zi->dist);
	pg_prng_seed(&bs.rng, IVF_SAMPLE_SEED);

	/* Estimate and reserve the memory before reading any row. */
	bs.estimate = IvfBuildEstimateRows(heap);
	lists = zi->meta.lists > 0 ? (int) zi->meta.lists : IvfDefaultLists(bs.estimate);
	bs.target = IvfBuildSampleTarget(lists, bs.layout.dims);
	expected = (int) Min((double) bs.target, bs.estimate + IVF_SAMPLE_MIN_CAPACITY);
	bs.cxt = GovernorContextCreate(CurrentMemoryContext,
								   "zvec ivf build",
								   psprintf("index build \"%s\"",
											RelationGetRelationName(bs.index)),
								   GOVERNOR_QUOTA);
	GovernorReserve(bs.cxt, IvfBuildEstimateMemory(&bs.layout, expected, lists, true));
	bs.tuple_cxt = AllocSetContextCreate(CurrentMemoryContext,
										 "zvec ivf build tuple",
										 ALLOCSET_DEFAULT_SIZES);
	IvfBuildGrowSample(&bs, Max(expected, IVF_SAMPLE_MIN_CAPACITY));

	/* 1. Sampling. */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ZVEC_PHASE_SAMPLE);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) bs.estimate);
	(void) table_index_build_scan(heap, bs.index, info, true, true,
								  IvfBuildSampleCallback, &bs, NULL);
	IvfBuildCompactSample(&bs);

	/* 2. k-means, with the lists chosen from the rows actually seen. */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ZVEC_PHASE_TRAIN);
	if (zi->meta.lists == 0)
	{
		lists = IvfDefaultLists(bs.seen);
		zi->meta.lists = (uint32) lists;
	}
	GovernorGrow(bs.cxt, IvfBuildEstimateMemory(&bs.layout, bs.nsamples, lists, false));
	old = MemoryContextSwitchTo(bs.cxt);
	bs.centroids = palloc_extended(bs.layout.vector_bytes *
								   Max(1, Min(lists, bs.nsamples)),
								   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	bs.nlists = IvfKmeans(bs.samples, bs.nsamples, bs.layout.dims, lists,
						  bs.spherical, bs.centroids);
	if (bs.nlists == 0)
		bs.nlists = 1;			/* no rows: one list, its centroid zero */
	if (bs.samples != NULL)
	{
		pfree(bs.samples);
		pfree(bs.filled);
	}
	bs.samples = NULL;
	bs.filled = NULL;
	IvfBuildAssignBegin(&bs);
	bs.segments = palloc0(sizeof(char *) * bs.nlists);
	bs.last = palloc(sizeof(StoreSlot) * bs.nlists);
	for (j = 0; j < bs.nlists; j++)
		bs.last[j] = STORE_INVALID_SLOT;
	MemoryContextSwitchTo(old);

	/* 3. Assigning every row to its list, writing full segments. */
	zi->store = StoreCreate(bs.index, MAIN_FORKNUM,
							(ZvecStorageKind) zi->meta.storage,
							bs.layout.record_size);
	bs.store = zi->store;
	StoreBulkBegin(bs.store);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ZVEC_PHASE_ASSIGN);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL,
								 (int64) Max(bs.reltuples, bs.estimate));
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);
	bs.reltuples = 0;
	bs.reltuples = table_index_build_scan(heap, bs.index, info, true, true,
										  IvfBuildAssignCallback, &bs, NULL);
	IvfBuildAssignBatch(&bs);

	/* 4. Writing what is left, the directory and the metapage. */
	IvfBuildWrite(&bs);

	MemoryContextDelete(bs.tuple_cxt);
	MemoryContextDelete(bs.cxt);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = bs.reltuples;
	result->index_tuples = bs.indtuples;
	return result;
}

/* ambuildempty for IVF: one empty list, its centroid zero, in the init fork. */
void
IvfBuildEmpty(ZvecIndex *zi)
{
	IvfLayout	layout;
	IvfMetaState *ms;
	char		area[STORE_META_AREA_SIZE];
	float	   *centroid;

	IvfLayoutInit(&layout, (int) zi->meta.dims);
	zi->store = StoreCreate(zi->index, INIT_FORKNUM,
							(ZvecStorageKind) zi->meta.storage,
							layout.record_size);
	StoreBulkBegin(zi->store);

	centroid = palloc0(layout.vector_bytes);
	ms = ZvecMetaAlgoState(&zi->meta, IvfMetaState);
	memset(ms, 0, sizeof(IvfMetaState));
	IvfBuildWriteDirectory(zi->store, &layout, 1, centroid, NULL, NULL, ms);
	ms->flags = IvfIsSpherical(&zi->dist) ? IVF_FLAG_SPHERICAL : 0;
	if (zi->meta.lists == 0)
		zi->meta.lists = 1;

	memset(area, 0, sizeof(area));
	memcpy(area, &zi->meta, sizeof(ZvecMeta));
	StoreBulkFinish(zi->store, area);
	pfree(centroid);
}
