/*-------------------------------------------------------------------------
 *
 * scan.c
 *	  k-NN scans of an HNSW index, with iterative continuation.
 *
 * A scan descends greedily through the upper layers, then runs a
 * best-first search of layer 0 that keeps the zvec.ef_search nearest nodes
 * with live heap TIDs, and returns their TIDs nearest first.
 *
 * The layer-0 search is resumable.  Every node the search has computed a
 * distance for is an item in a pool: its slot, distance and TIDs (copied
 * under the same lock as the vector, so they always match it), and whether
 * it was expanded or returned.  Besides the candidate heap and the ef-best
 * heap of the paper, the search keeps a "deferred" heap of items it has
 * seen but neither returned nor expanded.  When the executor wants more
 * rows than a batch gave (a WHERE clause rejected them) and
 * zvec.iterative_scan is on, the next batch refills the best heap from
 * the deferred items, seeds the candidates with the unexpanded ones, and
 * continues the search from where it stopped.  Batches stop once
 * zvec.max_scan_tuples nodes have been visited; what was already seen is
 * still returned.  relaxed_order returns each batch in order; strict_order
 * also drops a row nearer than one already returned, so the whole result
 * is ordered.
 *
 * Visiting a node costs one buffer pin and lock (for bufferpool; none for
 * mmap): the head, TIDs and vector are read together.  TIDs beyond those
 * in the node (identical vectors share a node; see tids.c) are read from
 * its overflow chain only when the node's rows are returned.  The records
 * of a node's unseen neighbours are prefetched before the first is read.
 * The visited set is a bitmap over the index's slots (a hash of slot
 * numbers for huge indexes).
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/hnsw/scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "guc.h"
#include "hnsw/hnsw.h"
#include "memory/memory.h"

/*
 * Indexes of up to this many slots keep the visited set as a bitmap (at
 * most 512 kB, zeroed for every query); larger ones use a hash set.
 */
#define HNSW_SCAN_BITMAP_MAX_SLOTS	(4U * 1024 * 1024)

/* Item flags. */
#define HNSW_ITEM_EXPANDED		0x01
#define HNSW_ITEM_RETURNED		0x02
#define HNSW_ITEM_QUEUED		0x04	/* in the candidate heap */
#define HNSW_ITEM_CHAIN			0x08	/* the node has overflow TIDs */

/* A node the scan has computed the distance of. */
typedef struct HnswScanItem
{
	float		dist;
	StoreSlot	slot;
	uint8		ntids;
	uint8		flags;
	ItemPointerData tids[HNSW_NODE_TIDS];
} HnswScanItem;

/* The state of one scan. */
typedef struct HnswScanState
{
	ZvecIndex  *zi;
	HnswLayout	layout;
	MemoryContext cxt;			/* everything below; reset by rescan */

	Vector	   *query;			/* NULL: return every row in slot order */
	bool		started;
	bool		exhausted;
	int			ef;
	int			mode;			/* HnswIterativeScan */
	int64		budget;			/* visits allowed, for later batches */

	HnswScanItem *items;
	uint32		nitems;
	uint32		capacity;
	HnswHeap	cand;			/* key dist, id item: to expand */
	HnswHeap	best;			/* key -dist, id item: this batch's best */
	HnswHeap	deferred;		/* key dist, id item: seen, not yet used */
	HnswSlotSet visited;		/* visited slots past visited_nbits */
	uint64	   *visited_bits;	/* a bit per slot below visited_nbits */
	StoreSlot	visited_nbits;
	int64		nvisited;
	StoreSlot  *nbrs;

	uint32	   *results;		/* this batch's items, nearest first */
	int			nresults;
	int			pos;
	int			tidpos;

	/* overflow TIDs of one item (or one record in slot-order mode) */
	uint32		chain_item;		/* the item they are of, or PG_UINT32_MAX */
	ItemPointerData *chain;
	int			nchain;
	int			chain_capacity;
	float		last_dist;
	bool		any_returned;

	/* slot-order mode */
	StoreSlot	next_slot;
	StoreSlot	nslots;
	HnswScanItem current;
} HnswScanState;

