/*-------------------------------------------------------------------------
 *
 * build.c
 *	  Building an HNSW index: the whole graph in memory, then one write,
 *	  by one process or by the leader and parallel workers together.
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
 *    vector is a pointer, upper-layer lists are offsets into one area, and
 *    the visited set is an array of epochs that is cleared by incrementing
 *    a counter.  Kernels are called directly.  A new node's layers are all
 *    searched before anything links to it; a row whose vector is identical
 *    to one found on layer 0 then joins that node as another heap TID
 *    instead (the first HNSW_NODE_TIDS in the node, the rest in a list in
 *    an area of extra TIDs), so any number of duplicates are one node and
 *    can neither fill neighbour lists with copies of each other nor be
 *    left unreachable.  Growth past the estimate is asked of the governor
 *    before each doubling.
 *
 * 2. Writing.  The nodes become store slots 0, 1, ... in order (slots a
 *    parallel build's duplicates gave up are skipped, and neighbours
 *    renumbered); upper-layer lists go to the records after the last node,
 *    and TIDs beyond a node's own HNSW_NODE_TIDS to overflow records after
 *    those (see tids.c).  Every record is appended in slot order
 *    with StoreBulkAppend(), and StoreBulkFinish() writes the metapage and
 *    makes the index durable in one step (for bufferpool: the pages are
 *    written without WAL and logged once with log_newpage_range()).
 *
 * Parallel build.  When plan_create_index_workers() grants workers (as it
 * does for btree: max_parallel_maintenance_workers, maintenance_work_mem,
 * the table's size), further bounded so that the leader and its workers do
 * not outnumber the CPUs the cgroup allows, the graph arrays are placed in
 * one dynamic shared memory segment sized from the same up-front estimate
 * and charged to the governor before it is created.  The leader and the
 * workers then read the table through one parallel heap scan and insert
 * concurrently into the shared graph with the same code as a serial
 * build; only the few places that touch shared state differ:
 *
 *  - a node's slot and its upper-list space are taken with atomic
 *    counters, and the node (vector, level, TIDs, empty lists) is complete
 *    before any other node links to it;
 *  - every node has an LWLock: neighbour lists are copied out under a
 *    share lock when searched, and changed under an exclusive one (a
 *    process never holds two of them);
 *  - the entry point is read and raised under a spinlock;
 *  - a duplicate found by a worker adds its TID under the existing node's
 *    lock (an extra TID's entry is taken with an atomic counter); the slot
 *    it had taken stays empty and is left out when the graph is written;
 *  - a row is inserted holding one of HNSW_BUILD_VECTOR_LOCKS LWLocks
 *    chosen by a hash of its vector, so two rows of one vector are never
 *    inserted at once, each unaware of the other: the second finds the
 *    first's node and joins it.
 *
 * The leader reports the tuples done by all participants while it scans
 * and while it waits for the workers, then writes the graph exactly as a
 * serial build does.  Should the table hold more rows than the segment was
 * sized for (the estimate comes from statistics), the participants stop
 * inserting and only count the remaining rows; the leader then discards
 * the shared graph and builds serially, sized by the true count.
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

#include <math.h>

#include "access/detoast.h"
#include "access/heaptoast.h"
#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "common/hashfn.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "storage/bufpage.h"
#include "storage/condition_variable.h"
#include "storage/lwlock.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "am/am.h"
#include "hnsw/hnsw.h"
#include "memory/memory.h"

/* Fewest nodes the graph arrays are sized for. */
#define HNSW_BUILD_MIN_CAPACITY	64

/* Bytes reserved for search scratch besides the per-node arrays. */
#define HNSW_BUILD_SCRATCH		(64 * 1024)

/* Keys of the parallel build's entries in its shm_toc. */
#define HNSW_PARALLEL_KEY_SHARED	UINT64CONST(0x5A56454300000001)
#define HNSW_PARALLEL_KEY_GRAPH		UINT64CONST(0x5A56454300000002)
#define HNSW_PARALLEL_KEY_SCAN		UINT64CONST(0x5A56454300000003)
#define HNSW_PARALLEL_KEY_QUERY		UINT64CONST(0x5A56454300000004)

/* LWLocks that serialise the parallel insertion of identical vectors. */
#define HNSW_BUILD_VECTOR_LOCKS	1024

/* How often (ms) the waiting leader refreshes the progress report. */
#define HNSW_PARALLEL_REPORT_MS		100

/* One node of the in-memory graph. */
typedef struct HnswBuildNode
{
	uint8		level;
	uint8		ntids;			/* 0: a slot given up by a duplicate */
	ItemPointerData tids[HNSW_NODE_TIDS];
	uint32		dups;			/* its newest extra TID (0: none) */
	uint64		upper;			/* its upper lists' offset in the upper area */
} HnswBuildNode;

/* A heap TID of a node beyond its first HNSW_NODE_TIDS. */
typedef struct HnswBuildDup
{
	ItemPointerData tid;
	uint32		next;			/* the node's next older extra TID (0: none) */
} HnswBuildDup;

/* The entry point of the in-memory graph. */
typedef struct HnswBuildEntry
{
	int64		node;			/* -1 while the graph is empty */
	int			level;
} HnswBuildEntry;

/*
 * The parallel build's shared state.  The fields above "graph" are set by
 * the leader before the workers start and only read afterwards.
 */
typedef struct HnswBuildShared
{
	Oid			heaprelid;
	Oid			indexrelid;
	bool		isconcurrent;
	int			lock_tranche;	/* of the per-node LWLocks */
	uint32		capacity;		/* nodes the segment holds */
	uint64		upper_capacity; /* uint32 words of the upper area */

	/* graph: slots and upper space taken so far, the entry point */
	pg_atomic_uint32 nnodes;
	pg_atomic_uint32 ndups;		/* extra TID entries taken (entry 0 unused) */
	pg_atomic_uint64 upper_used;
	pg_atomic_uint32 overflow;	/* set when either ran out */
	slock_t		entry_mutex;
	HnswBuildEntry entry;

	/* progress: heap tuples read by all participants */
	pg_atomic_uint64 tuples_seen;

	/* results, protected by mutex; done_cv is signalled as each finishes */
	slock_t		mutex;
	int			ndone;
	double		reltuples;
	double		indtuples;
	ConditionVariable done_cv;
} HnswBuildShared;

