/*-------------------------------------------------------------------------
 *
 * insert.c
 *	  Inserting one vector into an HNSW index on its store.
 *
 * An insert searches the graph like a scan, without holding any buffer
 * lock across steps, chooses the new node's neighbours on every layer with
 * the selection heuristic, writes the node (and its upper records) in one
 * crash-safe batch together with the metapage, and only then links its
 * neighbours back to it, one neighbour list per batch.  Readers therefore
 * never see a half-written node, and every list change is checked against
 * concurrent changes (see HnswAddNeighbor).
 *
 * Inserts hold a heavyweight lock on the index in share mode, so they run
 * concurrently; an insert that will become the new entry point takes it
 * in exclusive mode, and vacuum takes it exclusively once to wait out
 * inserts that may still link to nodes it is about to free.
 *
 * A vector identical to a node's (found among the candidates of layer 0 at
 * the distance the vector has to itself) is added to that node as another
 * heap TID, in the node or its overflow chain (tids.c), whatever the new
 * node's level would have been: any number of duplicates are one node, so
 * they neither crowd each other's neighbour lists nor go unreachable.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/hnsw/insert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "storage/lmgr.h"
#include "utils/memutils.h"

#include "hnsw/hnsw.h"

/* Copy HNSW's state out of a metapage area. */
static void
HnswInsertReadMeta(Relation index, HnswMetaState *ms)
{
	char		area[STORE_META_AREA_SIZE];
	ZvecMeta   *meta = (ZvecMeta *) area;

	StoreReadMeta(index, area);
	memcpy(ms, ZvecMetaAlgoState(meta, HnswMetaState), sizeof(HnswMetaState));
}

/*
 * Write a new node and its upper records in one batch with the metapage,
 * making it the entry point if asked.  lists[l] / counts[l] are its
 * neighbours on layer l.  Returns the node's slot.
 */
static StoreSlot
HnswInsertWriteNode(Store *store, const HnswLayout *layout, const Vector *value,
					ItemPointer tid, int level, StoreSlot **lists, int *counts,
					bool set_entry)
{
	StoreWrite	w;
	ZvecMeta   *meta;
	HnswMetaState *ms;
	int			nup = (level + layout->lists_per_upper - 1) / layout->lists_per_upper;
	StoreSlot	slots[STORE_MAX_WRITE_HEADS];
	char	   *imgs[STORE_MAX_WRITE_HEADS];
	char	   *rec = palloc0(layout->record_size);
	HnswNodeHeader *nh = (HnswNodeHeader *) rec;
	Size		head = Min(layout->record_size, store->head_size);
	int			k;

	Assert(nup + 1 <= STORE_MAX_WRITE_HEADS);

	StoreWriteBegin(store, &w);
	meta = (ZvecMeta *) StoreWriteMeta(&w);
	ms = ZvecMetaAlgoState(meta, HnswMetaState);
	for (k = 0; k <= nup; k++)
		slots[k] = HnswAllocateRecord(&w, ms, &imgs[k]);

	/* The upper records: lists for layers 1..level. */
	for (k = 1; k <= nup; k++)
	{
		HnswUpperHeader *uh = (HnswUpperHeader *) rec;
		int			first = 1 + (k - 1) * layout->lists_per_upper;
		int			nlevels = Min(layout->lists_per_upper, level - first + 1);
		int			j;

		memset(rec, 0, layout->record_size);
		uh->kind = HNSW_KIND_UPPER;
		uh->first_level = (uint8) first;
		uh->nlevels = (uint8) nlevels;
		uh->owner = slots[0];
		uh->next = k < nup ? slots[k + 1] : STORE_INVALID_SLOT;
		for (j = 0; j < nlevels; j++)
		{
			HnswUpperList *ul = HnswUpperListAt(layout, rec, j);

			ul->count = (uint16) counts[first + j];
			memcpy(ul->slots, lists[first + j], sizeof(StoreSlot) * counts[first + j]);
		}
		StoreWriteTail(&w, slots[k], rec);
		memcpy(imgs[k], rec, head);
	}

	/* The node itself. */
	memset(rec, 0, layout->record_size);
	nh->kind = HNSW_KIND_NODE;
	nh->level = (uint8) level;
	nh->ntids = 1;
	nh->tids[0] = *tid;
	nh->nneighbors = (uint16) counts[0];
	nh->upper = nup > 0 ? slots[1] : STORE_INVALID_SLOT;
	nh->tidchain = STORE_INVALID_SLOT;
	memcpy(HnswNodeNeighbors(layout, rec), lists[0], sizeof(StoreSlot) * counts[0]);
	memcpy(HnswNodeVector(layout, rec), value, layout->vector_size);
	StoreWriteTail(&w, slots[0], rec);
	memcpy(imgs[0], rec, head);

	ms->inserted++;
	if (set_entry)
	{
		ms->entry = slots[0];
		ms->entry_level = (uint16) level;
	}
	StoreWriteFinish(&w);
	pfree(rec);
	return slots[0];
}

