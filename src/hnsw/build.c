/*-------------------------------------------------------------------------
 *
 * build.c
 *	  Building an HNSW index: the whole graph in memory, then one write.
 *
 * The build has two phases.
 *
 * 1. Loading.  Before reading a row, the memory the graph will need is
 *    estimated from the table's size (vector, layer-0 list, TIDs and the
 *    expected upper lists per row) and reserved with the memory governor,
 *    which fails at once with SQLSTATE 53200 if the estimate does not fit
 *    zvec.memory_quota or the cap.  Rows are then read with
 *    table_index_build_scan() and inserted into an in-memory graph, one at
 *    a time, exactly as the HNSW paper inserts them: a random level, a
 *    greedy descent through the upper layers, a best-first search of
 *    ef_construction candidates on each lower layer, the selection
 *    heuristic for the node's own lists, and back-links that are pruned by
 *    the same heuristic when a list overflows.  Nodes live in flat arrays
 *    indexed by their future slot, so a neighbour is an array index, a
 *    vector is a pointer, and the visited set is an array of epochs that
 *    is cleared by incrementing a counter.  Kernels are called directly.
 *    A row whose vector is identical to one already in the graph joins
 *    that node as another heap TID (up to HNSW_NODE_TIDS), so duplicates
 *    cannot fill neighbour lists with copies of each other.  Growth past
 *    the estimate is asked of the governor before each doubling.
 *
 * 2. Writing.  Node i becomes store slot i; upper-layer lists go to the
 *    records after the last node.  Every record is appended in slot order
 *    with StoreBulkAppend(), and StoreBulkFinish() writes the metapage and
 *    makes the index durable in one step (for bufferpool: the pages are
 *    written without WAL and logged once with log_newpage_range()).
 *
 * Progress is reported in pg_stat_progress_create_index (phase, tuples
 * done of the estimated total), and the build answers interrupts.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/hnsw/build.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tableam.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "utils/memutils.h"

#include "hnsw/hnsw.h"
#include "memory/memory.h"

/* Fewest nodes the graph arrays are sized for. */
#define HNSW_BUILD_MIN_CAPACITY	64

/* One node of the in-memory graph. */
typedef struct HnswBuildNode
{
	uint8		level;
	uint8		ntids;
	ItemPointerData tids[HNSW_NODE_TIDS];
	uint32	   *upper;			/* level lists of (count, m slots), or NULL */
} HnswBuildNode;

/* Everything the build keeps between rows. */
typedef struct HnswBuildState
{
	Relation	heap;
	Relation	index;
	ZvecIndex  *zi;
	HnswLayout	layout;
	int			ef_construction;

	MemoryContext graph_cxt;	/* the graph: accounted by the governor */
	MemoryContext tuple_cxt;	/* per row, reset after each */

	/* the graph, indexed by node number */
	uint32		n;
	uint32		capacity;
	HnswBuildNode *nodes;
	uint32	   *lists0;			/* per node: count, then m0 slots */
	char	   *vectors;		/* per node: a Vector, vstride bytes apart */
	Size		vstride;
	uint32	   *visited;		/* per node: the epoch it was last visited */
	uint32		epoch;
	int64		entry;			/* -1 while the graph is empty */
	int			entry_level;

	/* scratch for searches and neighbour selection */
	HnswHeap	cand;
	HnswHeap	best;
	HnswCandidate *found;
	HnswCandidate *chosen;
	HnswCandidate *sel;
	Vector	  **selvec;
	bool	   *keep;

	double		reltuples;		/* rows seen */
	double		indtuples;		/* TIDs indexed */
	double		estimate;		/* rows expected */
} HnswBuildState;

/* The vector of node i. */
static inline Vector *
HnswBuildVector(HnswBuildState *bs, uint32 i)
{
	return (Vector *) (bs->vectors + (Size) i * bs->vstride);
}

/* The layer-0 list of node i: [0] is the count, then the slots. */
static inline uint32 *
HnswBuildList0(HnswBuildState *bs, uint32 i)
{
	return bs->lists0 + (Size) i * (bs->layout.m0 + 1);
}

/* The list of node i on a layer: [0] is the count, then the slots. */
static inline uint32 *
HnswBuildList(HnswBuildState *bs, uint32 i, int level)
{
	if (level == 0)
		return HnswBuildList0(bs, i);
	return bs->nodes[i].upper + (Size) (level - 1) * (bs->layout.m + 1);
}