/* Where the arrays of a shared graph of some capacity lie in its chunk. */
typedef struct HnswBuildGraphLayout
{
	Size		nodes;
	Size		lists0;
	Size		vectors;
	Size		upper;
	Size		dups;
	Size		locks;
	Size		vector_locks;
	Size		total;
} HnswBuildGraphLayout;

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

	/* the graph, indexed by node number (in shared memory when parallel) */
	uint32		n;				/* serial: nodes so far; at write: all */
	uint32		capacity;
	HnswBuildNode *nodes;
	uint32	   *lists0;			/* per node: count, then m0 slots */
	char	   *vectors;		/* per node: a Vector, vstride bytes apart */
	Size		vstride;
	uint32	   *upper;			/* per upper layer of a node: count, m slots */
	uint64		upper_used;		/* serial: words of the upper area in use */
	uint64		upper_capacity;
	HnswBuildDup *dups;			/* extra TIDs of duplicates */
	uint32		ndups;			/* serial: entries in use (entry 0 unused) */
	uint32		dups_capacity;
	HnswBuildEntry *entry;		/* &local_entry, or the shared one */
	HnswBuildEntry local_entry;

	/* parallel only (NULL otherwise) */
	HnswBuildShared *shared;
	LWLock	   *locks;			/* one per node */
	LWLock	   *vector_locks;	/* HNSW_BUILD_VECTOR_LOCKS, by vector hash */

	/* private to this process */
	uint32	   *visited;		/* per node: the epoch it was last visited */
	uint32		epoch;
	bool		progress;		/* report to pg_stat_progress_create_index */

	/* scratch for searches and neighbour selection */
	HnswHeap	cand;
	HnswHeap	best;
	HnswCandidate *found;
	HnswCandidate *chosen;		/* per layer: m0 entries */
	HnswCandidate *sel;
	Vector	  **selvec;
	bool	   *keep;
	uint32	   *listbuf;		/* a list copied out under its lock */
	uint32	   *oldbuf;			/* a node's own list before it is set */
	uint32	   *unseen;			/* a list's nodes not visited yet */

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
	return bs->upper + bs->nodes[i].upper +
		(Size) (level - 1) * (bs->layout.m + 1);
}

/* Lock node i's lists (parallel build only). */
static inline void
HnswBuildLock(HnswBuildState *bs, uint32 i, LWLockMode mode)
{
	if (bs->locks != NULL)
		LWLockAcquire(&bs->locks[i], mode);
}

/* Unlock node i's lists (parallel build only). */
static inline void
HnswBuildUnlock(HnswBuildState *bs, uint32 i)
{
	if (bs->locks != NULL)
		LWLockRelease(&bs->locks[i]);
}

/*
 * Node i's list on a layer, for reading: the list itself in a serial
 * build, a copy taken under the node's lock in a parallel one.
 */
static inline const uint32 *
HnswBuildReadList(HnswBuildState *bs, uint32 i, int level, uint32 *buf)
{
	uint32	   *list = HnswBuildList(bs, i, level);

	if (bs->locks == NULL)
		return list;
	LWLockAcquire(&bs->locks[i], LW_SHARED);
	memcpy(buf, list, sizeof(uint32) * (list[0] + 1));
	LWLockRelease(&bs->locks[i]);
	return buf;
}

/* uint32 words of upper lists a node of this level takes. */
static inline uint64
HnswBuildUpperWords(const HnswLayout *layout, int level)
{
	return (uint64) (layout->m + 1) * level;
}

/* Words of upper area expected for n nodes: m^-l of them reach layer l. */
static uint64
HnswBuildExpectedUpper(const HnswLayout *layout, double n)
{
	return (uint64) (n * (layout->m + 1) / Max(layout->m - 1, 1));
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

	bytes += HNSW_BUILD_SCRATCH;
	bytes += bytes / 16;
	return (Size) Min(bytes, (double) MaxAllocHugeSize);
}

/*
 * Rows the table is expected to hold, for sizing and progress: the
 * planner's estimate, but never more than its pages could hold if every
 * row carried at least the vector (or, for a vector too large to stay in
 * the row, a TOAST pointer).  A table never analysed is otherwise guessed
 * from a default row width far below a vector's.
 */
static double
HnswBuildEstimateRows(Relation heap, const HnswLayout *layout)
{
	BlockNumber pages;
	double		tuples;
	double		allvisfrac;
	Size		datum;
	Size		row;
	double		per_page;

	estimate_rel_size(heap, NULL, &pages, &tuples, &allvisfrac);
	datum = layout->vector_size;
	if (datum > TOAST_TUPLE_THRESHOLD)
		datum = TOAST_POINTER_SIZE;
	row = MAXALIGN(SizeofHeapTupleHeader + datum) + sizeof(ItemIdData);
	per_page = floor((double) (BLCKSZ - SizeOfPageHeaderData) / row);
	per_page = Min(Max(per_page, 1), MaxHeapTuplesPerPage);
	tuples = Min(tuples, (double) pages * per_page);
	return Max(tuples, 0);
}

/* The number of nodes the graph is first sized for. */
static uint32
HnswBuildInitialCapacity(double rows)
{
	return (uint32) Min(Max(rows * 1.05 + 16, HNSW_BUILD_MIN_CAPACITY),
						(double) (STORE_INVALID_SLOT / 2));
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

	/*
	 * Searches read vectors and lists at random: with huge pages a build of
	 * 20,000 768-dimension vectors took 2.7-2.9 s instead of 3.1 s.
	 */
	ZvecAdviseHugePages(bs->vectors, bs->vstride * capacity);
	ZvecAdviseHugePages(bs->lists0,
						sizeof(uint32) * (bs->layout.m0 + 1) * (Size) capacity);
}

/* Make room for words more of upper lists (serial build). */
static void
HnswBuildGrowUpper(HnswBuildState *bs, uint64 words)
{
	uint64		capacity = Max(bs->upper_capacity, 1024);

	while (capacity < bs->upper_used + words)
		capacity *= 2;
	if (capacity == bs->upper_capacity)
		return;
	GovernorGrow(bs->graph_cxt, (capacity - bs->upper_capacity) * sizeof(uint32));
	if (bs->upper == NULL)
		bs->upper = MemoryContextAllocExtended(bs->graph_cxt,
											   capacity * sizeof(uint32),
											   MCXT_ALLOC_HUGE);
	else
		bs->upper = repalloc_huge(bs->upper, capacity * sizeof(uint32));
	bs->upper_capacity = capacity;
}

/*
 * Take the next free node number.  False in a parallel build whose segment
 * is full (the overflow is recorded for the leader).
 */
static bool
HnswBuildClaimNode(HnswBuildState *bs, uint32 *node)
{
	if (bs->shared == NULL)
	{
		if (bs->n == bs->capacity)
		{
			if (bs->capacity >= STORE_INVALID_SLOT / 2)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("too many rows for one zvec index")));
			HnswBuildGrow(bs, bs->capacity * 2);
		}
		*node = bs->n;
		return true;
	}

	*node = pg_atomic_fetch_add_u32(&bs->shared->nnodes, 1);
	if (*node < bs->capacity)
		return true;
	pg_atomic_write_u32(&bs->shared->overflow, 1);
	return false;
}

/*
 * Take zeroed upper-list space for a node of this level; its offset goes
 * to *offset.  False in a parallel build whose upper area is full.
 */