/*
 * Mark a slot visited; false if it was already.  Slots that existed when
 * the scan began are bits of a bitmap (when the index is not huge), later
 * ones go to a hash set.
 */
static inline bool
HnswScanMarkVisited(HnswScanState *ss, StoreSlot slot)
{
	if (slot < ss->visited_nbits)
	{
		uint64	   *word = &ss->visited_bits[slot / 64];
		uint64		bit = UINT64CONST(1) << (slot % 64);

		if (*word & bit)
			return false;
		*word |= bit;
		return true;
	}
	return HnswSlotSetAdd(&ss->visited, slot);
}

/*
 * Replace the top of a heap (its smallest key) by a new item and restore
 * the heap order: a pop and a push in one pass.
 */
static inline void
HnswScanHeapReplaceTop(HnswHeap *heap, float key, uint32 id)
{
	HnswCandidate *items = heap->items;
	int			n = heap->count;
	int			i = 0;

	Assert(n > 0);
	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && items[child + 1].dist < items[child].dist)
			child++;
		if (key <= items[child].dist)
			break;
		items[i] = items[child];
		i = child;
	}
	items[i].dist = key;
	items[i].slot = id;
}

/*
 * The distance a new item must beat to enter this batch's best: the ef-th
 * best so far, or infinity while there are fewer.
 */
static inline float
HnswScanBound(HnswScanState *ss)
{
	return ss->best.count < ss->ef ? get_float4_infinity() : -ss->best.items[0].dist;
}

/*
 * Read a node and make it an item: distance to the query and TIDs.
 * Returns the item number, or -1 if the slot is not a node.  The TIDs of
 * a node that cannot be returned (too far for this batch, and no later
 * batch without an iterative scan) are not copied: the item gets none,
 * like a deleted node, which the search walks through all the same.
 */
static int
HnswScanVisit(HnswScanState *ss, StoreSlot slot)
{
	Store	   *store = ss->zi->store;
	StoreRef	ref;
	const char *rec;
	const HnswNodeHeader *nh;
	HnswScanItem *item;

	rec = StoreRead(store, slot, STORE_READ_FULL, &ref);
	nh = (const HnswNodeHeader *) rec;
	if (nh->kind != HNSW_KIND_NODE)
	{
		StoreRelease(store, &ref);
		return -1;
	}
	if (ss->nitems == ss->capacity)
	{
		ss->capacity *= 2;
		GovernorGrow(ss->cxt, sizeof(HnswScanItem) * ss->capacity);
		ss->items = repalloc_huge(ss->items, sizeof(HnswScanItem) * ss->capacity);
	}
	item = &ss->items[ss->nitems];
	item->dist = ZvecDistanceCompute(&ss->zi->dist, ss->query,
									 HnswNodeVector(&ss->layout, rec));
	item->slot = slot;
	item->flags = nh->tidchain != STORE_INVALID_SLOT ? HNSW_ITEM_CHAIN : 0;
	item->ntids = Min(nh->ntids, HNSW_NODE_TIDS);
	if (ss->mode != ZVEC_ITERATIVE_OFF || item->dist < HnswScanBound(ss))
		memcpy(item->tids, nh->tids, sizeof(ItemPointerData) * item->ntids);
	else
	{
		item->ntids = 0;		/* never returned: walked through only */
		item->flags = 0;
	}
	StoreRelease(store, &ref);
	ss->nvisited++;
	return (int) ss->nitems++;
}

/*
 * Copy a node's layer-0 neighbour list into ss->nbrs; returns its length
 * (0 if the slot is no longer a node).
 */
static int
HnswScanReadList(HnswScanState *ss, StoreSlot slot)
{
	Store	   *store = ss->zi->store;
	StoreRef	ref;
	const char *rec;
	const HnswNodeHeader *nh;
	int			n = 0;

	rec = StoreRead(store, slot, STORE_READ_HEAD, &ref);
	nh = (const HnswNodeHeader *) rec;
	if (nh->kind == HNSW_KIND_NODE)
	{
		n = Min(nh->nneighbors, ss->layout.m0);
		memcpy(ss->nbrs, HnswNodeNeighbors(&ss->layout, rec),
			   sizeof(StoreSlot) * n);
	}
	StoreRelease(store, &ref);
	return n;
}

