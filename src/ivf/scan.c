/*-------------------------------------------------------------------------
 *
 * scan.c
 *	  k-NN scans of an IVF index, with iterative probing.
 *
 * A scan reads the directory once, computing the distance from the query
 * to every centroid, and probes the zvec.probes lists whose centroids are
 * nearest (clamped to the number of lists).  Probing a list walks its
 * chain of segments and computes, with the SIMD kernel called directly,
 * the distance of every live entry; the entries of one batch of probed
 * lists are put in a binary heap (built in linear time) and handed out
 * nearest first, so a LIMIT k pays only k heap pops.
 *
 * When the executor wants more rows than a batch gave (a WHERE clause
 * rejected them) and zvec.iterative_scan is on, the next batch probes the
 * next zvec.probes nearest lists, until zvec.max_scan_tuples entries have
 * been visited or every list has been probed.  relaxed_order returns each
 * batch in order; strict_order also drops an entry nearer than one
 * already returned, so the whole result is ordered.
 *
 * A segment is read with its lock (bufferpool) or from the mapping (mmap)
 * and its entries are used at once; nothing is held between reads.  An
 * entry appended meanwhile is simply not seen; a segment compacted by
 * vacuum is seen either before or after, never torn.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/ivf/scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "guc.h"
#include "ivf/ivf.h"
#include "memory/memory.h"

/* The state of one scan. */
typedef struct IvfScanState
{
	ZvecIndex  *zi;
	IvfLayout	layout;
	IvfMetaState ms;
	bool		spherical;
	MemoryContext cxt;			/* everything below; reset by rescan */

	float	   *query;			/* NULL: return every entry in slot order */
	bool		started;
	bool		exhausted;
	int			probes;
	int			mode;			/* ZvecIterativeScan */
	int64		budget;			/* entries later batches may visit */
	int64		nvisited;

	IvfListDist *lists;			/* every list; [0, nprobed) done */
	StoreSlot  *firsts;			/* per list: its first segment */
	int			nprobed;

	IvfCandidate *cands;		/* min-heap of this batch's entries */
	int			ncands;
	int			capacity;
	float		last_dist;
	bool		any_returned;

	/* slot-order mode */
	StoreSlot	next_slot;
	StoreSlot	nslots;
	ItemPointerData *tids;
	int			ntids;
	int			tidpos;
} IvfScanState;

/* Restore the heap order below position i. */
static inline void
IvfScanSiftDown(IvfCandidate *h, int n, int i)
{
	IvfCandidate item = h[i];

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && h[child + 1].dist < h[child].dist)
			child++;
		if (item.dist <= h[child].dist)
			break;
		h[i] = h[child];
		i = child;
	}
	h[i] = item;
}

/* Make the candidates a min-heap, in linear time. */
static void
IvfScanHeapify(IvfScanState *ss)
{
	int			i;

	for (i = ss->ncands / 2 - 1; i >= 0; i--)
		IvfScanSiftDown(ss->cands, ss->ncands, i);
}

/* Remove and return the nearest candidate. */
static IvfCandidate
IvfScanPop(IvfScanState *ss)
{
	IvfCandidate top = ss->cands[0];

	ss->ncands--;
	if (ss->ncands > 0)
	{
		ss->cands[0] = ss->cands[ss->ncands];
		IvfScanSiftDown(ss->cands, ss->ncands, 0);
	}
	return top;
}

/* Make room for n more candidates. */
static void
IvfScanReserve(IvfScanState *ss, int n)
{
	if (ss->ncands + n <= ss->capacity)
		return;
	while (ss->ncands + n > ss->capacity)
		ss->capacity *= 2;
	GovernorGrow(ss->cxt, sizeof(IvfCandidate) * ss->capacity);
	ss->cands = repalloc_huge(ss->cands, sizeof(IvfCandidate) * ss->capacity);
}

/* Order lists by distance, list number breaking ties. */
static inline bool
IvfScanListLess(const IvfListDist *a, const IvfListDist *b)
{
	return a->dist < b->dist || (a->dist == b->dist && a->list < b->list);
}

/*
 * Move the k nearest lists of lists[lo, hi) to lists[lo, lo + k), in
 * any order (quickselect).
 */
static void
IvfScanSelectLists(IvfListDist *lists, int lo, int hi, int k)
{
	int			target = lo + k;

	while (hi - lo > 1 && target > lo && target < hi)
	{
		IvfListDist pivot = lists[lo + (hi - lo) / 2];
		int			i = lo;
		int			j = hi - 1;

		while (i <= j)
		{
			while (IvfScanListLess(&lists[i], &pivot))
				i++;
			while (IvfScanListLess(&pivot, &lists[j]))
				j--;
			if (i <= j)
			{
				IvfListDist tmp = lists[i];

				lists[i] = lists[j];
				lists[j] = tmp;
				i++;
				j--;
			}
		}
		if (target <= j)
			hi = j + 1;
		else if (target >= i)
			lo = i;
		else
			break;
	}
}