static bool
HnswBuildClaimUpper(HnswBuildState *bs, int level, uint64 *offset)
{
	uint64		words = HnswBuildUpperWords(&bs->layout, level);

	if (bs->shared == NULL)
	{
		if (bs->upper_used + words > bs->upper_capacity)
			HnswBuildGrowUpper(bs, words);
		*offset = bs->upper_used;
		bs->upper_used += words;
	}
	else
	{
		*offset = pg_atomic_fetch_add_u64(&bs->shared->upper_used, words);
		if (*offset + words > bs->upper_capacity)
		{
			pg_atomic_write_u32(&bs->shared->overflow, 1);
			return false;
		}
	}
	memset(bs->upper + *offset, 0, sizeof(uint32) * words);
	return true;
}

/*
 * Take an entry for an extra TID, growing the area of a serial build.
 * False in a parallel build whose area is full (the overflow is recorded
 * for the leader).
 */
static bool
HnswBuildClaimDup(HnswBuildState *bs, uint32 *e)
{
	if (bs->shared == NULL)
	{
		if (bs->ndups >= bs->dups_capacity)
		{
			uint32		capacity = Max(bs->dups_capacity, 512) * 2;

			if (bs->dups_capacity >= PG_UINT32_MAX / 4)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("too many rows for one zvec index")));
			GovernorGrow(bs->graph_cxt,
						 (Size) (capacity - bs->dups_capacity) * sizeof(HnswBuildDup));
			if (bs->dups == NULL)
				bs->dups = MemoryContextAllocExtended(bs->graph_cxt,
													  sizeof(HnswBuildDup) * (Size) capacity,
													  MCXT_ALLOC_HUGE);
			else
				bs->dups = repalloc_huge(bs->dups,
										 sizeof(HnswBuildDup) * (Size) capacity);
			bs->dups_capacity = capacity;
		}
		*e = bs->ndups++;
		return true;
	}

	*e = pg_atomic_fetch_add_u32(&bs->shared->ndups, 1);
	if (*e < bs->dups_capacity)
		return true;
	pg_atomic_write_u32(&bs->shared->overflow, 1);
	return false;
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
		const uint32 *list;
		uint32		count;
		uint32		j;

		if (best->count >= ef && c.dist > -best->items[0].dist)
			break;
		/*
		 * The neighbours not visited yet; the start of each one's vector
		 * is asked for before the first distance, so the fetches from
		 * memory overlap (about 9% of a build of 20,000 768-dimension
		 * vectors).
		 */
		list = HnswBuildReadList(bs, c.slot, level, bs->listbuf);
		count = 0;
		for (j = 1; j <= list[0]; j++)
		{
			if (HnswBuildVisit(bs, list[j]))
			{
				bs->unseen[count++] = list[j];
				StorePrefetchMemory((const char *) HnswBuildVector(bs, list[j]),
									bs->layout.prefetch_size);
			}
		}
		for (j = 0; j < count; j++)
		{
			uint32		e = bs->unseen[j];
			float		d;

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

/*
 * Link node e to node q on a layer (dist is their distance).  If e's list
 * is full, the heuristic chooses among its neighbours and q, topping the
 * list up with near pruned ones (see HnswSelectNeighbors).  Holds e's lock
 * throughout in a parallel build.
 */
static void
HnswBuildConnect(HnswBuildState *bs, uint32 e, uint32 q, float dist, int level)
{
	uint32	   *list = HnswBuildList(bs, e, level);
	int			max = HnswLayerMax(&bs->layout, level);
	int			count;
	int			i;
	int			n = 0;
	Vector	   *ev;

	HnswBuildLock(bs, e, LW_EXCLUSIVE);
	count = (int) list[0];
	if (count < max)
	{
		list[count + 1] = q;
		list[0] = count + 1;
		HnswBuildUnlock(bs, e);
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
	qsort(bs->sel, n, sizeof(HnswCandidate), HnswCandidateCompare);
	for (i = 0; i < n; i++)
		bs->selvec[i] = HnswBuildVector(bs, bs->sel[i].slot);
	(void) HnswSelectNeighbors(bs->sel, n, max, HNSW_FILL(max), &bs->zi->dist, bs->selvec, bs->keep);
	count = 0;
	for (i = 0; i < n; i++)
	{
		if (bs->keep[i])
			list[++count] = bs->sel[i].slot;
	}
	list[0] = count;
	HnswBuildUnlock(bs, e);
}

/*
 * The entry point for inserting node q of this level into *ep and *ep_level;
 * false if the graph was empty, in which case q has become the entry.
 */
static bool
HnswBuildGetEntry(HnswBuildState *bs, uint32 q, int level, uint32 *ep,
				  int *ep_level)
{
	bool		found = true;

	if (bs->shared != NULL)
		SpinLockAcquire(&bs->shared->entry_mutex);
	if (bs->entry->node < 0)
	{
		bs->entry->node = q;
		bs->entry->level = level;
		found = false;
	}
	else
	{
		*ep = (uint32) bs->entry->node;
		*ep_level = bs->entry->level;
	}
	if (bs->shared != NULL)
		SpinLockRelease(&bs->shared->entry_mutex);
	return found;
}

/* Make node q the entry point if its level is above the entry's. */
static void
HnswBuildRaiseEntry(HnswBuildState *bs, uint32 q, int level)
{
	if (bs->shared != NULL)
		SpinLockAcquire(&bs->shared->entry_mutex);
	if (level > bs->entry->level)
	{
		bs->entry->node = q;
		bs->entry->level = level;
	}
	if (bs->shared != NULL)
		SpinLockRelease(&bs->shared->entry_mutex);
}

/*
 * If node d holds the same vector as q, add q's TID to it (in the node
 * while it has room, else as an extra TID) and return true.  False also
 * when a parallel build's extra-TID area is full.
 */
static bool
HnswBuildJoinDuplicate(HnswBuildState *bs, uint32 d, uint32 q)
{
	HnswBuildNode *dup = &bs->nodes[d];
	ItemPointerData tid = bs->nodes[q].tids[0];
	bool		joined = false;
	uint32		e;

	if (memcmp(HnswBuildVector(bs, q), HnswBuildVector(bs, d),
			   bs->layout.vector_size) != 0)
		return false;
	HnswBuildLock(bs, d, LW_EXCLUSIVE);
	if (dup->ntids > 0 && dup->ntids < HNSW_NODE_TIDS)
	{
		dup->tids[dup->ntids++] = tid;
		joined = true;
	}
	else if (dup->ntids > 0 && HnswBuildClaimDup(bs, &e))
	{
		bs->dups[e].tid = tid;
		bs->dups[e].next = dup->dups;
		dup->dups = e;
		joined = true;
	}
	HnswBuildUnlock(bs, d);
	return joined;
}

/*
 * Set node q's own list on a layer to the chosen candidates.  In a
 * parallel build another process may already have linked itself into the
 * list (it found q through an upper layer); those links are kept by
 * offering them to the list again once it is set.
 */
static void
HnswBuildSetList(HnswBuildState *bs, uint32 q, int level,
				 const HnswCandidate *chosen, int count)
{
	uint32	   *list = HnswBuildList(bs, q, level);
	uint32		nold;
	uint32		j;
	int			i;

	HnswBuildLock(bs, q, LW_EXCLUSIVE);
	nold = list[0];
	memcpy(bs->oldbuf, list + 1, sizeof(uint32) * nold);
	for (i = 0; i < count; i++)
		list[i + 1] = chosen[i].slot;
	list[0] = count;
	HnswBuildUnlock(bs, q);

	for (j = 0; j < nold; j++)
	{
		bool		kept = false;

		for (i = 0; i < count; i++)
			kept |= (chosen[i].slot == bs->oldbuf[j]);
		if (!kept)
			HnswBuildConnect(bs, q, bs->oldbuf[j],
							 ZvecDistanceCompute(&bs->zi->dist,
												 HnswBuildVector(bs, q),
												 HnswBuildVector(bs, bs->oldbuf[j])),
							 level);
	}
}

/*
 * Insert node q (vector, level and TID already stored) into the graph:
 * search its layers and choose its neighbours there, then link it in.
 * Returns false if q turned out to duplicate an existing node's vector and
 * its TID was added there instead (nothing links to q then).
 */
static bool
HnswBuildInsertNode(HnswBuildState *bs, uint32 q)
{
	const ZvecDistance *dist = &bs->zi->dist;
	Vector	   *qv = HnswBuildVector(bs, q);
	int			level = bs->nodes[q].level;
	uint32		ep = 0;
	int			ep_level = 0;
	float		epd;
	int			l;
	int			top;
	int			nfound;
	int			counts[HNSW_MAX_LEVEL + 1];

	if (!HnswBuildGetEntry(bs, q, level, &ep, &ep_level))
		return true;

	/* Greedy descent through the layers above the node's own. */
	epd = ZvecDistanceCompute(dist, qv, HnswBuildVector(bs, ep));
	for (l = ep_level; l > level; l--)
	{
		bool		changed = true;

		while (changed)
		{
			const uint32 *list = HnswBuildReadList(bs, ep, l, bs->listbuf);
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
	top = Min(level, ep_level);
	for (l = top; l >= 0; l--)
	{
		HnswCandidate *chosen = bs->chosen + (Size) l * bs->layout.m0;
		int			max = HnswLayerMax(&bs->layout, l);
		int			i;

		nfound = HnswBuildSearchLayer(bs, qv, nfound, bs->ef_construction, l);

		/*
		 * An identical vector already indexed: share its node, whatever
		 * q's level.  It need not be the nearest candidate (ties, or inner
		 * product), so every candidate is compared.
		 */
		if (l == 0)
		{
			for (i = 0; i < nfound; i++)
			{
				if (HnswBuildJoinDuplicate(bs, bs->found[i].slot, q))
					return false;
			}
		}

		for (i = 0; i < nfound; i++)
			bs->selvec[i] = HnswBuildVector(bs, bs->found[i].slot);
		(void) HnswSelectNeighbors(bs->found, nfound, max, HNSW_FILL(max), dist, bs->selvec, bs->keep);
		counts[l] = 0;
		for (i = 0; i < nfound; i++)
		{
			if (bs->keep[i] && counts[l] < max)
				chosen[counts[l]++] = bs->found[i];
		}
	}

	/* Not a duplicate: link it in, top layer first. */
	for (l = top; l >= 0; l--)
	{
		HnswCandidate *chosen = bs->chosen + (Size) l * bs->layout.m0;
		int			i;

		HnswBuildSetList(bs, q, l, chosen, counts[l]);
		for (i = 0; i < counts[l]; i++)
			HnswBuildConnect(bs, chosen[i].slot, q, chosen[i].dist, l);
	}

	if (level > ep_level)
		HnswBuildRaiseEntry(bs, q, level);
	return true;
}

/*
 * HnswBuildInsertNode(), holding the vector's lock in a parallel build (see
 * the file header).
 */
static bool
HnswBuildInsert(HnswBuildState *bs, uint32 q)
{
	LWLock	   *lock;
	bool		inserted;

	if (bs->vector_locks == NULL)
		return HnswBuildInsertNode(bs, q);
	lock = &bs->vector_locks[hash_bytes((const unsigned char *) HnswBuildVector(bs, q),
										(int) bs->layout.vector_size) %
							 HNSW_BUILD_VECTOR_LOCKS];
	LWLockAcquire(lock, LW_EXCLUSIVE);
	inserted = HnswBuildInsertNode(bs, q);
	LWLockRelease(lock);
	return inserted;
}

/* Store one row's vector as a new node and insert it into the graph. */
static void
HnswBuildAddRow(HnswBuildState *bs, Vector *v, ItemPointer tid)
{
	uint32		q;
	HnswBuildNode *node;
	int			level;

	if (v->dim != bs->layout.dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", bs->layout.dims, v->dim)));

	if (!HnswBuildClaimNode(bs, &q))
		return;
	level = HnswRandomLevel(&bs->layout);
	node = &bs->nodes[q];
	memset(node, 0, sizeof(HnswBuildNode));
	if (level > 0 && !HnswBuildClaimUpper(bs, level, &node->upper))
		return;
	node->level = (uint8) level;
	node->ntids = 1;
	node->tids[0] = *tid;
	memcpy(HnswBuildVector(bs, q), v, bs->layout.vector_size);
	HnswBuildList0(bs, q)[0] = 0;

	if (HnswBuildInsert(bs, q))
	{
		if (bs->shared == NULL)
			bs->n++;
	}
	else
	{
		node->ntids = 0;
		/* A serial build reuses the slot, and the upper space last taken. */
		if (bs->shared == NULL && level > 0)
			bs->upper_used -= HnswBuildUpperWords(&bs->layout, level);
	}
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
	int64		done;

	CHECK_FOR_INTERRUPTS();
	bs->reltuples++;
	done = (int64) bs->reltuples;
	if (bs->shared != NULL)
		done = (int64) pg_atomic_add_fetch_u64(&bs->shared->tuples_seen, 1);
	if (bs->progress && (bs->reltuples == 1 || ((uint64) bs->reltuples & 255) == 0))
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, done);

	/* Once a shared graph is full, rows are only counted. */
	if (isnull[0] ||
		(bs->shared != NULL && pg_atomic_read_u32(&bs->shared->overflow) != 0))
		return;

	old = MemoryContextSwitchTo(bs->tuple_cxt);
	v = ZvecPrepareVector(&bs->zi->dist, values[0]);
	if (v != NULL)
		HnswBuildAddRow(bs, v, tid);
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tuple_cxt);
}

/* Order heap TIDs (for qsort). */
static int
HnswBuildTidCompare(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

/* Copy an in-memory list into a record, renumbering its nodes to slots. */
static uint16
HnswBuildMapList(const uint32 *list, const uint32 *map, StoreSlot *out)
{
	uint32		j;
	uint16		n = 0;

	for (j = 1; j <= list[0]; j++)
	{
		if (map[list[j]] != STORE_INVALID_SLOT)
			out[n++] = map[list[j]];
	}
	return n;
}

/*
 * Fill a node record from the in-memory node i; its nchain overflow
 * records (if any) start at slot tidchain.
 */
static void
HnswBuildFormNode(HnswBuildState *bs, uint32 i, const uint32 *map,
				  StoreSlot upper, StoreSlot tidchain, uint64 nchain, char *rec)
{
	HnswNodeHeader *nh = (HnswNodeHeader *) rec;
	HnswBuildNode *node = &bs->nodes[i];

	memset(rec, 0, bs->layout.record_size);
	nh->kind = HNSW_KIND_NODE;
	nh->level = node->level;
	nh->ntids = node->ntids;
	nh->upper = upper;
	nh->tidchain = nchain > 0 ? tidchain : STORE_INVALID_SLOT;
	memcpy(nh->tids, node->tids, sizeof(ItemPointerData) * node->ntids);
	nh->nneighbors = HnswBuildMapList(HnswBuildList0(bs, i), map,
									  HnswNodeNeighbors(&bs->layout, rec));
	memcpy(HnswNodeVector(&bs->layout, rec), HnswBuildVector(bs, i),
		   bs->layout.vector_size);
}

/* Fill the upper record of node i that starts at first_level. */
static void
HnswBuildFormUpper(HnswBuildState *bs, uint32 i, const uint32 *map,
				   int first_level, StoreSlot next, char *rec)
{
	HnswUpperHeader *uh = (HnswUpperHeader *) rec;
	HnswBuildNode *node = &bs->nodes[i];
	int			nlevels = Min(bs->layout.lists_per_upper, node->level - first_level + 1);
	int			k;

	memset(rec, 0, bs->layout.record_size);
	uh->kind = HNSW_KIND_UPPER;
	uh->first_level = (uint8) first_level;
	uh->nlevels = (uint8) nlevels;
	uh->owner = map[i];
	uh->next = next;
	for (k = 0; k < nlevels; k++)
	{
		HnswUpperList *ul = HnswUpperListAt(&bs->layout, rec, k);

		ul->count = HnswBuildMapList(HnswBuildList(bs, i, first_level + k),
									 map, ul->slots);
	}
}

/* Number of upper records node i needs (none for an empty slot). */
static inline int
HnswBuildUpperRecords(HnswBuildState *bs, uint32 i)
{
	int			level = bs->nodes[i].level;

	if (bs->nodes[i].ntids == 0)
		return 0;
	return (level + bs->layout.lists_per_upper - 1) / bs->layout.lists_per_upper;
}

/* Number of extra TIDs of node i. */
static uint64
HnswBuildCountDups(HnswBuildState *bs, uint32 i)
{
	uint64		n = 0;
	uint32		e;

	for (e = bs->nodes[i].dups; e != 0; e = bs->dups[e].next)
		n++;
	return n;
}

/* Number of TID overflow records n extra TIDs take. */
static inline uint64
HnswBuildChainRecords(HnswBuildState *bs, uint64 n)
{
	return (n + bs->layout.tids_per_record - 1) / bs->layout.tids_per_record;
}

/*
 * Append the overflow records of node i (slot self) holding its ndups
 * extra TIDs, in TID order.  The first record names the last, and takes
 * the remainder, so it is where later inserts find room.  tids has room
 * for ndups.
 */
static void
HnswBuildWriteChain(HnswBuildState *bs, Store *store, uint32 i, StoreSlot self,
					uint64 ndups, ItemPointerData *tids, char *rec)
{
	HnswTidsHeader *th = (HnswTidsHeader *) rec;
	uint64		nrec = HnswBuildChainRecords(bs, ndups);
	uint64		pos = 0;
	uint64		n = 0;
	uint64		r;
	uint32		e;

	for (e = bs->nodes[i].dups; e != 0; e = bs->dups[e].next)
		tids[n++] = bs->dups[e].tid;
	qsort(tids, n, sizeof(ItemPointerData), HnswBuildTidCompare);

	for (r = 0; r < nrec; r++)
	{
		uint64		count = bs->layout.tids_per_record;

		if (r == 0 && n % bs->layout.tids_per_record != 0)
			count = n % bs->layout.tids_per_record;
		memset(rec, 0, bs->layout.record_size);
		th->kind = HNSW_KIND_TIDS;
		th->ntids = (uint16) count;
		th->owner = self;
		th->next = r + 1 < nrec ? store->nslots + 1 : STORE_INVALID_SLOT;
		th->last = r == 0 ? (StoreSlot) (store->nslots + nrec - 1) : STORE_INVALID_SLOT;
		th->room = r == 0 ? store->nslots : STORE_INVALID_SLOT;
		memcpy(HnswTidsArray(rec), tids + pos, sizeof(ItemPointerData) * count);
		pos += count;
		(void) StoreBulkAppend(store, rec);
	}
}

/*
 * Write the graph to a new store: the nodes at slots 0, 1, ... (skipping
 * the empty slots duplicates left in a parallel build), then their upper
 * records, then their TID overflow records, then the metapage; durable
 * once at the end.
 */
static void
HnswBuildWrite(HnswBuildState *bs, Store *store)
{
	char	   *rec = palloc(bs->layout.record_size);
	char		area[STORE_META_AREA_SIZE];
	HnswMetaState *ms;
	uint32	   *map;
	ItemPointerData *tids = NULL;
	uint64		max_dups = 0;
	uint64		nupper = 0;
	StoreSlot	nlive = 0;
	StoreSlot	next_upper;
	StoreSlot	next_chain;
	uint32		i;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ZVEC_PHASE_WRITE);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, bs->n);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);

	/* Number the nodes, and find where upper and overflow records go. */
	GovernorGrow(bs->graph_cxt, sizeof(uint32) * (Size) Max(bs->n, 1));
	map = MemoryContextAllocExtended(bs->graph_cxt,
									 sizeof(uint32) * (Size) Max(bs->n, 1),
									 MCXT_ALLOC_HUGE);
	for (i = 0; i < bs->n; i++)
	{
		if (bs->nodes[i].ntids == 0)
		{
			map[i] = STORE_INVALID_SLOT;
			continue;
		}
		map[i] = nlive++;
		nupper += HnswBuildUpperRecords(bs, i);
		if (bs->nodes[i].dups != 0)
			max_dups = Max(max_dups, HnswBuildCountDups(bs, i));
	}
	if (max_dups > 0)
	{
		GovernorGrow(bs->graph_cxt, sizeof(ItemPointerData) * max_dups);
		tids = MemoryContextAllocExtended(bs->graph_cxt,
										  sizeof(ItemPointerData) * max_dups,
										  MCXT_ALLOC_HUGE);
	}
	next_upper = nlive;
	next_chain = nlive + nupper;

	StoreBulkBegin(store);
	for (i = 0; i < bs->n; i++)
	{
		int			nup = HnswBuildUpperRecords(bs, i);
		uint64		nchain = 0;

		if (map[i] == STORE_INVALID_SLOT)
			continue;
		if (bs->nodes[i].dups != 0)
			nchain = HnswBuildChainRecords(bs, HnswBuildCountDups(bs, i));
		HnswBuildFormNode(bs, i, map,
						  nup > 0 ? next_upper : STORE_INVALID_SLOT,
						  next_chain, nchain, rec);
		(void) StoreBulkAppend(store, rec);
		next_upper += nup;
		next_chain += nchain;
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

			HnswBuildFormUpper(bs, i, map, 1 + k * bs->layout.lists_per_upper,
							   k + 1 < nup ? self + 1 : STORE_INVALID_SLOT, rec);
			(void) StoreBulkAppend(store, rec);
		}
	}
	for (i = 0; i < bs->n; i++)
	{
		if (map[i] != STORE_INVALID_SLOT && bs->nodes[i].dups != 0)
		{
			HnswBuildWriteChain(bs, store, i, map[i],
								HnswBuildCountDups(bs, i), tids, rec);
			CHECK_FOR_INTERRUPTS();
		}
	}
	Assert(store->nslots == next_chain);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, bs->n);

	ms = ZvecMetaAlgoState(&bs->zi->meta, HnswMetaState);
	memset(ms, 0, sizeof(HnswMetaState));
	ms->entry = bs->entry->node >= 0 ? map[bs->entry->node] : STORE_INVALID_SLOT;
	ms->entry_level = bs->entry->node >= 0 ? bs->entry->level : 0;
	ms->free_head = STORE_INVALID_SLOT;
	ms->inserted = nlive;

	memset(area, 0, sizeof(area));
	memcpy(area, &bs->zi->meta, sizeof(ZvecMeta));
	StoreBulkFinish(store, area);
	pfree(rec);
	pfree(map);
	if (tids != NULL)
		pfree(tids);
}

