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
 *    a deleted node gets a new list: a search of that layer, started where
 *    a descent from the entry point lands, finds its nearest live nodes
 *    (HNSW_VACUUM_REPAIR_EF), the selection heuristic chooses among them,
 *    topped up with the nearest others (the deleted nodes took links with
 *    them), and the new neighbours are linked back, keeping their lists
 *    full.
 * 3. Deleted nodes go on the free list with their upper records, in one
 *    batch (a node's level is capped so that they fit in one; see
 *    HnswLayoutInit), to be reused by later inserts.
 * 4. The heuristic keeps only neighbours that are not nearer to another
 *    neighbour, so a node far from the rest (an outlier, or one node that
 *    holds many identical rows) can lose every in-link when the nodes that
 *    linked to it are deleted, and no scan would reach it again.  A walk of
 *    layer 0 from the entry point finds such nodes; each is linked from its
 *    nearest reachable node: appended to its list, or in place of the
 *    neighbour with the most in-links from reached nodes, if it has two
 *    or more (see HnswForceNeighbor).  Such a replacement can cut off what
 *    only that neighbour led to, so the walk is repeated until it reaches
 *    every live node, for a few rounds at most.  The pass runs only when
 *    this VACUUM deleted nodes.
 *
 * vacuum_delay_point() is called as the passes go, and the metapage's
 * generation is bumped when any node was deleted.
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
 * Candidates a repair searches for: half of ef_construction, but never
 * fewer than a layer-0 list holds (2m), so repaired lists can be full;
 * 32 with the defaults.  On 100,000 generated 768-dimension vectors
 * (bench/gen, 90,000 built, 10,000 inserted), deleting 10% and vacuuming,
 * recall@10 at ef_search = 10 / 40 / 120 after the vacuum was 0.916 /
 * 0.990 / 0.998 with half, in 43.6 s, against 0.909-0.927 / 0.985-0.990 /
 * 0.996-0.998 in three runs with all of ef_construction (the last, with
 * the same code otherwise, in 54.6 s; the runs differ in their inserts'
 * random levels).  Earlier, when repairs searched from the node's old
 * neighbourhood, twice ef_construction took 122 s instead of 78 s for the
 * same recall; what mattered was that back-links into full lists keep
 * them full (see HnswRepairNeighbors; cut to half as an insert's are,
 * recall at ef_search 40 after vacuum was 0.881 instead of 0.938), and
 * then that the search starts from a descent from the entry point (0.993).
 */
#define HNSW_VACUUM_REPAIR_EF(zi) \
	Max((int) (zi)->meta.ef_construction / 2, 2 * (int) (zi)->meta.m)

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
 * with the metapage (they always fit: see HnswLayoutInit), so a crash never
 * leaves a node pointing at freed records or upper records nobody owns.
 */