/* aminsert for HNSW: see the file header. */
void
HnswInsert(ZvecIndex *zi, Vector *value, ItemPointer heap_tid, Relation heap)
{
	Relation	index = zi->index;
	Store	   *store = zi->store;
	const ZvecDistance *dist = &zi->dist;
	HnswLayout	layout;
	HnswMetaState ms;
	LOCKMODE	lockmode = ShareLock;
	int			level;
	int			ef = (int) zi->meta.ef_construction;
	StoreSlot  *lists[HNSW_MAX_LEVEL + 1];
	float	   *dists[HNSW_MAX_LEVEL + 1];
	int			counts[HNSW_MAX_LEVEL + 1];
	HnswCandidate *entries;
	HnswCandidate *found;
	int			nentries;
	HnswSlotSet visited;
	StoreSlot	entries_none[1] = {STORE_INVALID_SLOT};
	StoreSlot	slot;
	int			top;
	int			l;

	HnswLayoutInit(&layout, (int) zi->meta.m, (int) zi->meta.dims);
	if (value->dim != layout.dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", layout.dims, value->dim)));
	level = HnswRandomLevel(&layout);
	memset(counts, 0, sizeof(counts));

	/* Lock out entry-point changes, or make one. */
	LockPage(index, HNSW_UPDATE_LOCK_BLOCK, lockmode);
	HnswInsertReadMeta(index, &ms);
	if (ms.entry == STORE_INVALID_SLOT || level > ms.entry_level)
	{
		UnlockPage(index, HNSW_UPDATE_LOCK_BLOCK, lockmode);
		lockmode = ExclusiveLock;
		LockPage(index, HNSW_UPDATE_LOCK_BLOCK, lockmode);
		HnswInsertReadMeta(index, &ms);
	}

	if (ms.entry == STORE_INVALID_SLOT)
	{
		for (l = 0; l <= level; l++)
			lists[l] = entries_none;
		(void) HnswInsertWriteNode(store, &layout, value, heap_tid, level,
								   lists, counts, true);
		UnlockPage(index, HNSW_UPDATE_LOCK_BLOCK, lockmode);
		return;
	}

	entries = palloc(sizeof(HnswCandidate) * (ef + 1));
	found = palloc(sizeof(HnswCandidate) * (ef + 1));
	HnswSlotSetInit(&visited, ef * layout.m0);

	/* Greedy descent to the node's own top layer. */
	{
		Vector	   *ev = HnswReadVector(store, &layout, ms.entry, NULL, NULL);

		if (ev == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("entry point of index \"%s\" is not a node",
							RelationGetRelationName(index)),
					 errhint("REINDEX the index.")));
		entries[0].slot = ms.entry;
		entries[0].dist = ZvecDistanceCompute(dist, value, ev);
		nentries = 1;
	}
	for (l = ms.entry_level; l > level; l--)
	{
		HnswSlotSetReset(&visited);
		(void) HnswSlotSetAdd(&visited, entries[0].slot);
		nentries = HnswSearchLayer(store, &layout, dist, value, entries, 1, 1, l,
								   &visited, found, false);
		if (nentries > 0)
			entries[0] = found[0];
		nentries = 1;
	}

	/* Search each of the node's layers and choose its neighbours there. */
	top = Min(level, ms.entry_level);
	for (l = top; l >= 0; l--)
	{
		int			nfound;
		int			max = HnswLayerMax(&layout, l);
		Vector	  **vecs;
		HnswCandidate *live;
		bool	   *keep;
		int			nlive = 0;
		int			i;

		HnswSlotSetReset(&visited);
		for (i = 0; i < nentries; i++)
			(void) HnswSlotSetAdd(&visited, entries[i].slot);
		nfound = HnswSearchLayer(store, &layout, dist, value, entries, nentries,
								 ef, l, &visited, found, false);

		/* Vectors of the live candidates, nearest first. */
		vecs = palloc(sizeof(Vector *) * (nfound + 1));
		live = palloc(sizeof(HnswCandidate) * (nfound + 1));
		keep = palloc(sizeof(bool) * (nfound + 1));
		for (i = 0; i < nfound; i++)
		{
			uint8		kind;
			bool		is_live;
			Vector	   *v = HnswReadVector(store, &layout, found[i].slot, &kind, &is_live);

			if (v == NULL || !is_live)
				continue;
			live[nlive] = found[i];
			vecs[nlive++] = v;
		}

		/*
		 * A live node has this very vector: share it.  Nothing is written
		 * before layer 0 is searched, so this holds for every level.  The
		 * identical vector need not be the nearest candidate (ties, or
		 * inner product, where a longer vector is nearer), so every
		 * candidate is compared.
		 */
		if (l == 0)
		{
			for (i = 0; i < nlive; i++)
			{
				if (memcmp(vecs[i], value, layout.vector_size) == 0 &&
					HnswTidsAdd(store, &layout, live[i].slot, value, heap_tid))
				{
					UnlockPage(index, HNSW_UPDATE_LOCK_BLOCK, lockmode);
					return;
				}
			}
		}

		(void) HnswSelectNeighbors(live, nlive, max, HNSW_FILL(max), dist, vecs, keep);
		lists[l] = palloc(sizeof(StoreSlot) * max);
		dists[l] = palloc(sizeof(float) * max);
		for (i = 0; i < nlive; i++)
		{
			if (keep[i] && counts[l] < max)
			{
				lists[l][counts[l]] = live[i].slot;
				dists[l][counts[l]++] = live[i].dist;
			}
		}

		if (nfound > 0)
		{
			memcpy(entries, found, sizeof(HnswCandidate) * nfound);
			nentries = nfound;
		}
	}
	for (l = top + 1; l <= level; l++)
	{
		lists[l] = entries_none;
		counts[l] = 0;
	}

	/* Write the node, then link its neighbours back to it. */
	slot = HnswInsertWriteNode(store, &layout, value, heap_tid, level, lists,
							   counts, level > ms.entry_level);
	for (l = top; l >= 0; l--)
	{
		int			i;

		for (i = 0; i < counts[l]; i++)
			HnswAddNeighbor(store, &layout, dist, lists[l][i], l,
							slot, dists[l][i], value, HNSW_FILL(HnswLayerMax(&layout, l)));
	}

	UnlockPage(index, HNSW_UPDATE_LOCK_BLOCK, lockmode);
}