/* Add the live entries of one list to the candidates. */
static void
IvfScanProbeList(IvfScanState *ss, uint32 list)
{
	Store	   *store = ss->zi->store;
	const ZvecDistance *dist = &ss->zi->dist;
	const IvfLayout *layout = &ss->layout;
	const float *q = ss->query;
	int			dims = layout->dims;
	StoreSlot	slot = ss->firsts[list];
	StoreSlot	hops = 0;

	while (slot != STORE_INVALID_SLOT)
	{
		StoreRef	ref;
		const char *rec;
		const IvfSegmentHeader *sh;
		const ItemPointerData *tids;
		int			count;
		int			i;

		/* A chain never has more segments than the store has records. */
		if (++hops > store->nslots + 1024)
			break;
		rec = StoreRead(store, slot, STORE_READ_FULL, &ref);
		sh = (const IvfSegmentHeader *) rec;
		if (sh->kind != IVF_KIND_SEGMENT || sh->list != list)
		{
			StoreRelease(store, &ref);
			break;
		}
		count = Min(sh->count, layout->capacity);
		tids = IvfSegmentTids(layout, rec);
		IvfScanReserve(ss, count);
		if (dist->kind == ZVEC_DISTANCE_L2SQ || dist->kind == ZVEC_DISTANCE_L1 ||
			dist->kind == ZVEC_DISTANCE_IP || dist->kind == ZVEC_DISTANCE_NEG_IP)
		{
			float		(*kernel) (const float *, const float *, int) = dist->kernel;
			float		sign = dist->kind == ZVEC_DISTANCE_NEG_IP ? -1.0f : 1.0f;

			for (i = 0; i < count; i++)
			{
				IvfCandidate *c;

				if (!ItemPointerIsValid(&tids[i]))
					continue;
				c = &ss->cands[ss->ncands++];
				c->dist = sign * kernel(q, IvfSegmentVector(layout, rec, i), dims);
				c->tid = tids[i];
			}
		}
		else
		{
			for (i = 0; i < count; i++)
			{
				IvfCandidate *c;

				if (!ItemPointerIsValid(&tids[i]))
					continue;
				c = &ss->cands[ss->ncands++];
				c->dist = IvfDistance(dist, q, IvfSegmentVector(layout, rec, i), dims);
				c->tid = tids[i];
			}
		}
		ss->nvisited += count;
		slot = sh->next;
		StoreRelease(store, &ref);
		CHECK_FOR_INTERRUPTS();
	}
}

/* Probe the next batch of lists; false if none is left. */
static bool
IvfScanRunBatch(IvfScanState *ss)
{
	int			n = Min(ss->probes, (int) ss->ms.nlists - ss->nprobed);
	int			i;

	if (n <= 0)
		return false;
	IvfScanSelectLists(ss->lists, ss->nprobed, (int) ss->ms.nlists, n);
	ss->ncands = 0;
	for (i = 0; i < n; i++)
		IvfScanProbeList(ss, ss->lists[ss->nprobed + i].list);
	ss->nprobed += n;
	IvfScanHeapify(ss);
	return true;
}

/* Start the search: centroid distances from the directory, first batch. */
static void
IvfScanStart(IvfScanState *ss)
{
	Store	   *store = ss->zi->store;
	const IvfLayout *layout = &ss->layout;
	uint32		r;

	GovernorGrow(ss->cxt, (sizeof(IvfListDist) + sizeof(StoreSlot)) *
				 Max(ss->ms.nlists, 1));
	ss->lists = palloc_extended(sizeof(IvfListDist) * Max(ss->ms.nlists, 1),
								MCXT_ALLOC_HUGE);
	ss->firsts = palloc_extended(sizeof(StoreSlot) * Max(ss->ms.nlists, 1),
								 MCXT_ALLOC_HUGE);
	for (r = 0; r < ss->ms.ndirectory; r++)
	{
		StoreRef	ref;
		const char *rec;
		const IvfDirectoryHeader *dh;
		const IvfListInfo *infos;
		int			i;

		rec = StoreRead(store, ss->ms.directory + r, STORE_READ_FULL, &ref);
		dh = (const IvfDirectoryHeader *) rec;
		if (dh->kind != IVF_KIND_DIRECTORY ||
			dh->first_list + dh->count > ss->ms.nlists)
		{
			StoreRelease(store, &ref);
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" has an invalid IVF directory",
							RelationGetRelationName(ss->zi->index)),
					 errdetail("Slot %u is not a directory record.",
							   ss->ms.directory + r),
					 errhint("REINDEX the index.")));
		}
		infos = IvfDirectoryInfos(layout, rec);
		for (i = 0; i < dh->count; i++)
		{
			uint32		j = dh->first_list + i;

			ss->lists[j].list = j;
			ss->lists[j].dist = IvfListDistance(ss->spherical, ss->query,
												IvfDirectoryCentroid(layout, rec, i),
												layout->dims);
			ss->firsts[j] = infos[i].first;
		}
		StoreRelease(store, &ref);
		CHECK_FOR_INTERRUPTS();
	}
	if (!IvfScanRunBatch(ss))
		ss->exhausted = true;
}