static void
HnswVacuumFree(Store *store, StoreSlot node, const StoreSlot *uppers, int nupper)
{
	StoreWrite	w;
	ZvecMeta   *meta;
	HnswMetaState *ms;
	StoreSlot	batch[STORE_MAX_WRITE_HEADS];
	char	   *img[STORE_MAX_WRITE_HEADS];
	int			i;

	Assert(nupper + 1 <= STORE_MAX_WRITE_HEADS);
	batch[0] = node;
	for (i = 0; i < nupper; i++)
		batch[i + 1] = uppers[i];

	StoreWriteBegin(store, &w);
	meta = (ZvecMeta *) StoreWriteMeta(&w);
	ms = ZvecMetaAlgoState(meta, HnswMetaState);
	for (i = 0; i <= nupper; i++)
		img[i] = StoreWriteHead(&w, batch[i]);
	if (((HnswNodeHeader *) img[0])->kind != HNSW_KIND_NODE ||
		HnswNodeIsLive((HnswNodeHeader *) img[0]))
	{
		StoreWriteAbort(&w);
		return;
	}
	for (i = 0; i <= nupper; i++)
	{
		HnswFreeHeader *fh = (HnswFreeHeader *) img[i];

		/* An upper record that changed hands is not ours to free. */
		if (i > 0 && (((HnswUpperHeader *) img[i])->kind != HNSW_KIND_UPPER ||
					  ((HnswUpperHeader *) img[i])->owner != node))
			continue;
		memset(img[i], 0, sizeof(HnswNodeHeader));
		fh->kind = HNSW_KIND_FREE;
		fh->next = ms->free_head;
		ms->free_head = batch[i];
	}
	StoreWriteFinish(&w);
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
 * Link one unreached live node (base is its vector) from its nearest
 * reached node, found by a search from the entry point.  Returns true if
 * it was linked.
 */
static bool
HnswVacuumLinkNode(ZvecIndex *zi, const HnswLayout *layout, StoreSlot slot,
				   const Vector *base, const HnswMetaState *ms,
				   const bool *reached, uint32 *indegree, StoreSlot nslots,
				   HnswSlotSet *visited, HnswCandidate *found)
{
	HnswCandidate start;
	int			nfound;
	int			i;

	if (!HnswDescend(zi->store, layout, &zi->dist, base, slot, ms->entry,
					 ms->entry_level, 0, &start))
		return false;
	HnswSlotSetReset(visited);
	(void) HnswSlotSetAdd(visited, slot);
	(void) HnswSlotSetAdd(visited, start.slot);
	nfound = HnswSearchLayer(zi->store, layout, &zi->dist, base, &start, 1,
							 (int) zi->meta.ef_construction, 0, visited, found, true);
	for (i = 0; i < nfound; i++)
	{
		StoreSlot	replaced;

		if (found[i].slot >= nslots || !reached[found[i].slot] ||
			!HnswForceNeighbor(zi->store, layout, found[i].slot, 0, slot,
							   indegree, nslots, &replaced))
			continue;
		indegree[slot]++;
		if (replaced != STORE_INVALID_SLOT && replaced < nslots)
			indegree[replaced]--;
		return true;
	}
	return false;
}

/*
 * Pass 4 (see the file header): link every live node that a walk of layer 0
 * from the entry point does not reach.  A link that replaces a neighbour
 * can cut off what only that neighbour led to, so the walk is repeated
 * until it reaches every live node (or a few rounds have passed).  Nodes
 * inserted meanwhile may look unreached; linking them once more does no
 * harm.  Runs in a memory context the caller resets.  Returns how many
 * nodes were linked.
 */
#define HNSW_VACUUM_RECONNECT_ROUNDS	4

static int
HnswVacuumReconnect(ZvecIndex *zi, const HnswLayout *layout)
{
	Store	   *store = zi->store;
	StoreSlot	nslots;
	char		area[STORE_META_AREA_SIZE];
	HnswMetaState ms;
	bool	   *reached;
	StoreSlot  *queue;
	uint32	   *indegree;
	StoreSlot  *nbrs;
	HnswCandidate *found;
	HnswSlotSet visited;
	int			linked = 0;
	int			round;
	MemoryContext pernode;
	MemoryContext old;

	/* The entry point first: a node inserted later has a higher slot. */
	StoreReadMeta(zi->index, area);
	memcpy(&ms, ZvecMetaAlgoState((ZvecMeta *) area, HnswMetaState), sizeof(ms));
	nslots = StoreReadSlotCount(zi->index);
	if (ms.entry == STORE_INVALID_SLOT || ms.entry >= nslots)
		return 0;
	reached = palloc_extended(sizeof(bool) * nslots, MCXT_ALLOC_HUGE);
	queue = palloc_extended(sizeof(StoreSlot) * nslots, MCXT_ALLOC_HUGE);
	indegree = palloc_extended(sizeof(uint32) * nslots, MCXT_ALLOC_HUGE);
	nbrs = palloc(sizeof(StoreSlot) * layout->m0);
	found = palloc(sizeof(HnswCandidate) * (zi->meta.ef_construction + 1));
	HnswSlotSetInit(&visited, zi->meta.ef_construction * layout->m0);
	pernode = AllocSetContextCreate(CurrentMemoryContext, "zvec hnsw vacuum link",
									ALLOCSET_DEFAULT_SIZES);

	for (round = 0; round < HNSW_VACUUM_RECONNECT_ROUNDS; round++)
	{
		StoreSlot	slot;
		bool		counted = false;
		int			unreached = 0;

		memset(reached, 0, sizeof(bool) * nslots);
		HnswVacuumWalk(store, layout, ms.entry, reached, queue, nslots);
		if (!reached[ms.entry])
			break;

		for (slot = 0; slot < nslots; slot++)
		{
			StoreRef	ref;
			HnswNodeHeader seen;
			Vector	   *base;

			if (slot % HNSW_VACUUM_DELAY_EVERY == 0)
				ZvecVacuumDelayPoint();
			if (reached[slot])
				continue;
			memcpy(&seen, StoreRead(store, slot, STORE_READ_HEAD, &ref), sizeof(seen));
			StoreRelease(store, &ref);
			if (seen.kind != HNSW_KIND_NODE || !HnswNodeIsLive(&seen))
				continue;
			unreached++;

			/* In-links from reached nodes, counted once a round if needed. */
			if (!counted)
			{
				StoreSlot	s;
				int			i;

				memset(indegree, 0, sizeof(uint32) * nslots);
				for (s = 0; s < nslots; s++)
				{
					int			n;

					if (s % HNSW_VACUUM_DELAY_EVERY == 0)
						ZvecVacuumDelayPoint();
					if (!reached[s])
						continue;
					n = HnswReadNeighbors(store, layout, s, 0, nbrs, NULL);
					for (i = 0; i < n; i++)
					{
						if (nbrs[i] < nslots)
							indegree[nbrs[i]]++;
					}
				}
				counted = true;
			}

			old = MemoryContextSwitchTo(pernode);
			base = HnswReadVector(store, layout, slot, NULL, NULL);
			if (base != NULL &&
				HnswVacuumLinkNode(zi, layout, slot, base, &ms, reached, indegree,
								   nslots, &visited, found))
			{
				linked++;
				HnswVacuumWalk(store, layout, slot, reached, queue, nslots);
			}
			MemoryContextSwitchTo(old);
			MemoryContextReset(pernode);
		}
		if (unreached == 0)
			break;
	}
	MemoryContextDelete(pernode);
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
		/*
		 * Wait for inserts that started before the nodes were marked, and
		 * while no insert runs, replace a deleted entry point by the live
		 * node of highest level, counting nodes inserted since pass 1 (when
		 * pass 1 found none live, they may be the only ones).  Repairs
		 * then descend from it.
		 */
		LockPage(zi->index, HNSW_UPDATE_LOCK_BLOCK, ExclusiveLock);
		for (slot = nslots, nslots = StoreReadSlotCount(zi->index);
			 slot < nslots; slot++)
		{
			StoreRef	ref;
			HnswNodeHeader seen;

			memcpy(&seen, StoreRead(store, slot, STORE_READ_HEAD, &ref), sizeof(seen));
			StoreRelease(store, &ref);
			if (seen.kind == HNSW_KIND_NODE && HnswNodeIsLive(&seen) &&
				(int) seen.level > best_level)
			{
				best_level = seen.level;
				best_live = slot;
			}
		}
		StoreReadMeta(zi->index, area);
		memcpy(&ms, ZvecMetaAlgoState((ZvecMeta *) area, HnswMetaState), sizeof(ms));
		if (ms.entry != STORE_INVALID_SLOT && HnswSlotSetContains(&deleted, ms.entry))
		{
			HnswVacuumSetEntry(store, ms.entry, best_live, best_level);
			StoreReadMeta(zi->index, area);
			memcpy(&ms, ZvecMetaAlgoState((ZvecMeta *) area, HnswMetaState), sizeof(ms));
		}
		UnlockPage(zi->index, HNSW_UPDATE_LOCK_BLOCK, ExclusiveLock);

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
										   &deleted, HNSW_VACUUM_REPAIR_EF(zi),
										   ms.entry, ms.entry_level);
			MemoryContextSwitchTo(old);
			MemoryContextReset(tmp);
		}

		/* Pass 3: free deleted nodes and their upper records. */
		for (slot = 0; slot < nslots; slot++)
		{
			StoreRef	ref;
			HnswNodeHeader seen;
			StoreSlot	uppers[STORE_MAX_WRITE_HEADS];
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
			while (up != STORE_INVALID_SLOT && nupper < STORE_MAX_WRITE_HEADS - 1)
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
