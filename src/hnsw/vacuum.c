/*-------------------------------------------------------------------------
 *
 * vacuum.c
 *	  Vacuuming an HNSW index: dead TIDs out, the graph repaired, slots freed.
 *
 * Four passes over the store's slots:
 *
 * 1. Every node's heap TIDs (in the node and in its overflow chain, whose
 *    emptied records are freed at once; see tids.c) are checked with the
 *    vacuum callback and the dead ones removed; a node left without TIDs is
 *    "deleted": scans still walk through it but never return it, and
 *    inserts do not link to it.
 *    Then vacuum waits out the inserts that were already running: they may
 *    have chosen a deleted node as a neighbour before it was marked.  Any
 *    later insert sees it deleted.  So once the wait is over, no new link
 *    to a deleted node can appear, and pass 2, which runs after it and
 *    covers every slot allocated by then, leaves none behind.
 * 2. A deleted entry point is replaced by the live node with the highest
 *    level.  Then every live node whose neighbour list (on any layer) names
 *    a deleted node gets a new list: a search of that layer, started from
 *    its remaining neighbours, the deleted neighbours' own neighbours and
 *    a descent from the entry point, finds its ef_construction nearest
 *    live nodes, and the selection heuristic chooses among them, as an
 *    insert would; the new neighbours are linked back.
 * 3. Deleted nodes go on the free list with their upper records, in one
 *    batch, to be reused by later inserts.
 * 4. The heuristic keeps only neighbours that are not nearer to another
 *    neighbour, so a node far from the rest (an outlier, or one node that
 *    holds many identical rows) can lose every in-link when the nodes that
 *    linked to it are deleted, and no scan would reach it again.  A walk of
 *    layer 0 from the entry point finds such nodes; each is linked from its
 *    nearest reachable node, in place of that node's neighbour with the
 *    most in-links (see HnswForceNeighbor).
 *
 * vacuum_delay_point() is called as the passes go, and the metapage's
 * generation is bumped when anything was freed.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/hnsw/vacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/vacuum.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"

#include "compat.h"
#include "hnsw/hnsw.h"

/* Slots between vacuum delay points. */
#define HNSW_VACUUM_DELAY_EVERY	32

/*
 * Pass 1 for one node: drop its dead TIDs.  Returns the number of TIDs
 * left; *removed receives how many were dropped.
 */
static int
HnswVacuumNode(Store *store, StoreSlot slot, const HnswNodeHeader *seen,
			   IndexBulkDeleteCallback callback, void *callback_state,
			   int *removed)
{
	bool		dead[HNSW_NODE_TIDS];
	int			ndead = 0;
	int			i;
	StoreWrite	w;
	HnswNodeHeader *nh;
	int			kept = 0;

	*removed = 0;
	for (i = 0; i < seen->ntids; i++)
	{
		ItemPointerData tid = seen->tids[i];

		dead[i] = callback(&tid, callback_state);
		ndead += dead[i] ? 1 : 0;
	}
	if (ndead == 0)
		return seen->ntids;

	StoreWriteBegin(store, &w);
	nh = (HnswNodeHeader *) StoreWriteHead(&w, slot);
	if (nh->kind != HNSW_KIND_NODE)
	{
		StoreWriteAbort(&w);
		return 0;
	}
	for (i = 0; i < nh->ntids; i++)
	{
		bool		is_dead = false;
		int			j;

		/* TIDs may have been added since we looked; match by value. */
		for (j = 0; j < seen->ntids; j++)
		{
			if (dead[j] && ItemPointerEquals(&nh->tids[i],
											 (ItemPointer) &seen->tids[j]))
				is_dead = true;
		}
		if (is_dead)
			(*removed)++;
		else
			nh->tids[kept++] = nh->tids[i];
	}
	for (i = kept; i < HNSW_NODE_TIDS; i++)
		ItemPointerSetInvalid(&nh->tids[i]);
	nh->ntids = (uint8) kept;
	StoreWriteFinish(&w);
	return kept;
}