/* Next entry in slot order, for a scan without a query vector. */
static bool
IvfScanNextInSlotOrder(IndexScanDesc scan, IvfScanState *ss)
{
	Store	   *store = ss->zi->store;

	for (;;)
	{
		StoreRef	ref;
		const char *rec;
		const IvfSegmentHeader *sh;

		while (ss->tidpos < ss->ntids)
		{
			ItemPointerData tid = ss->tids[ss->tidpos++];

			if (ItemPointerIsValid(&tid))
			{
				scan->xs_heaptid = tid;
				return true;
			}
		}
		if (ss->next_slot >= ss->nslots)
			return false;
		rec = StoreRead(store, ss->next_slot++, STORE_READ_HEAD, &ref);
		sh = (const IvfSegmentHeader *) rec;
		ss->ntids = 0;
		if (sh->kind == IVF_KIND_SEGMENT)
		{
			ss->ntids = Min(sh->count, ss->layout.capacity);
			memcpy(ss->tids, IvfSegmentTids(&ss->layout, rec),
				   sizeof(ItemPointerData) * ss->ntids);
		}
		StoreRelease(store, &ref);
		ss->tidpos = 0;
		CHECK_FOR_INTERRUPTS();
	}
}

/* (Re)initialise the scan in its context. */
static void
IvfScanReset(IvfScanState *ss)
{
	MemoryContext old;

	MemoryContextReset(ss->cxt);
	old = MemoryContextSwitchTo(ss->cxt);
	ss->probes = Max(1, Min(zvec_probes, (int) Max(ss->ms.nlists, 1)));
	ss->mode = zvec_iterative_scan;
	ss->budget = zvec_max_scan_tuples;
	ss->nvisited = 0;
	ss->lists = NULL;
	ss->firsts = NULL;
	ss->nprobed = 0;
	ss->capacity = Max(ss->layout.capacity * 4, 1024);
	ss->cands = palloc(sizeof(IvfCandidate) * ss->capacity);
	ss->ncands = 0;
	ss->any_returned = false;
	ss->last_dist = 0;
	ss->started = false;
	ss->exhausted = false;
	ss->query = NULL;
	ss->next_slot = 0;
	ss->nslots = 0;
	ss->tids = palloc(sizeof(ItemPointerData) * ss->layout.capacity);
	ss->ntids = 0;
	ss->tidpos = 0;
	MemoryContextSwitchTo(old);
	GovernorRefresh(ss->cxt);
}

/* ambeginscan for IVF. */
void *
IvfBeginScan(IndexScanDesc scan, ZvecIndex *zi)
{
	IvfScanState *ss = palloc0(sizeof(IvfScanState));

	ss->zi = zi;
	IvfLayoutInit(&ss->layout, (int) zi->meta.dims);
	memcpy(&ss->ms, ZvecMetaAlgoState(&zi->meta, IvfMetaState), sizeof(IvfMetaState));
	ss->spherical = (ss->ms.flags & IVF_FLAG_SPHERICAL) != 0;
	ss->cxt = GovernorScanContextCreate("zvec ivf scan", zi->index);
	IvfScanReset(ss);
	return ss;
}

/* amrescan for IVF: a new query vector (NULL: every entry, slot order). */
void
IvfRescan(IndexScanDesc scan, void *state, Vector *query)
{
	IvfScanState *ss = (IvfScanState *) state;

	IvfScanReset(ss);
	if (query != NULL)
	{
		ss->query = MemoryContextAlloc(ss->cxt, ss->layout.vector_bytes);
		memcpy(ss->query, query->x, ss->layout.vector_bytes);
	}
}

/* Probe the next batch of an iterative scan; false when none is allowed. */
static bool
IvfScanNextBatch(IvfScanState *ss)
{
	if (ss->mode == ZVEC_ITERATIVE_OFF || ss->nvisited >= ss->budget)
		return false;
	return IvfScanRunBatch(ss);
}

/* amgettuple for IVF: the next heap TID, nearest first. */
bool
IvfGetTuple(IndexScanDesc scan, void *state, ScanDirection dir)
{
	IvfScanState *ss = (IvfScanState *) state;
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
		found = IvfScanNextInSlotOrder(scan, ss);
		MemoryContextSwitchTo(old);
		return found;
	}

	if (!ss->started)
	{
		ss->started = true;
		IvfScanStart(ss);
	}

	while (!ss->exhausted)
	{
		if (ss->ncands > 0)
		{
			IvfCandidate c = IvfScanPop(ss);

			if (ss->mode == ZVEC_ITERATIVE_STRICT && ss->any_returned &&
				c.dist < ss->last_dist)
				continue;
			scan->xs_heaptid = c.tid;
			ss->last_dist = c.dist;
			ss->any_returned = true;
			found = true;
			break;
		}
		if (!IvfScanNextBatch(ss))
			ss->exhausted = true;
	}

	MemoryContextSwitchTo(old);
	return found;
}

/* amendscan for IVF. */
void
IvfEndScan(IndexScanDesc scan, void *state)
{
	IvfScanState *ss = (IvfScanState *) state;

	GovernorScanContextDelete(ss->cxt);
	pfree(ss);
}