/* Bytes of graph memory per node, upper lists included on average. */
static Size
HnswBuildBytesPerNode(const HnswLayout *layout)
{
	Size		upper = (Size) ((layout->m + 1) * sizeof(uint32)) / Max(layout->m - 1, 1);

	return MAXALIGN(layout->vector_size) +
		(Size) (layout->m0 + 1) * sizeof(uint32) +
		sizeof(HnswBuildNode) + sizeof(uint32) + upper + 16;
}

/*
 * Memory an in-memory build of ntuples rows needs: the graph arrays, the
 * search scratch, and a sixteenth for allocator overhead.
 */
Size
HnswBuildEstimateMemory(const HnswLayout *layout, double ntuples)
{
	double		rows = Max(ntuples, HNSW_BUILD_MIN_CAPACITY);
	double		bytes = rows * HnswBuildBytesPerNode(layout);

	bytes += 64 * 1024;
	bytes += bytes / 16;
	return (Size) Min(bytes, (double) MaxAllocHugeSize);
}

/* Rows the table is expected to hold, for sizing and progress. */
static double
HnswBuildEstimateRows(Relation heap)
{
	BlockNumber pages;
	double		tuples;
	double		allvisfrac;

	estimate_rel_size(heap, NULL, &pages, &tuples, &allvisfrac);
	return Max(tuples, 0);
}