/* Whether an item has heap TIDs to return. */
static inline bool
HnswScanItemLive(const HnswScanItem *item)
{
	return item->ntids > 0 || (item->flags & HNSW_ITEM_CHAIN) != 0;
}

/*
 * Read the overflow TIDs of item i into ss->chain.  The node is read again
 * first: were it freed and its slot reused since the visit (by a vector at
 * another distance), its TIDs then were all dead and none are returned.
 */
static void
HnswScanLoadChain(HnswScanState *ss, uint32 i)
{
	Store	   *store = ss->zi->store;
	HnswScanItem *item = &ss->items[i];
	StoreRef	ref;
	const char *rec;
	const HnswNodeHeader *nh;
	StoreSlot	first = STORE_INVALID_SLOT;

	rec = StoreRead(store, item->slot, STORE_READ_FULL, &ref);
	nh = (const HnswNodeHeader *) rec;
	if (nh->kind == HNSW_KIND_NODE &&
		ZvecDistanceCompute(&ss->zi->dist, ss->query,
							HnswNodeVector(&ss->layout, rec)) == item->dist)
		first = nh->tidchain;
	StoreRelease(store, &ref);
	ss->chain_item = i;
	ss->nchain = first == STORE_INVALID_SLOT ? 0 :
		HnswTidsRead(store, &ss->layout, item->slot, first, &ss->chain,
					 &ss->chain_capacity);
}

/* Queue an item for expansion. */
static inline void
HnswScanQueue(HnswScanState *ss, uint32 i)
{
	HnswHeapPush(&ss->cand, ss->items[i].dist, i);
	ss->items[i].flags |= HNSW_ITEM_QUEUED;
}

/*
 * Offer an item to this batch's best; what falls out is deferred (only an
 * iterative scan has later batches to use it).
 */
static inline void
HnswScanOfferBest(HnswScanState *ss, uint32 i)
{
	if (ss->mode == ZVEC_ITERATIVE_OFF && ss->best.count >= ss->ef)
	{
		HnswScanHeapReplaceTop(&ss->best, -ss->items[i].dist, i);
		return;
	}
	HnswHeapPush(&ss->best, -ss->items[i].dist, i);
	if (ss->best.count > ss->ef)
	{
		HnswCandidate out = HnswHeapPop(&ss->best);

		HnswHeapPush(&ss->deferred, -out.dist, out.slot);
	}
}

/*
 * Run the layer-0 search until the nearest unexpanded candidate is farther
 * than the batch's ef-th best (or, for later batches, the visit budget is
 * spent), then turn the best heap into this batch's results.
 */