/* Fill in what every build state starts with, serial or parallel. */
static void
HnswBuildInitState(HnswBuildState *bs, Relation heap, ZvecIndex *zi)
{
	memset(bs, 0, sizeof(HnswBuildState));
	bs->heap = heap;
	bs->index = zi->index;
	bs->zi = zi;
	bs->ef_construction = (int) zi->meta.ef_construction;
	HnswLayoutInit(&bs->layout, (int) zi->meta.m, (int) zi->meta.dims);
	StoreCheckRecordSize(bs->layout.record_size);
	bs->vstride = MAXALIGN(bs->layout.vector_size);
	bs->local_entry.node = -1;
	bs->entry = &bs->local_entry;
	bs->ndups = 1;
}

/*
 * Open the accounted graph context (operation names the build in error
 * messages), reserve bytes in it, and allocate the search scratch there.
 */
static void
HnswBuildBegin(HnswBuildState *bs, const char *operation, Size bytes)
{
	MemoryContext old;
	int			most = Max(bs->ef_construction, bs->layout.m0) + 1;

	bs->graph_cxt = GovernorContextCreate(CurrentMemoryContext,
										  "zvec hnsw build graph",
										  operation, GOVERNOR_QUOTA);
	GovernorReserve(bs->graph_cxt, bytes);
	bs->tuple_cxt = AllocSetContextCreate(CurrentMemoryContext,
										  "zvec hnsw build tuple",
										  ALLOCSET_DEFAULT_SIZES);

	old = MemoryContextSwitchTo(bs->graph_cxt);
	HnswHeapInit(&bs->cand, bs->ef_construction * 4);
	HnswHeapInit(&bs->best, bs->ef_construction + 1);
	bs->found = palloc(sizeof(HnswCandidate) * (bs->ef_construction + 1));
	bs->chosen = palloc(sizeof(HnswCandidate) * bs->layout.m0 *
						(bs->layout.max_level + 1));
	bs->sel = palloc(sizeof(HnswCandidate) * (bs->layout.m0 + 1));
	bs->selvec = palloc(sizeof(Vector *) * most);
	bs->keep = palloc(sizeof(bool) * most);
	bs->listbuf = palloc(sizeof(uint32) * (bs->layout.m0 + 1));
	bs->oldbuf = palloc(sizeof(uint32) * (bs->layout.m0 + 1));
	bs->unseen = palloc(sizeof(uint32) * (bs->layout.m0 + 1));
	MemoryContextSwitchTo(old);
}