/*
 * Put a deleted node and its upper records on the free list, in one batch
 * with the metapage, so a crash never leaves a node pointing at freed
 * records or upper records nobody owns.  A node whose upper records do not
 * fit in one batch (a very high level with lists that take a record each)
 * frees the rest in later batches; a crash between them leaks those records.
 */
static void
HnswVacuumFree(Store *store, StoreSlot node, const StoreSlot *uppers, int nupper)
{
	int			done = 0;

	while (done < nupper + 1)
	{
		StoreWrite	w;
		ZvecMeta   *meta;
		HnswMetaState *ms;
		StoreSlot	batch[STORE_MAX_WRITE_HEADS];
		char	   *img[STORE_MAX_WRITE_HEADS];
		int			n = 0;
		int			i;

		/* The node first (position 0 of the list 'node, uppers...'). */
		for (i = done; i < nupper + 1 && n < STORE_MAX_WRITE_HEADS; i++)
			batch[n++] = i == 0 ? node : uppers[i - 1];

		StoreWriteBegin(store, &w);
		meta = (ZvecMeta *) StoreWriteMeta(&w);
		ms = ZvecMetaAlgoState(meta, HnswMetaState);
		for (i = 0; i < n; i++)
			img[i] = StoreWriteHead(&w, batch[i]);
		if (done == 0 &&
			(((HnswNodeHeader *) img[0])->kind != HNSW_KIND_NODE ||
			 HnswNodeIsLive((HnswNodeHeader *) img[0])))
		{
			StoreWriteAbort(&w);
			return;
		}
		for (i = 0; i < n; i++)
		{
			HnswFreeHeader *fh = (HnswFreeHeader *) img[i];

			/* An upper record that changed hands is not ours to free. */
			if (!(done == 0 && i == 0) &&
				(((HnswUpperHeader *) img[i])->kind != HNSW_KIND_UPPER ||
				 ((HnswUpperHeader *) img[i])->owner != node))
				continue;
			memset(img[i], 0, sizeof(HnswNodeHeader));
			fh->kind = HNSW_KIND_FREE;
			fh->next = ms->free_head;
			ms->free_head = batch[i];
		}
		StoreWriteFinish(&w);
		done += n;
	}
}

/* Make a live node the entry point, replacing a deleted one. */
static void
HnswVacuumSetEntry(Store *store, StoreSlot deleted, StoreSlot entry, int level)
{
	StoreWrite	w;
	ZvecMeta   *meta;
	HnswMetaState *ms;

	StoreWriteBegin(store, &w);
	meta = (ZvecMeta *) StoreWriteMeta(&w);
	ms = ZvecMetaAlgoState(meta, HnswMetaState);
	if (ms->entry != deleted)
	{
		StoreWriteAbort(&w);
		return;
	}
	ms->entry = entry;
	ms->entry_level = (uint16) (entry == STORE_INVALID_SLOT ? 0 : level);
	StoreWriteFinish(&w);
}

/* Bump the metapage's generation. */
static void
HnswVacuumBumpGeneration(Store *store)
{
	StoreWrite	w;
	ZvecMeta   *meta;

	StoreWriteBegin(store, &w);
	meta = (ZvecMeta *) StoreWriteMeta(&w);
	meta->generation++;
	StoreWriteFinish(&w);
}

/* Mark start and every node reachable from it on layer 0. */
static void
HnswVacuumWalk(Store *store, const HnswLayout *layout, StoreSlot start,
			   bool *reached, StoreSlot *queue, StoreSlot nslots)
{
	StoreSlot  *nbrs = palloc(sizeof(StoreSlot) * layout->m0);
	StoreSlot	head = 0;
	StoreSlot	tail = 0;

	if (start >= nslots || reached[start])
		return;
	reached[start] = true;
	queue[tail++] = start;
	while (head < tail)
	{
		int			n = HnswReadNeighbors(store, layout, queue[head++], 0, nbrs, NULL);
		int			i;

		if (head % HNSW_VACUUM_DELAY_EVERY == 0)
			ZvecVacuumDelayPoint();
		for (i = 0; i < n; i++)
		{
			if (nbrs[i] < nslots && !reached[nbrs[i]])
			{
				reached[nbrs[i]] = true;
				queue[tail++] = nbrs[i];
			}
		}
	}
	pfree(nbrs);
}

