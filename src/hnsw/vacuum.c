/*-------------------------------------------------------------------------
 *
 * vacuum.c
 *	  Vacuuming an HNSW index: dead TIDs out, the graph repaired, slots freed.
 *
 * Three passes over the store's slots:
 *
 * 1. Every node's heap TIDs (in the node and in its overflow chain, whose
 *    emptied records are freed at once; see tids.c) are checked with the
 *    vacuum callback and the dead ones removed; a node left without TIDs is
 *    "deleted": scans still walk through it but never return it, and
 *    inserts do not link to it.
 * 2. A deleted entry point is replaced by the live node with the highest
 *    level.  Then every live node whose neighbour list (on any layer) names
 *    a deleted node gets a new list: a search of that layer, started from
 *    its remaining neighbours, the deleted neighbours' own neighbours and
 *    a descent from the entry point, finds its ef_construction nearest
 *    live nodes, and the selection heuristic chooses among them, as an
 *    insert would; the new neighbours are linked back.
 * 3. After waiting out inserts that were already running (they may have
 *    picked a deleted node as a neighbour before it was marked), deleted
 *    nodes and their upper records go on the free list, to be reused by
 *    later inserts.
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

/* Put one record on the free list, in one batch with the metapage. */
static void
HnswVacuumFree(Store *store, StoreSlot slot, uint8 expected_kind,
			   StoreSlot owner)
{
	StoreWrite	w;
	ZvecMeta   *meta;
	HnswMetaState *ms;
	char	   *img;
	HnswFreeHeader *fh;

	StoreWriteBegin(store, &w);
	meta = (ZvecMeta *) StoreWriteMeta(&w);
	ms = ZvecMetaAlgoState(meta, HnswMetaState);
	img = StoreWriteHead(&w, slot);
	if (((uint8 *) img)[0] != expected_kind ||
		(expected_kind == HNSW_KIND_NODE && HnswNodeIsLive((HnswNodeHeader *) img)) ||
		(expected_kind == HNSW_KIND_UPPER && ((HnswUpperHeader *) img)->owner != owner))
	{
		StoreWriteAbort(&w);
		return;
	}
	memset(img, 0, sizeof(HnswNodeHeader));
	fh = (HnswFreeHeader *) img;
	fh->kind = HNSW_KIND_FREE;
	fh->next = ms->free_head;
	ms->free_head = slot;
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
	StoreSlot  *upper_slots;
	StoreSlot  *upper_owner;
	int			nupper = 0;
	int			upper_cap = 64;

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

		/* Wait for inserts that started before the nodes were marked. */
		LockPage(zi->index, HNSW_UPDATE_LOCK_BLOCK, ExclusiveLock);
		UnlockPage(zi->index, HNSW_UPDATE_LOCK_BLOCK, ExclusiveLock);

		/* Pass 3: free deleted nodes and their upper records. */
		upper_slots = palloc(sizeof(StoreSlot) * upper_cap);
		upper_owner = palloc(sizeof(StoreSlot) * upper_cap);
		for (slot = 0; slot < nslots; slot++)
		{
			StoreRef	ref;
			HnswNodeHeader seen;
			StoreSlot	up;

			if (slot % HNSW_VACUUM_DELAY_EVERY == 0)
				ZvecVacuumDelayPoint();
			memcpy(&seen, StoreRead(store, slot, STORE_READ_HEAD, &ref), sizeof(seen));
			StoreRelease(store, &ref);
			if (seen.kind != HNSW_KIND_NODE || HnswNodeIsLive(&seen) ||
				!HnswSlotSetContains(&deleted, slot))
				continue;

			/* Collect the upper chain before the node goes. */
			nupper = 0;
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
				upper_slots[nupper] = up;
				upper_owner[nupper++] = slot;
				up = uh->next;
				StoreRelease(store, &ref);
			}

			HnswVacuumFree(store, slot, HNSW_KIND_NODE, STORE_INVALID_SLOT);
			while (nupper > 0)
			{
				nupper--;
				HnswVacuumFree(store, upper_slots[nupper], HNSW_KIND_UPPER,
							   upper_owner[nupper]);
			}
		}
		pfree(upper_slots);
		pfree(upper_owner);
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