/* Release what HnswBuildBegin() and the load took (and their charge). */
static void
HnswBuildEnd(HnswBuildState *bs)
{
	MemoryContextDelete(bs->tuple_cxt);
	MemoryContextDelete(bs->graph_cxt);
	bs->tuple_cxt = NULL;
	bs->graph_cxt = NULL;
}

/* Create the store and write the loaded graph into it. */
static void
HnswBuildFinish(HnswBuildState *bs)
{
	ZvecIndex  *zi = bs->zi;

	zi->store = StoreCreate(bs->index, MAIN_FORKNUM,
							(ZvecStorageKind) zi->meta.storage,
							bs->layout.record_size);
	HnswBuildWrite(bs, zi->store);
}

/*
 * Build in this process alone, sizing the graph for rows expected: load
 * with table_index_build_scan(), then write.
 */
static void
HnswBuildSerial(HnswBuildState *bs, IndexInfo *info, double rows)
{
	uint32		capacity = HnswBuildInitialCapacity(rows);

	bs->estimate = rows;
	HnswBuildBegin(bs, psprintf("index build \"%s\"",
								RelationGetRelationName(bs->index)),
				   HnswBuildEstimateMemory(&bs->layout, rows));
	bs->progress = true;
	HnswBuildGrow(bs, capacity);
	HnswBuildGrowUpper(bs, HnswBuildExpectedUpper(&bs->layout, capacity));

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ZVEC_PHASE_LOAD);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) rows);
	bs->reltuples = table_index_build_scan(bs->heap, bs->index, info, true, true,
										   HnswBuildCallback, bs, NULL);
	HnswBuildFinish(bs);
	HnswBuildEnd(bs);
}