/* Make room for more nodes, asking the governor before each doubling. */
static void
HnswBuildGrow(HnswBuildState *bs, uint32 capacity)
{
	MemoryContext old;
	Size		more;

	if (capacity <= bs->capacity)
		return;
	more = (Size) (capacity - bs->capacity) * HnswBuildBytesPerNode(&bs->layout);
	GovernorGrow(bs->graph_cxt, more);

	old = MemoryContextSwitchTo(bs->graph_cxt);
	if (bs->nodes == NULL)
	{
		bs->nodes = palloc_extended(sizeof(HnswBuildNode) * capacity, MCXT_ALLOC_HUGE);
		bs->lists0 = palloc_extended(sizeof(uint32) * (bs->layout.m0 + 1) * (Size) capacity,
									 MCXT_ALLOC_HUGE);
		bs->vectors = palloc_extended(bs->vstride * capacity, MCXT_ALLOC_HUGE);
		bs->visited = palloc_extended(sizeof(uint32) * capacity,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	}
	else
	{
		bs->nodes = repalloc_huge(bs->nodes, sizeof(HnswBuildNode) * capacity);
		bs->lists0 = repalloc_huge(bs->lists0,
								   sizeof(uint32) * (bs->layout.m0 + 1) * (Size) capacity);
		bs->vectors = repalloc_huge(bs->vectors, bs->vstride * capacity);
		bs->visited = repalloc_huge(bs->visited, sizeof(uint32) * capacity);
		memset(bs->visited + bs->capacity, 0,
			   sizeof(uint32) * (capacity - bs->capacity));
	}
	MemoryContextSwitchTo(old);
	bs->capacity = capacity;
}

/* Mark node i visited in the current search; false if it already was. */
static inline bool
HnswBuildVisit(HnswBuildState *bs, uint32 i)
{
	if (bs->visited[i] == bs->epoch)
		return false;
	bs->visited[i] = bs->epoch;
	return true;
}

/* Start a new search: every node becomes unvisited. */
static void
HnswBuildNewEpoch(HnswBuildState *bs)
{
	bs->epoch++;
	if (bs->epoch == 0)
	{
		memset(bs->visited, 0, sizeof(uint32) * bs->capacity);
		bs->epoch = 1;
	}
}

/*
 * Best-first search of one layer of the in-memory graph from the entries
 * in bs->found[0..nfound), keeping the ef nearest to q; they are left in
 * bs->found, nearest first, and their number is returned.
 */
static int
HnswBuildSearchLayer(HnswBuildState *bs, const Vector *q, int nfound, int ef,
					 int level)
{
	const ZvecDistance *dist = &bs->zi->dist;
	HnswHeap   *cand = &bs->cand;
	HnswHeap   *best = &bs->best;
	int			i;
	int			n;

	HnswBuildNewEpoch(bs);
	cand->count = 0;
	best->count = 0;
	for (i = 0; i < nfound; i++)
	{
		HnswBuildVisit(bs, bs->found[i].slot);
		HnswHeapPush(cand, bs->found[i].dist, bs->found[i].slot);
		HnswHeapPush(best, -bs->found[i].dist, bs->found[i].slot);
		if (best->count > ef)
			(void) HnswHeapPop(best);
	}

	while (cand->count > 0)
	{
		HnswCandidate c = HnswHeapPop(cand);
		uint32	   *list;
		uint32		count;
		uint32		j;

		if (best->count >= ef && c.dist > -best->items[0].dist)
			break;
		list = HnswBuildList(bs, c.slot, level);
		count = list[0];
		for (j = 1; j <= count; j++)
		{
			uint32		e = list[j];
			float		d;

			if (!HnswBuildVisit(bs, e))
				continue;
			d = ZvecDistanceCompute(dist, q, HnswBuildVector(bs, e));
			if (best->count < ef || d < -best->items[0].dist)
			{
				HnswHeapPush(cand, d, e);
				HnswHeapPush(best, -d, e);
				if (best->count > ef)
					(void) HnswHeapPop(best);
			}
		}
	}

	n = best->count;
	for (i = n - 1; i >= 0; i--)
	{
		HnswCandidate c = HnswHeapPop(best);

		bs->found[i].dist = -c.dist;
		bs->found[i].slot = c.slot;
	}
	return n;
}

/* Sort candidates by ascending distance, slot breaking ties. */
static int
HnswBuildCompare(const void *a, const void *b)
{
	const HnswCandidate *ca = (const HnswCandidate *) a;
	const HnswCandidate *cb = (const HnswCandidate *) b;

	if (ca->dist < cb->dist)
		return -1;
	if (ca->dist > cb->dist)
		return 1;
	return (ca->slot > cb->slot) - (ca->slot < cb->slot);
}

/*
 * Link node e to node q on a layer (dist is their distance).  If e's list
 * is full, the heuristic chooses among its neighbours and q.
 */
static void
HnswBuildConnect(HnswBuildState *bs, uint32 e, uint32 q, float dist, int level)
{
	uint32	   *list = HnswBuildList(bs, e, level);
	int			max = HnswLayerMax(&bs->layout, level);
	int			count = (int) list[0];
	int			i;
	int			n = 0;
	Vector	   *ev;

	if (count < max)
	{
		list[count + 1] = q;
		list[0] = count + 1;
		return;
	}

	ev = HnswBuildVector(bs, e);
	bs->sel[n].slot = q;
	bs->sel[n++].dist = dist;
	for (i = 1; i <= count; i++)
	{
		bs->sel[n].slot = list[i];
		bs->sel[n++].dist = ZvecDistanceCompute(&bs->zi->dist, ev,
												HnswBuildVector(bs, list[i]));
	}
	qsort(bs->sel, n, sizeof(HnswCandidate), HnswBuildCompare);
	for (i = 0; i < n; i++)
		bs->selvec[i] = HnswBuildVector(bs, bs->sel[i].slot);
	(void) HnswSelectNeighbors(bs->sel, n, max, &bs->zi->dist, bs->selvec, bs->keep);
	count = 0;
	for (i = 0; i < n; i++)
	{
		if (bs->keep[i])
			list[++count] = bs->sel[i].slot;
	}
	list[0] = count;
}

/*
 * Insert node q (vector, level and TID already stored) into the graph.
 * Returns false if q turned out to duplicate an existing node's vector and
 * its TID was added there instead.
 */
static bool
HnswBuildInsert(HnswBuildState *bs, uint32 q)
{
	const ZvecDistance *dist = &bs->zi->dist;
	Vector	   *qv = HnswBuildVector(bs, q);
	int			level = bs->nodes[q].level;
	uint32		ep;
	float		epd;
	int			l;
	int			nfound;

	if (bs->entry < 0)
	{
		bs->entry = q;
		bs->entry_level = level;
		return true;
	}

	/* Greedy descent through the layers above the node's own. */
	ep = (uint32) bs->entry;
	epd = ZvecDistanceCompute(dist, qv, HnswBuildVector(bs, ep));
	for (l = bs->entry_level; l > level; l--)
	{
		bool		changed = true;

		while (changed)
		{
			uint32	   *list = HnswBuildList(bs, ep, l);
			uint32		j;

			changed = false;
			for (j = 1; j <= list[0]; j++)
			{
				float		d = ZvecDistanceCompute(dist, qv, HnswBuildVector(bs, list[j]));

				if (d < epd)
				{
					epd = d;
					ep = list[j];
					changed = true;
				}
			}
		}
	}

	bs->found[0].slot = ep;
	bs->found[0].dist = epd;
	nfound = 1;
	for (l = Min(level, bs->entry_level); l >= 0; l--)
	{
		int			max = HnswLayerMax(&bs->layout, l);
		uint32	   *list = HnswBuildList(bs, q, l);
		int			i;
		int			count = 0;

		nfound = HnswBuildSearchLayer(bs, qv, nfound, bs->ef_construction, l);

		/* An identical vector already indexed: share its node. */
		if (l == 0 && level == 0 && nfound > 0 &&
			bs->nodes[bs->found[0].slot].ntids < HNSW_NODE_TIDS &&
			memcmp(qv, HnswBuildVector(bs, bs->found[0].slot),
				   bs->layout.vector_size) == 0)
		{
			HnswBuildNode *dup = &bs->nodes[bs->found[0].slot];

			dup->tids[dup->ntids++] = bs->nodes[q].tids[0];
			return false;
		}

		for (i = 0; i < nfound; i++)
			bs->selvec[i] = HnswBuildVector(bs, bs->found[i].slot);
		(void) HnswSelectNeighbors(bs->found, nfound, max, dist, bs->selvec, bs->keep);
		for (i = 0; i < nfound; i++)
		{
			if (bs->keep[i])
			{
				bs->chosen[count] = bs->found[i];
				list[++count] = bs->found[i].slot;
			}
		}
		list[0] = count;
		for (i = 0; i < count; i++)
			HnswBuildConnect(bs, bs->chosen[i].slot, q, bs->chosen[i].dist, l);
	}

	if (level > bs->entry_level)
	{
		bs->entry = q;
		bs->entry_level = level;
	}
	return true;
}

/* Store one row's vector as a new node and insert it into the graph. */
static void
HnswBuildAddRow(HnswBuildState *bs, Vector *v, ItemPointer tid)
{
	uint32		q = bs->n;
	HnswBuildNode *node;
	int			level;

	if (v->dim != bs->layout.dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", bs->layout.dims, v->dim)));

	if (q == bs->capacity)
	{
		if (bs->capacity >= STORE_INVALID_SLOT / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows for one zvec index")));
		HnswBuildGrow(bs, bs->capacity * 2);
	}

	level = HnswRandomLevel(&bs->layout);
	node = &bs->nodes[q];
	memset(node, 0, sizeof(HnswBuildNode));
	node->level = (uint8) level;
	node->ntids = 1;
	node->tids[0] = *tid;
	memcpy(HnswBuildVector(bs, q), v, bs->layout.vector_size);
	HnswBuildList0(bs, q)[0] = 0;
	if (level > 0)
		node->upper = MemoryContextAllocZero(bs->graph_cxt,
											 sizeof(uint32) * (bs->layout.m + 1) * level);

	if (HnswBuildInsert(bs, q))
		bs->n++;
	else if (node->upper != NULL)
		pfree(node->upper);
	bs->indtuples++;
}

/* table_index_build_scan() callback: index one heap tuple. */
static void
HnswBuildCallback(Relation index, ItemPointer tid, Datum *values,
				  bool *isnull, bool tupleIsAlive, void *state)
{
	HnswBuildState *bs = (HnswBuildState *) state;
	MemoryContext old;
	Vector	   *v;

	CHECK_FOR_INTERRUPTS();
	bs->reltuples++;
	if (isnull[0])
		return;

	old = MemoryContextSwitchTo(bs->tuple_cxt);
	v = ZvecPrepareVector(&bs->zi->dist, values[0]);
	if (v != NULL)
		HnswBuildAddRow(bs, v, tid);
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tuple_cxt);

	if (((uint64) bs->reltuples & 255) == 0)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
									 (int64) bs->reltuples);
}

/* Fill a node record from the in-memory node i. */
static void
HnswBuildFormNode(HnswBuildState *bs, uint32 i, StoreSlot upper, char *rec)
{
	HnswNodeHeader *nh = (HnswNodeHeader *) rec;
	HnswBuildNode *node = &bs->nodes[i];
	uint32	   *list = HnswBuildList0(bs, i);

	memset(rec, 0, bs->layout.record_size);
	nh->kind = HNSW_KIND_NODE;
	nh->level = node->level;
	nh->ntids = node->ntids;
	nh->nneighbors = (uint16) list[0];
	nh->upper = upper;
	memcpy(nh->tids, node->tids, sizeof(ItemPointerData) * node->ntids);
	memcpy(HnswNodeNeighbors(&bs->layout, rec), list + 1, sizeof(uint32) * list[0]);
	memcpy(HnswNodeVector(&bs->layout, rec), HnswBuildVector(bs, i),
		   bs->layout.vector_size);
}

/* Fill the upper record of node i that starts at first_level. */
static void
HnswBuildFormUpper(HnswBuildState *bs, uint32 i, int first_level,
				   StoreSlot next, char *rec)
{
	HnswUpperHeader *uh = (HnswUpperHeader *) rec;
	HnswBuildNode *node = &bs->nodes[i];
	int			nlevels = Min(bs->layout.lists_per_upper, node->level - first_level + 1);
	int			k;

	memset(rec, 0, bs->layout.record_size);
	uh->kind = HNSW_KIND_UPPER;
	uh->first_level = (uint8) first_level;
	uh->nlevels = (uint8) nlevels;
	uh->owner = i;
	uh->next = next;
	for (k = 0; k < nlevels; k++)
	{
		HnswUpperList *ul = HnswUpperListAt(&bs->layout, rec, k);
		uint32	   *list = HnswBuildList(bs, i, first_level + k);

		ul->count = (uint16) list[0];
		memcpy(ul->slots, list + 1, sizeof(uint32) * list[0]);
	}
}

/* Number of upper records node i needs. */
static inline int
HnswBuildUpperRecords(HnswBuildState *bs, uint32 i)
{
	int			level = bs->nodes[i].level;

	return (level + bs->layout.lists_per_upper - 1) / bs->layout.lists_per_upper;
}

/*
 * Write the graph to a new store: nodes at slots 0..n-1, then their upper
 * records, then the metapage; durable once at the end.
 */
static void
HnswBuildWrite(HnswBuildState *bs, Store *store)
{
	char	   *rec = palloc(bs->layout.record_size);
	char		area[STORE_META_AREA_SIZE];
	HnswMetaState *ms;
	StoreSlot	next_upper = bs->n;
	uint32		i;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ZVEC_PHASE_WRITE);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, bs->n);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);

	StoreBulkBegin(store);
	for (i = 0; i < bs->n; i++)
	{
		int			nup = HnswBuildUpperRecords(bs, i);

		HnswBuildFormNode(bs, i, nup > 0 ? next_upper : STORE_INVALID_SLOT, rec);
		(void) StoreBulkAppend(store, rec);
		next_upper += nup;
		if ((i & 1023) == 0)
		{
			CHECK_FOR_INTERRUPTS();
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, i);
		}
	}
	for (i = 0; i < bs->n; i++)
	{
		int			nup = HnswBuildUpperRecords(bs, i);
		int			k;

		for (k = 0; k < nup; k++)
		{
			StoreSlot	self = store->nslots;

			HnswBuildFormUpper(bs, i, 1 + k * bs->layout.lists_per_upper,
							   k + 1 < nup ? self + 1 : STORE_INVALID_SLOT, rec);
			(void) StoreBulkAppend(store, rec);
		}
	}
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, bs->n);

	ms = ZvecMetaAlgoState(&bs->zi->meta, HnswMetaState);
	memset(ms, 0, sizeof(HnswMetaState));
	ms->entry = bs->entry >= 0 ? (StoreSlot) bs->entry : STORE_INVALID_SLOT;
	ms->entry_level = bs->entry >= 0 ? bs->entry_level : 0;
	ms->free_head = STORE_INVALID_SLOT;
	ms->inserted = bs->n;

	memset(area, 0, sizeof(area));
	memcpy(area, &bs->zi->meta, sizeof(ZvecMeta));
	StoreBulkFinish(store, area);
	pfree(rec);
}