static void
HnswScanRunBatch(HnswScanState *ss, bool limited)
{
	Store	   *store = ss->zi->store;
	int			i;
	int			nnew;

	while (ss->cand.count > 0)
	{
		HnswCandidate top = ss->cand.items[0];
		HnswScanItem *item;
		int			n;

		if (ss->best.count >= ss->ef && top.dist > -ss->best.items[0].dist)
			break;
		if (limited && ss->nvisited >= ss->budget)
			break;
		(void) HnswHeapPop(&ss->cand);
		item = &ss->items[top.slot];
		item->flags &= ~HNSW_ITEM_QUEUED;
		if (item->flags & HNSW_ITEM_EXPANDED)
			continue;
		item->flags |= HNSW_ITEM_EXPANDED;

		/*
		 * The neighbours not seen yet; ask for all their records before
		 * reading the first, so the memory fetches overlap.
		 */
		n = HnswScanReadList(ss, item->slot);
		nnew = 0;
		for (i = 0; i < n; i++)
		{
			if (HnswScanMarkVisited(ss, ss->nbrs[i]))
			{
				ss->nbrs[nnew++] = ss->nbrs[i];
				StorePrefetch(store, ss->nbrs[i], 0, sizeof(HnswNodeHeader));
				StorePrefetch(store, ss->nbrs[i], ss->layout.vector_offset,
							  ss->layout.prefetch_size);
			}
		}
		for (i = 0; i < nnew; i++)
		{
			int			idx;
			float		d;

			idx = HnswScanVisit(ss, ss->nbrs[i]);
			if (idx < 0)
				continue;
			d = ss->items[idx].dist;
			if (d < HnswScanBound(ss))
			{
				HnswScanQueue(ss, idx);
				if (HnswScanItemLive(&ss->items[idx]))
					HnswScanOfferBest(ss, idx);
			}
			else if (ss->mode != ZVEC_ITERATIVE_OFF)
				HnswHeapPush(&ss->deferred, d, idx);
		}
		CHECK_FOR_INTERRUPTS();
	}

	/* The batch's results, nearest first. */
	ss->nresults = ss->best.count;
	for (i = ss->nresults - 1; i >= 0; i--)
	{
		HnswCandidate c = HnswHeapPop(&ss->best);

		ss->results[i] = c.slot;
		ss->items[c.slot].flags |= HNSW_ITEM_RETURNED;
	}
	ss->pos = 0;
	ss->tidpos = 0;

	/* what the heaps and a hashed visited set grew by, charged */
	GovernorRefresh(ss->cxt);
}

/* Start the search: descend the upper layers and run the first batch. */
static void
HnswScanStart(HnswScanState *ss)
{
	Store	   *store = ss->zi->store;
	char		area[STORE_META_AREA_SIZE];
	HnswMetaState *ms;
	HnswCandidate entry;
	HnswCandidate found;
	int			level;
	int			idx;
	int			attempt;

	/*
	 * Read the entry point.  A vacuum may replace and free it between our
	 * reading the metapage and the node, so a non-node is retried.
	 */
	for (attempt = 0;; attempt++)
	{
		StoreReadMeta(ss->zi->index, area);
		ms = ZvecMetaAlgoState((ZvecMeta *) area, HnswMetaState);
		if (ms->entry == STORE_INVALID_SLOT)
		{
			ss->exhausted = true;
			return;
		}
		idx = HnswScanVisit(ss, ms->entry);
		if (idx >= 0)
			break;
		if (attempt >= 3)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("entry point of index \"%s\" is not a node",
							RelationGetRelationName(ss->zi->index)),
					 errhint("REINDEX the index.")));
	}
	(void) HnswScanMarkVisited(ss, ms->entry);
	entry.slot = ms->entry;
	entry.dist = ss->items[idx].dist;

	/* The entry point is a layer-0 node like any other. */
	HnswScanQueue(ss, idx);
	if (HnswScanItemLive(&ss->items[idx]))
		HnswScanOfferBest(ss, idx);

	/* Greedy descent; the upper layers' visits are not layer-0 items. */
	if (ms->entry_level > 0)
	{
		HnswSlotSet upper;

		HnswSlotSetInit(&upper, 256);
		for (level = ms->entry_level; level > 0; level--)
		{
			HnswSlotSetReset(&upper);
			(void) HnswSlotSetAdd(&upper, entry.slot);
			if (HnswSearchLayer(store, &ss->layout, &ss->zi->dist, ss->query,
								&entry, 1, 1, level, &upper, &found, false) > 0)
				entry = found;
		}
		if (HnswScanMarkVisited(ss, entry.slot))
		{
			idx = HnswScanVisit(ss, entry.slot);
			if (idx >= 0)
			{
				HnswScanQueue(ss, idx);
				if (HnswScanItemLive(&ss->items[idx]))
					HnswScanOfferBest(ss, idx);
			}
		}
	}

	HnswScanRunBatch(ss, false);
}

/*
 * Prepare and run the next batch of an iterative scan; false when nothing
 * is left to return.
 */