/*
 * Workers for a parallel build: what the planner grants, as for btree,
 * but no more than leave one CPU of the cgroup's limit to the leader.
 */
static int
HnswBuildPlanWorkers(Relation heap, Relation index)
{
	int			nworkers;
	int			cpu_bound;

	nworkers = plan_create_index_workers(RelationGetRelid(heap),
										 RelationGetRelid(index));
	cpu_bound = (int) ceil(CgroupGetLimits()->cpus) - 1;
	nworkers = Max(Min(nworkers, cpu_bound), 0);
	ereport(DEBUG1,
			(errmsg_internal("zvec index \"%s\": %d parallel workers planned",
							 RelationGetRelationName(index), nworkers)));
	return nworkers;
}

/* Lay out the arrays of a shared graph holding capacity nodes. */
static void
HnswBuildPlanGraph(const HnswLayout *layout, uint32 capacity,
				   uint64 upper_capacity, HnswBuildGraphLayout *gl)
{
	Size		vstride = MAXALIGN(layout->vector_size);
	Size		off = 0;

	gl->nodes = off;
	off = add_size(off, MAXALIGN(mul_size(sizeof(HnswBuildNode), capacity)));
	gl->lists0 = off;
	off = add_size(off, MAXALIGN(mul_size(sizeof(uint32) * (layout->m0 + 1), capacity)));
	gl->vectors = off;
	off = add_size(off, mul_size(vstride, capacity));
	gl->upper = off;
	off = add_size(off, MAXALIGN(mul_size(sizeof(uint32), upper_capacity)));
	gl->dups = off;
	off = add_size(off, MAXALIGN(mul_size(sizeof(HnswBuildDup), capacity)));
	gl->locks = off;
	off = add_size(off, mul_size(sizeof(LWLock), capacity));
	gl->vector_locks = off;
	off = add_size(off, mul_size(sizeof(LWLock), HNSW_BUILD_VECTOR_LOCKS));
	gl->total = off;
}