/* ambuild for HNSW: see the file header. */
IndexBuildResult *
HnswBuild(Relation heap, ZvecIndex *zi, IndexInfo *info)
{
	HnswBuildState bs;
	IndexBuildResult *result;
	MemoryContext old;
	Size		estimate;
	uint32		capacity;

	memset(&bs, 0, sizeof(bs));
	bs.heap = heap;
	bs.index = zi->index;
	bs.zi = zi;
	bs.ef_construction = (int) zi->meta.ef_construction;
	HnswLayoutInit(&bs.layout, (int) zi->meta.m, (int) zi->meta.dims);
	StoreCheckRecordSize(bs.layout.record_size);
	bs.vstride = MAXALIGN(bs.layout.vector_size);
	bs.entry = -1;

	/* Estimate and reserve the graph's memory before reading any row. */
	bs.estimate = HnswBuildEstimateRows(heap);
	estimate = HnswBuildEstimateMemory(&bs.layout, bs.estimate);
	bs.graph_cxt = GovernorContextCreate(CurrentMemoryContext,
										 "zvec hnsw build graph",
										 psprintf("index build \"%s\"",
												  RelationGetRelationName(bs.index)),
										 GOVERNOR_QUOTA);
	GovernorReserve(bs.graph_cxt, estimate);
	bs.tuple_cxt = AllocSetContextCreate(CurrentMemoryContext,
										 "zvec hnsw build tuple",
										 ALLOCSET_DEFAULT_SIZES);

	capacity = (uint32) Min(Max(bs.estimate * 1.05 + 16, HNSW_BUILD_MIN_CAPACITY),
							(double) (STORE_INVALID_SLOT / 2));
	old = MemoryContextSwitchTo(bs.graph_cxt);
	HnswHeapInit(&bs.cand, bs.ef_construction * 4);
	HnswHeapInit(&bs.best, bs.ef_construction + 1);
	bs.found = palloc(sizeof(HnswCandidate) * (bs.ef_construction + 1));
	bs.chosen = palloc(sizeof(HnswCandidate) * (bs.ef_construction + 1));
	bs.sel = palloc(sizeof(HnswCandidate) * (bs.layout.m0 + 1));
	bs.selvec = palloc(sizeof(Vector *) * (Max(bs.ef_construction, bs.layout.m0) + 1));
	bs.keep = palloc(sizeof(bool) * (Max(bs.ef_construction, bs.layout.m0) + 1));
	MemoryContextSwitchTo(old);
	bs.capacity = 0;
	HnswBuildGrow(&bs, capacity);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ZVEC_PHASE_LOAD);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) bs.estimate);
	bs.reltuples = table_index_build_scan(heap, bs.index, info, true, true,
										  HnswBuildCallback, &bs, NULL);

	zi->store = StoreCreate(bs.index, MAIN_FORKNUM,
							(ZvecStorageKind) zi->meta.storage,
							bs.layout.record_size);
	HnswBuildWrite(&bs, zi->store);

	MemoryContextDelete(bs.tuple_cxt);
	MemoryContextDelete(bs.graph_cxt);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = bs.reltuples;
	result->index_tuples = bs.indtuples;
	return result;
}

/* ambuildempty for HNSW: an empty graph in the init fork. */
void
HnswBuildEmpty(ZvecIndex *zi)
{
	HnswLayout	layout;
	HnswMetaState *ms;
	char		area[STORE_META_AREA_SIZE];

	HnswLayoutInit(&layout, (int) zi->meta.m, (int) zi->meta.dims);
	zi->store = StoreCreate(zi->index, INIT_FORKNUM,
							(ZvecStorageKind) zi->meta.storage,
							layout.record_size);
	StoreBulkBegin(zi->store);

	ms = ZvecMetaAlgoState(&zi->meta, HnswMetaState);
	memset(ms, 0, sizeof(HnswMetaState));
	ms->entry = STORE_INVALID_SLOT;
	ms->free_head = STORE_INVALID_SLOT;

	memset(area, 0, sizeof(area));
	memcpy(area, &zi->meta, sizeof(ZvecMeta));
	StoreBulkFinish(zi->store, area);
}