static bool
HnswScanNextBatch(HnswScanState *ss)
{
	bool		spent;

	if (ss->mode == ZVEC_ITERATIVE_OFF)
		return false;
	spent = ss->nvisited >= ss->budget;

	/* Refill the best heap from deferred items; queue unexpanded ones. */
	ss->best.count = 0;
	while (ss->deferred.count > 0 && ss->best.count < ss->ef)
	{
		HnswCandidate c = HnswHeapPop(&ss->deferred);
		HnswScanItem *item = &ss->items[c.slot];

		if (!spent && (item->flags & (HNSW_ITEM_EXPANDED | HNSW_ITEM_QUEUED)) == 0)
			HnswScanQueue(ss, c.slot);
		if (HnswScanItemLive(item) && (item->flags & HNSW_ITEM_RETURNED) == 0)
			HnswHeapPush(&ss->best, -item->dist, c.slot);
	}
	if (spent)
		ss->cand.count = 0;
	if (ss->best.count == 0 && ss->cand.count == 0)
		return false;
	HnswScanRunBatch(ss, true);
	return ss->nresults > 0 || ss->cand.count > 0 || ss->deferred.count > 0;
}

/*
 * Copy the TIDs of an overflow record into ss->chain: a scan in slot order
 * returns every record's own TIDs.
 */
static void
HnswScanCopyRecordTids(HnswScanState *ss, const HnswTidsHeader *th)
{
	int			count = Min(th->ntids, ss->layout.tids_per_record);

	if (ss->chain == NULL)
	{
		ss->chain_capacity = ss->layout.tids_per_record;
		ss->chain = palloc(sizeof(ItemPointerData) * ss->chain_capacity);
	}
	memcpy(ss->chain, HnswTidsArray(th), sizeof(ItemPointerData) * count);
	ss->nchain = count;
}

/* Next row in slot order, for a scan without a query vector. */
static bool
HnswScanNextInSlotOrder(IndexScanDesc scan, HnswScanState *ss)
{
	Store	   *store = ss->zi->store;

	for (;;)
	{
		StoreRef	ref;
		const HnswNodeHeader *nh;

		if (ss->tidpos < ss->current.ntids)
		{
			scan->xs_heaptid = ss->current.tids[ss->tidpos++];
			return true;
		}
		if (ss->tidpos < ss->current.ntids + ss->nchain)
		{
			scan->xs_heaptid = ss->chain[ss->tidpos++ - ss->current.ntids];
			return true;
		}
		if (ss->next_slot >= ss->nslots)
			return false;
		nh = (const HnswNodeHeader *) StoreRead(store, ss->next_slot++,
												STORE_READ_HEAD, &ref);
		ss->current.ntids = 0;
		ss->nchain = 0;
		if (nh->kind == HNSW_KIND_NODE)
		{
			ss->current.ntids = Min(nh->ntids, HNSW_NODE_TIDS);
			memcpy(ss->current.tids, nh->tids,
				   sizeof(ItemPointerData) * ss->current.ntids);
		}
		else if (nh->kind == HNSW_KIND_TIDS)
			HnswScanCopyRecordTids(ss, (const HnswTidsHeader *) nh);
		StoreRelease(store, &ref);
		ss->tidpos = 0;
		CHECK_FOR_INTERRUPTS();
	}
}

/* (Re)initialise the search structures in the scan's context. */
static void
HnswScanReset(HnswScanState *ss)
{
	MemoryContext old;

	MemoryContextReset(ss->cxt);
	old = MemoryContextSwitchTo(ss->cxt);
	ss->ef = zvec_ef_search;
	ss->mode = zvec_iterative_scan;
	ss->budget = zvec_max_scan_tuples;
	ss->capacity = Max(ss->ef * ss->layout.m0, 256);
	ss->items = palloc(sizeof(HnswScanItem) * ss->capacity);
	ss->nitems = 0;
	HnswHeapInit(&ss->cand, ss->ef * 4);
	HnswHeapInit(&ss->best, ss->ef + 1);
	HnswHeapInit(&ss->deferred, ss->ef * 4);
	HnswSlotSetInit(&ss->visited, ss->ef * ss->layout.m0);
	ss->visited_nbits = 0;
	ss->visited_bits = NULL;
	if (ss->zi->store->nslots <= HNSW_SCAN_BITMAP_MAX_SLOTS)
	{
		ss->visited_nbits = ss->zi->store->nslots;
		ss->visited_bits = palloc0(sizeof(uint64) * (ss->visited_nbits / 64 + 1));
	}
	ss->nvisited = 0;
	ss->nbrs = palloc(sizeof(StoreSlot) * ss->layout.m0);
	ss->results = palloc(sizeof(uint32) * (ss->ef + 1));
	ss->nresults = 0;
	ss->pos = 0;
	ss->tidpos = 0;
	ss->chain_item = PG_UINT32_MAX;
	ss->chain = NULL;
	ss->nchain = 0;
	ss->chain_capacity = 0;
	ss->any_returned = false;
	ss->started = false;
	ss->exhausted = false;
	ss->query = NULL;
	ss->next_slot = 0;
	ss->nslots = 0;
	ss->current.ntids = 0;
	MemoryContextSwitchTo(old);
	GovernorRefresh(ss->cxt);
}