/* Point a build state at the shared graph (leader and workers alike). */
static void
HnswBuildAttach(HnswBuildState *bs, HnswBuildShared *shared, char *graph)
{
	HnswBuildGraphLayout gl;

	HnswBuildPlanGraph(&bs->layout, shared->capacity, shared->upper_capacity, &gl);
	bs->shared = shared;
	bs->capacity = shared->capacity;
	bs->upper_capacity = shared->upper_capacity;
	bs->nodes = (HnswBuildNode *) (graph + gl.nodes);
	bs->lists0 = (uint32 *) (graph + gl.lists0);
	bs->vectors = graph + gl.vectors;
	bs->upper = (uint32 *) (graph + gl.upper);
	bs->dups = (HnswBuildDup *) (graph + gl.dups);
	bs->dups_capacity = shared->capacity;
	bs->locks = (LWLock *) (graph + gl.locks);
	bs->vector_locks = (LWLock *) (graph + gl.vector_locks);
	bs->entry = &shared->entry;
	LWLockRegisterTranche(shared->lock_tranche, "zvec_hnsw_build");
}

/* Give this process its own random levels, apart from every other's. */
static void
HnswBuildSeedLevels(void)
{
	if (!pg_prng_strong_seed(&pg_global_prng_state))
		pg_prng_seed(&pg_global_prng_state,
					 (uint64) MyProcPid ^ (uint64) GetCurrentTimestamp());
}

/*
 * One participant's share of a parallel load: its part of the parallel
 * heap scan inserted into the shared graph; then it reports its counts
 * and signals the leader.  Its visited array is private and charged to
 * its own governor context (the leader's comes with its reservation).
 */
static void
HnswBuildParticipate(HnswBuildState *bs, ParallelTableScanDesc pscan,
					 IndexInfo *info)
{
	HnswBuildShared *shared = bs->shared;
	TableScanDesc scan;
	double		reltuples;

	bs->visited = MemoryContextAllocExtended(bs->graph_cxt,
											 sizeof(uint32) * (Size) bs->capacity,
											 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	scan = table_beginscan_parallel(bs->heap, pscan);
	reltuples = table_index_build_scan(bs->heap, bs->index, info, true,
									   bs->progress, HnswBuildCallback, bs,
									   scan);

	SpinLockAcquire(&shared->mutex);
	shared->ndone++;
	shared->reltuples += reltuples;
	shared->indtuples += bs->indtuples;
	SpinLockRelease(&shared->mutex);
	ConditionVariableBroadcast(&shared->done_cv);
}

/* Bytes of DSM a parallel build reserves for capacity nodes. */
static Size
HnswBuildParallelBytes(const HnswLayout *layout, uint32 capacity,
					   uint64 *upper_capacity)
{
	HnswBuildGraphLayout gl;

	/* twice the expected upper lists, and a margin for a small graph */
	*upper_capacity = 2 * HnswBuildExpectedUpper(layout, capacity) +
		HnswBuildUpperWords(layout, HNSW_MAX_LEVEL) * 64;
	HnswBuildPlanGraph(layout, capacity, *upper_capacity, &gl);
	return add_size(gl.total, sizeof(HnswBuildShared));
}

/*
 * Load in parallel with nworkers workers and write the index.  Returns
 * false, having released everything, if the table held more rows than the
 * shared graph was sized for; *rows_seen is then the true count.
 */
static bool
HnswBuildParallel(HnswBuildState *bs, IndexInfo *info, int nworkers,
				  double rows, double *rows_seen)
{
	ParallelContext *pcxt;
	HnswBuildShared *shared;
	ParallelTableScanDesc pscan;
	Snapshot	snapshot;
	Size		scan_bytes;
	Size		shared_bytes;
	uint64		upper_capacity;
	uint32		capacity = HnswBuildInitialCapacity(rows);
	HnswBuildGraphLayout gl;
	char	   *graph;
	char	   *query;
	static int	lock_tranche = 0;
	uint32		i;
	bool		overflow;

	/* The whole graph is charged before the segment exists. */
	shared_bytes = HnswBuildParallelBytes(&bs->layout, capacity, &upper_capacity);
	bs->estimate = rows;
	HnswBuildBegin(bs, psprintf("parallel index build \"%s\"",
								RelationGetRelationName(bs->index)),
				   add_size(add_size(shared_bytes, HNSW_BUILD_SCRATCH),
							mul_size(sizeof(uint32), capacity)));
	bs->progress = true;

	if (info->ii_Concurrent)
		snapshot = RegisterSnapshot(GetTransactionSnapshot());
	else
		snapshot = SnapshotAny;

	EnterParallelMode();
	pcxt = CreateParallelContext("zvec", "HnswBuildWorkerMain", nworkers);
	scan_bytes = table_parallelscan_estimate(bs->heap, snapshot);
	HnswBuildPlanGraph(&bs->layout, capacity, upper_capacity, &gl);
	shm_toc_estimate_chunk(&pcxt->estimator, sizeof(HnswBuildShared));
	shm_toc_estimate_chunk(&pcxt->estimator, gl.total);
	shm_toc_estimate_chunk(&pcxt->estimator, scan_bytes);
	shm_toc_estimate_keys(&pcxt->estimator, 3);
	if (debug_query_string)
	{
		shm_toc_estimate_chunk(&pcxt->estimator, strlen(debug_query_string) + 1);
		shm_toc_estimate_keys(&pcxt->estimator, 1);
	}
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
	{
		/* no segment could be had: the graph cannot be shared */
		DestroyParallelContext(pcxt);
		ExitParallelMode();
		if (IsMVCCSnapshot(snapshot))
			UnregisterSnapshot(snapshot);
		HnswBuildEnd(bs);
		*rows_seen = rows;
		return false;
	}

	shared = shm_toc_allocate(pcxt->toc, sizeof(HnswBuildShared));
	memset(shared, 0, sizeof(HnswBuildShared));
	shared->heaprelid = RelationGetRelid(bs->heap);
	shared->indexrelid = RelationGetRelid(bs->index);
	shared->isconcurrent = info->ii_Concurrent;
	if (lock_tranche == 0)
		lock_tranche = LWLockNewTrancheId();
	shared->lock_tranche = lock_tranche;
	shared->capacity = capacity;
	shared->upper_capacity = upper_capacity;
	pg_atomic_init_u32(&shared->nnodes, 0);
	pg_atomic_init_u32(&shared->ndups, 1);
	pg_atomic_init_u64(&shared->upper_used, 0);
	pg_atomic_init_u32(&shared->overflow, 0);
	pg_atomic_init_u64(&shared->tuples_seen, 0);
	SpinLockInit(&shared->entry_mutex);
	shared->entry.node = -1;
	SpinLockInit(&shared->mutex);
	ConditionVariableInit(&shared->done_cv);
	shm_toc_insert(pcxt->toc, HNSW_PARALLEL_KEY_SHARED, shared);

	graph = shm_toc_allocate(pcxt->toc, gl.total);
	shm_toc_insert(pcxt->toc, HNSW_PARALLEL_KEY_GRAPH, graph);
	HnswBuildAttach(bs, shared, graph);
	for (i = 0; i < capacity; i++)
		LWLockInitialize(&bs->locks[i], lock_tranche);
	for (i = 0; i < HNSW_BUILD_VECTOR_LOCKS; i++)
		LWLockInitialize(&bs->vector_locks[i], lock_tranche);

	pscan = shm_toc_allocate(pcxt->toc, scan_bytes);
	table_parallelscan_initialize(bs->heap, pscan, snapshot);
	shm_toc_insert(pcxt->toc, HNSW_PARALLEL_KEY_SCAN, pscan);
	if (debug_query_string)
	{
		query = shm_toc_allocate(pcxt->toc, strlen(debug_query_string) + 1);
		strcpy(query, debug_query_string);
		shm_toc_insert(pcxt->toc, HNSW_PARALLEL_KEY_QUERY, query);
	}

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ZVEC_PHASE_LOAD);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) rows);
	LaunchParallelWorkers(pcxt);
	ereport(DEBUG2,
			(errmsg_internal("zvec index \"%s\": %d of %d parallel workers launched",
							 RelationGetRelationName(bs->index),
							 pcxt->nworkers_launched, nworkers)));

	/* The leader takes its share, then waits for the workers. */
	HnswBuildParticipate(bs, pscan, info);
	if (pcxt->nworkers_launched > 0)
		WaitForParallelWorkersToAttach(pcxt);
	for (;;)
	{
		int			ndone;

		SpinLockAcquire(&shared->mutex);
		ndone = shared->ndone;
		SpinLockRelease(&shared->mutex);
		if (ndone > pcxt->nworkers_launched)
			break;
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
									 (int64) pg_atomic_read_u64(&shared->tuples_seen));
		(void) ConditionVariableTimedSleep(&shared->done_cv,
										   HNSW_PARALLEL_REPORT_MS,
										   WAIT_EVENT_PARALLEL_CREATE_INDEX_SCAN);
	}
	ConditionVariableCancelSleep();
	WaitForParallelWorkersToFinish(pcxt);

	bs->reltuples = shared->reltuples;
	bs->indtuples = shared->indtuples;
	overflow = pg_atomic_read_u32(&shared->overflow) != 0;
	if (!overflow)
	{
		bs->n = pg_atomic_read_u32(&shared->nnodes);
		HnswBuildFinish(bs);
	}

	DestroyParallelContext(pcxt);
	ExitParallelMode();
	if (IsMVCCSnapshot(snapshot))
		UnregisterSnapshot(snapshot);
	HnswBuildEnd(bs);

	*rows_seen = bs->reltuples;
	if (overflow)
		ereport(DEBUG1,
				(errmsg_internal("zvec index \"%s\": table has more rows than the %u the parallel build was sized for, building serially",
								 RelationGetRelationName(bs->index), capacity)));
	return !overflow;
}