/*
 * Pass 4 (see the file header): link every live node that a walk of layer 0
 * from the entry point does not reach.  Nodes inserted meanwhile may look
 * unreached; linking them once more does no harm.  Returns how many nodes
 * were linked.
 */
static int
HnswVacuumReconnect(ZvecIndex *zi, const HnswLayout *layout)
{
	Store	   *store = zi->store;
	StoreSlot	nslots = StoreReadSlotCount(zi->index);
	char		area[STORE_META_AREA_SIZE];
	HnswMetaState ms;
	bool	   *reached;
	StoreSlot  *queue;
	uint32	   *indegree = NULL;
	StoreSlot  *nbrs;
	int			ef = (int) zi->meta.ef_construction;
	HnswCandidate *found;
	HnswSlotSet visited;
	StoreSlot	slot;
	int			linked = 0;

	StoreReadMeta(zi->index, area);
	memcpy(&ms, ZvecMetaAlgoState((ZvecMeta *) area, HnswMetaState), sizeof(ms));
	if (ms.entry == STORE_INVALID_SLOT || nslots == 0)
		return 0;
	reached = palloc_extended(sizeof(bool) * nslots, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	queue = palloc_extended(sizeof(StoreSlot) * nslots, MCXT_ALLOC_HUGE);
	nbrs = palloc(sizeof(StoreSlot) * layout->m0);
	found = palloc(sizeof(HnswCandidate) * (ef + 1));
	HnswSlotSetInit(&visited, ef * layout->m0);
	HnswVacuumWalk(store, layout, ms.entry, reached, queue, nslots);

	for (slot = 0; slot < nslots; slot++)
	{
		StoreRef	ref;
		HnswNodeHeader seen;
		Vector	   *base;
		HnswCandidate start;
		int			nfound;
		int			i;

		if (slot % HNSW_VACUUM_DELAY_EVERY == 0)
			ZvecVacuumDelayPoint();
		if (reached[slot])
			continue;
		memcpy(&seen, StoreRead(store, slot, STORE_READ_HEAD, &ref), sizeof(seen));
		StoreRelease(store, &ref);
		if (seen.kind != HNSW_KIND_NODE || !HnswNodeIsLive(&seen))
			continue;

		/* In-links of every node, counted once, when first needed. */
		if (indegree == NULL)
		{
			StoreSlot	s;

			indegree = palloc_extended(sizeof(uint32) * nslots, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
			for (s = 0; s < nslots; s++)
			{
				int			n = HnswReadNeighbors(store, layout, s, 0, nbrs, NULL);

				if (s % HNSW_VACUUM_DELAY_EVERY == 0)
					ZvecVacuumDelayPoint();
				for (i = 0; i < n; i++)
				{
					if (nbrs[i] < nslots)
						indegree[nbrs[i]]++;
				}
			}
		}

		/* Its nearest reachable nodes, by a search from the entry point. */
		base = HnswReadVector(store, layout, slot, NULL, NULL);
		if (base == NULL ||
			!HnswDescend(store, layout, &zi->dist, base, slot, ms.entry,
						 ms.entry_level, 0, &start))
			continue;
		HnswSlotSetReset(&visited);
		(void) HnswSlotSetAdd(&visited, slot);
		(void) HnswSlotSetAdd(&visited, start.slot);
		nfound = HnswSearchLayer(store, layout, &zi->dist, base, &start, 1, ef, 0,
								 &visited, found, true);
		for (i = 0; i < nfound; i++)
		{
			StoreSlot	replaced;

			if (found[i].slot >= nslots || !reached[found[i].slot] ||
				!HnswForceNeighbor(store, layout, found[i].slot, 0, slot,
								   indegree, nslots, &replaced))
				continue;
			indegree[slot]++;
			if (replaced != STORE_INVALID_SLOT && replaced < nslots)
				indegree[replaced]--;
			linked++;
			HnswVacuumWalk(store, layout, slot, reached, queue, nslots);
			break;
		}
		pfree(base);
	}
	if (linked > 0)
		elog(DEBUG1, "zvec: vacuum linked %d unreachable HNSW nodes of index \"%s\"",
			 linked, RelationGetRelationName(zi->index));
	return linked;
}

/* ambulkdelete for HNSW: see the file header. */
IndexBulkDeleteResult *
HnswBulkDelete(ZvecIndex *zi, IndexVacuumInfo *info,
			   IndexBulkDeleteResult *stats, IndexBulkDeleteCallback callback,
			   void *callback_state)
{
	Store	   *store = zi->store;
	HnswLayout	layout;
	StoreSlot	nslots = store->nslots;
	StoreSlot	slot;
	HnswSlotSet deleted;
	StoreSlot	best_live = STORE_INVALID_SLOT;
	int			best_level = -1;
	MemoryContext tmp;
	MemoryContext old;
	char		area[STORE_META_AREA_SIZE];
	HnswMetaState ms;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	HnswLayoutInit(&layout, (int) zi->meta.m, (int) zi->meta.dims);
	HnswSlotSetInit(&deleted, 1024);
	tmp = AllocSetContextCreate(CurrentMemoryContext, "zvec hnsw vacuum",
								ALLOCSET_DEFAULT_SIZES);

	/* Pass 1: remove dead TIDs; note deleted nodes. */
	for (slot = 0; slot < nslots; slot++)
	{
		StoreRef	ref;
		HnswNodeHeader seen;
		int			removed;
		int			left;

		if (slot % HNSW_VACUUM_DELAY_EVERY == 0)
			ZvecVacuumDelayPoint();
		memcpy(&seen, StoreRead(store, slot, STORE_READ_HEAD, &ref), sizeof(seen));
		StoreRelease(store, &ref);
		if (seen.kind != HNSW_KIND_NODE)
			continue;

		left = HnswVacuumNode(store, slot, &seen, callback, callback_state, &removed);
		stats->tuples_removed += removed;
		if (seen.tidchain != STORE_INVALID_SLOT)
		{
			left += HnswTidsVacuum(store, &layout, slot, callback, callback_state,
								   &removed);
			stats->tuples_removed += removed;
		}
		stats->num_index_tuples += left;
		/* An insert may have added a TID meanwhile; only a dead node goes. */
		if (left == 0 && !HnswTidsNodeIsLive(store, slot))
			(void) HnswSlotSetAdd(&deleted, slot);
		else if ((int) seen.level > best_level)
		{
			best_level = seen.level;
			best_live = slot;
		}
	}

	if (deleted.count > 0)
	{
		/* Wait for inserts that started before the nodes were marked. */
		LockPage(zi->index, HNSW_UPDATE_LOCK_BLOCK, ExclusiveLock);
		UnlockPage(zi->index, HNSW_UPDATE_LOCK_BLOCK, ExclusiveLock);
		nslots = StoreReadSlotCount(zi->index);

		/* A deleted entry point is replaced first, so repairs descend from it. */
		StoreReadMeta(zi->index, area);
		memcpy(&ms, ZvecMetaAlgoState((ZvecMeta *) area, HnswMetaState), sizeof(ms));
		if (ms.entry != STORE_INVALID_SLOT && HnswSlotSetContains(&deleted, ms.entry))
		{
			HnswVacuumSetEntry(store, ms.entry, best_live, best_level);
			StoreReadMeta(zi->index, area);
			memcpy(&ms, ZvecMetaAlgoState((ZvecMeta *) area, HnswMetaState), sizeof(ms));
		}

		/* Pass 2: repair lists that name deleted nodes. */
		for (slot = 0; slot < nslots; slot++)
		{
			StoreRef	ref;
			HnswNodeHeader seen;
			int			l;

			if (slot % HNSW_VACUUM_DELAY_EVERY == 0)
				ZvecVacuumDelayPoint();
			memcpy(&seen, StoreRead(store, slot, STORE_READ_HEAD, &ref), sizeof(seen));
			StoreRelease(store, &ref);
			if (seen.kind != HNSW_KIND_NODE || !HnswNodeIsLive(&seen))
				continue;

			old = MemoryContextSwitchTo(tmp);
			for (l = 0; l <= seen.level; l++)
				(void) HnswRepairNeighbors(store, &layout, &zi->dist, slot, l,
										   &deleted, (int) zi->meta.ef_construction,
										   ms.entry, ms.entry_level);
			MemoryContextSwitchTo(old);
			MemoryContextReset(tmp);
		}

		/* Pass 3: free deleted nodes and their upper records. */
		for (slot = 0; slot < nslots; slot++)
		{
			StoreRef	ref;
			HnswNodeHeader seen;
			StoreSlot	uppers[HNSW_MAX_LEVEL];
			int			nupper = 0;
			StoreSlot	up;

			if (slot % HNSW_VACUUM_DELAY_EVERY == 0)
				ZvecVacuumDelayPoint();
			if (!HnswSlotSetContains(&deleted, slot))
				continue;
			memcpy(&seen, StoreRead(store, slot, STORE_READ_HEAD, &ref), sizeof(seen));
			StoreRelease(store, &ref);
			if (seen.kind != HNSW_KIND_NODE || HnswNodeIsLive(&seen))
				continue;

			/* Collect the upper chain before the node goes. */
			up = seen.upper;
			while (up != STORE_INVALID_SLOT && nupper < HNSW_MAX_LEVEL)
			{
				const HnswUpperHeader *uh;

				uh = (const HnswUpperHeader *) StoreRead(store, up, STORE_READ_HEAD, &ref);
				if (uh->kind != HNSW_KIND_UPPER || uh->owner != slot)
				{
					StoreRelease(store, &ref);
					break;
				}
				uppers[nupper++] = up;
				up = uh->next;
				StoreRelease(store, &ref);
			}
			HnswVacuumFree(store, slot, uppers, nupper);
		}

		/* Pass 4: nothing live left unreachable. */
		old = MemoryContextSwitchTo(tmp);
		HnswVacuumReconnect(zi, &layout);
		MemoryContextSwitchTo(old);
		MemoryContextReset(tmp);

		HnswVacuumBumpGeneration(store);
	}

	MemoryContextDelete(tmp);
	pfree(deleted.keys);
	stats->num_pages = (BlockNumber) (StoreSize(store) / BLCKSZ);
	stats->estimated_count = false;
	return stats;
}

/* amvacuumcleanup for HNSW: counts, when no bulk delete ran. */
IndexBulkDeleteResult *
HnswVacuumCleanup(ZvecIndex *zi, IndexVacuumInfo *info,
				  IndexBulkDeleteResult *stats)
{
	Store	   *store = zi->store;
	StoreSlot	slot;

	if (stats != NULL)
		return stats;

	stats = palloc0(sizeof(IndexBulkDeleteResult));
	for (slot = 0; slot < store->nslots; slot++)
	{
		StoreRef	ref;
		const HnswNodeHeader *nh;

		if (slot % HNSW_VACUUM_DELAY_EVERY == 0)
			ZvecVacuumDelayPoint();
		nh = (const HnswNodeHeader *) StoreRead(store, slot, STORE_READ_HEAD, &ref);
		if (nh->kind == HNSW_KIND_NODE)
			stats->num_index_tuples += nh->ntids;
		else if (nh->kind == HNSW_KIND_TIDS)
			stats->num_index_tuples += ((const HnswTidsHeader *) nh)->ntids;
		StoreRelease(store, &ref);
	}
	stats->num_pages = (BlockNumber) (StoreSize(store) / BLCKSZ);
	stats->estimated_count = false;
	return stats;
}