/* ambeginscan for HNSW. */
void *
HnswBeginScan(IndexScanDesc scan, ZvecIndex *zi)
{
	HnswScanState *ss = palloc0(sizeof(HnswScanState));

	ss->zi = zi;
	HnswLayoutInit(&ss->layout, (int) zi->meta.m, (int) zi->meta.dims);
	ss->cxt = GovernorScanContextCreate("zvec hnsw scan", zi->index);
	HnswScanReset(ss);
	return ss;
}

/* amrescan for HNSW: a new query vector (NULL: every row, slot order). */
void
HnswRescan(IndexScanDesc scan, void *state, Vector *query)
{
	HnswScanState *ss = (HnswScanState *) state;

	HnswScanReset(ss);
	if (query != NULL)
	{
		ss->query = MemoryContextAlloc(ss->cxt, VARSIZE(query));
		memcpy(ss->query, query, VARSIZE(query));
	}
}

/* amgettuple for HNSW: the next heap TID, nearest first. */
bool
HnswGetTuple(IndexScanDesc scan, void *state, ScanDirection dir)
{
	HnswScanState *ss = (HnswScanState *) state;
	MemoryContext old;
	bool		found = false;

	old = MemoryContextSwitchTo(ss->cxt);

	if (ss->query == NULL)
	{
		if (!ss->started)
		{
			ss->started = true;
			ss->nslots = ss->zi->store->nslots;
		}
		found = HnswScanNextInSlotOrder(scan, ss);
		MemoryContextSwitchTo(old);
		return found;
	}

	if (!ss->started)
	{
		ss->started = true;
		HnswScanStart(ss);
	}

	while (!ss->exhausted)
	{
		if (ss->pos < ss->nresults)
		{
			uint32		i = ss->results[ss->pos];
			HnswScanItem *item = &ss->items[i];

			if (ss->tidpos == 0 && ss->mode == ZVEC_ITERATIVE_STRICT &&
				ss->any_returned && item->dist < ss->last_dist)
			{
				ss->pos++;
				continue;
			}
			if (ss->tidpos < item->ntids)
			{
				scan->xs_heaptid = item->tids[ss->tidpos++];
				ss->last_dist = item->dist;
				ss->any_returned = true;
				found = true;
				break;
			}
			if ((item->flags & HNSW_ITEM_CHAIN) && ss->chain_item != i)
				HnswScanLoadChain(ss, i);
			if (ss->chain_item == i && ss->tidpos < item->ntids + ss->nchain)
			{
				scan->xs_heaptid = ss->chain[ss->tidpos++ - item->ntids];
				ss->last_dist = item->dist;
				ss->any_returned = true;
				found = true;
				break;
			}
			ss->pos++;
			ss->tidpos = 0;
			continue;
		}
		if (!HnswScanNextBatch(ss))
			ss->exhausted = true;
	}

	MemoryContextSwitchTo(old);
	return found;
}

/* amendscan for HNSW. */
void
HnswEndScan(IndexScanDesc scan, void *state)
{
	HnswScanState *ss = (HnswScanState *) state;

	GovernorScanContextDelete(ss->cxt);
	pfree(ss);
}