/*
 * Entry point of a parallel build worker (named to CreateParallelContext):
 * open the relations as the leader has them, attach to the shared graph
 * and take a share of the scan.
 */
void
HnswBuildWorkerMain(dsm_segment *seg, shm_toc *toc)
{
	HnswBuildShared *shared;
	ParallelTableScanDesc pscan;
	HnswBuildState bs;
	Relation	heap;
	Relation	index;
	LOCKMODE	heap_lockmode;
	LOCKMODE	index_lockmode;
	IndexInfo  *info;
	ZvecParams	params;
	ZvecIndex  *zi;

	shared = shm_toc_lookup(toc, HNSW_PARALLEL_KEY_SHARED, false);
	debug_query_string = shm_toc_lookup(toc, HNSW_PARALLEL_KEY_QUERY, true);
	pgstat_report_activity(STATE_RUNNING, debug_query_string);

	/* The lock modes index_build() took in the leader. */
	if (shared->isconcurrent)
	{
		heap_lockmode = ShareUpdateExclusiveLock;
		index_lockmode = RowExclusiveLock;
	}
	else
	{
		heap_lockmode = ShareLock;
		index_lockmode = AccessExclusiveLock;
	}
	heap = table_open(shared->heaprelid, heap_lockmode);
	index = index_open(shared->indexrelid, index_lockmode);
	info = BuildIndexInfo(index);
	info->ii_Concurrent = shared->isconcurrent;

	ZvecGetParams(index, &params);
	zi = ZvecIndexPrepareBuild(index, &params);
	HnswBuildInitState(&bs, heap, zi);
	HnswBuildBegin(&bs, psprintf("parallel index build \"%s\"",
								 RelationGetRelationName(index)),
				   add_size(HNSW_BUILD_SCRATCH,
							mul_size(sizeof(uint32), shared->capacity)));
	HnswBuildAttach(&bs, shared,
					shm_toc_lookup(toc, HNSW_PARALLEL_KEY_GRAPH, false));
	HnswBuildSeedLevels();

	pscan = shm_toc_lookup(toc, HNSW_PARALLEL_KEY_SCAN, false);
	HnswBuildParticipate(&bs, pscan, info);
	ereport(DEBUG2,
			(errmsg_internal("zvec parallel build worker indexed %.0f of %.0f rows it read",
							 bs.indtuples, bs.reltuples)));

	HnswBuildEnd(&bs);
	ZvecIndexClose(zi);
	index_close(index, index_lockmode);
	table_close(heap, heap_lockmode);
}

/* ambuild for HNSW: see the file header. */
IndexBuildResult *
HnswBuild(Relation heap, ZvecIndex *zi, IndexInfo *info)
{
	HnswBuildState bs;
	IndexBuildResult *result;
	double		rows;
	int			nworkers;
	bool		built = false;

	/*
	 * A fixed seed makes a serial build of the same rows the same graph
	 * every time (reproducible recall); parallel workers seed their own.
	 */
	HnswSeedLevels(UINT64CONST(0x7A766563));
	HnswBuildInitState(&bs, heap, zi);
	rows = HnswBuildEstimateRows(heap, &bs.layout);
	nworkers = HnswBuildPlanWorkers(heap, zi->index);
	if (nworkers > 0)
	{
		double		seen;

		built = HnswBuildParallel(&bs, info, nworkers, rows, &seen);
		if (!built)
		{
			HnswBuildInitState(&bs, heap, zi);
			rows = seen;
		}
	}
	if (!built)
		HnswBuildSerial(&bs, info, rows);

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
