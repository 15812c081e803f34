/*-------------------------------------------------------------------------
 *
 * vacuum.c
 *	  Vacuuming an IVF index: dead entries out, their space reused.
 *
 * Two passes over the store:
 *
 * 1. Every segment's heap TIDs are checked with the vacuum callback.  A
 *    segment with dead entries is changed in one crash-safe batch: where
 *    all its used entries lie in the record's head, the live ones are
 *    moved together at its start and the count lowered, so the space at
 *    the end takes new entries; otherwise (vectors in the record's tail)
 *    dead TIDs are made invalid, and a segment left with no live entry
 *    gets count 0, which makes the whole record free for reuse.  Entries
 *    never move between segments, so a concurrent scan sees every live
 *    entry exactly once.
 * 2. For every list, the first segment of its chain with room becomes the
 *    segment inserts go to, so the space freed is filled before the
 *    index grows.
 *
 * vacuum_delay_point() is called as the passes go, and the metapage's
 * generation is bumped when anything was removed.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/ivf/vacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/vacuum.h"

#include "compat.h"
#include "ivf/ivf.h"

/* Records between vacuum delay points. */
#define IVF_VACUUM_DELAY_EVERY	16

/*
 * Pass 1 for one segment: remove the entries the callback says are dead.
 * Returns how many were removed; *live receives how many are left.
 */
static int
IvfVacuumSegment(Store *store, const IvfLayout *layout, StoreSlot slot,
				 IndexBulkDeleteCallback callback, void *callback_state,
				 ItemPointerData *tids, bool *dead, int *live)
{
	StoreRef	ref;
	const char *rec;
	IvfSegmentHeader seen;
	StoreWrite	w;
	char	   *img;
	IvfSegmentHeader *sh;
	ItemPointerData *itids;
	int			ndead = 0;
	int			nvalid = 0;
	int			i;

	*live = 0;
	rec = StoreRead(store, slot, STORE_READ_HEAD, &ref);
	memcpy(&seen, rec, sizeof(seen));
	if (seen.kind == IVF_KIND_SEGMENT)
	{
		seen.count = Min(seen.count, layout->capacity);
		memcpy(tids, IvfSegmentTids(layout, rec), sizeof(ItemPointerData) * seen.count);
	}
	StoreRelease(store, &ref);
	if (seen.kind != IVF_KIND_SEGMENT)
		return 0;

	for (i = 0; i < seen.count; i++)
	{
		dead[i] = ItemPointerIsValid(&tids[i]) && callback(&tids[i], callback_state);
		if (dead[i])
			ndead++;
		else if (ItemPointerIsValid(&tids[i]))
			nvalid++;
	}
	*live = nvalid;
	if (ndead == 0)
		return 0;

	/*
	 * Only vacuum removes or moves entries, and inserts only append, so
	 * the first seen.count entries are still the ones we read.
	 */
	StoreWriteBegin(store, &w);
	img = StoreWriteHead(&w, slot);
	sh = (IvfSegmentHeader *) img;
	if (sh->kind != IVF_KIND_SEGMENT || sh->count < seen.count)
	{
		StoreWriteAbort(&w);
		return 0;
	}
	itids = IvfSegmentTids(layout, img);
	nvalid = 0;
	if (sh->count <= IvfInplaceCapacity(layout, store))
	{
		int			kept = 0;

		for (i = 0; i < sh->count; i++)
		{
			if ((i < seen.count && dead[i]) || !ItemPointerIsValid(&itids[i]))
				continue;
			if (kept != i)
			{
				itids[kept] = itids[i];
				memcpy(IvfSegmentVector(layout, img, kept),
					   IvfSegmentVector(layout, img, i), layout->vector_bytes);
			}
			kept++;
		}
		for (i = kept; i < sh->count; i++)
			ItemPointerSetInvalid(&itids[i]);
		sh->count = (uint16) kept;
		nvalid = kept;
	}
	else
	{
		for (i = 0; i < sh->count; i++)
		{
			if (i < seen.count && dead[i])
				ItemPointerSetInvalid(&itids[i]);
			if (ItemPointerIsValid(&itids[i]))
				nvalid++;
		}
		if (nvalid == 0)
			sh->count = 0;
	}
	StoreWriteFinish(&w);
	*live = nvalid;
	return ndead;
}

/*
 * Pass 2 for one list: make the first segment of its chain with room the
 * insert segment, unless an insert changed the directory meanwhile.
 */
static void
IvfVacuumResetInsert(Store *store, const IvfLayout *layout, StoreSlot dir_slot,
					 int idx, uint32 list, const IvfListInfo *seen)
{
	StoreSlot	cur = seen->first;
	StoreSlot	room = STORE_INVALID_SLOT;
	StoreSlot	hops = 0;
	StoreWrite	w;
	IvfListInfo *info;

	while (cur != STORE_INVALID_SLOT && ++hops <= store->nslots + 1024)
	{
		StoreRef	ref;
		IvfSegmentHeader sh;

		memcpy(&sh, StoreRead(store, cur, STORE_READ_HEAD, &ref), sizeof(sh));
		StoreRelease(store, &ref);
		if (sh.kind != IVF_KIND_SEGMENT || sh.list != list)
			break;
		if (IvfSegmentHasRoom(layout, store, &sh))
		{
			room = cur;
			break;
		}
		cur = sh.next;
	}
	if (room == STORE_INVALID_SLOT || room == seen->insert)
		return;

	StoreWriteBegin(store, &w);
	(void) StoreWriteMeta(&w);
	info = &IvfDirectoryInfos(layout, StoreWriteHead(&w, dir_slot))[idx];
	if (info->first != seen->first || info->insert != seen->insert)
	{
		StoreWriteAbort(&w);
		return;
	}
	info->insert = room;
	StoreWriteFinish(&w);
}

/* Bump the metapage's generation. */
static void
IvfVacuumBumpGeneration(Store *store)
{
	StoreWrite	w;
	ZvecMeta   *meta;

	StoreWriteBegin(store, &w);
	meta = (ZvecMeta *) StoreWriteMeta(&w);
	meta->generation++;
	StoreWriteFinish(&w);
}

/* ambulkdelete for IVF: see the file header. */
IndexBulkDeleteResult *
IvfBulkDelete(ZvecIndex *zi, IndexVacuumInfo *info,
			  IndexBulkDeleteResult *stats, IndexBulkDeleteCallback callback,
			  void *callback_state)
{
	Store	   *store = zi->store;
	const IvfMetaState *ms = ZvecMetaAlgoState(&zi->meta, IvfMetaState);
	IvfLayout	layout;
	StoreSlot	nslots = store->nslots;
	StoreSlot	slot;
	ItemPointerData *tids;
	bool	   *dead;
	IvfListInfo *infos;
	double		removed = 0;
	uint32		r;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	IvfLayoutInit(&layout, (int) zi->meta.dims);
	tids = palloc(sizeof(ItemPointerData) * layout.capacity);
	dead = palloc(sizeof(bool) * layout.capacity);
	infos = palloc(sizeof(IvfListInfo) * layout.per_directory);

	/* Pass 1: dead entries out of every segment. */
	for (slot = 0; slot < nslots; slot++)
	{
		int			live;

		if (slot % IVF_VACUUM_DELAY_EVERY == 0)
			ZvecVacuumDelayPoint();
		removed += IvfVacuumSegment(store, &layout, slot, callback,
									callback_state, tids, dead, &live);
		stats->num_index_tuples += live;
	}
	stats->tuples_removed += removed;

	/* Pass 2: inserts fill the space freed first. */
	if (removed > 0)
	{
		for (r = 0; r < ms->ndirectory; r++)
		{
			StoreSlot	dir_slot = ms->directory + r;
			StoreRef	ref;
			const char *rec;
			const IvfDirectoryHeader *dh;
			int			count;
			uint32		first_list;
			int			i;

			ZvecVacuumDelayPoint();
			rec = StoreRead(store, dir_slot, STORE_READ_HEAD, &ref);
			dh = (const IvfDirectoryHeader *) rec;
			count = dh->kind == IVF_KIND_DIRECTORY ?
				Min(dh->count, layout.per_directory) : 0;
			first_list = dh->first_list;
			memcpy(infos, IvfDirectoryInfos(&layout, rec), sizeof(IvfListInfo) * count);
			StoreRelease(store, &ref);
			for (i = 0; i < count; i++)
				IvfVacuumResetInsert(store, &layout, dir_slot, i,
									 first_list + i, &infos[i]);
		}
		IvfVacuumBumpGeneration(store);
	}

	pfree(tids);
	pfree(dead);
	pfree(infos);
	stats->num_pages = (BlockNumber) (StoreSize(store) / BLCKSZ);
	stats->estimated_count = false;
	return stats;
}

/* amvacuumcleanup for IVF: counts, when no bulk delete ran. */
IndexBulkDeleteResult *
IvfVacuumCleanup(ZvecIndex *zi, IndexVacuumInfo *info,
				 IndexBulkDeleteResult *stats)
{
	Store	   *store = zi->store;
	IvfLayout	layout;
	StoreSlot	slot;

	if (stats != NULL)
		return stats;

	IvfLayoutInit(&layout, (int) zi->meta.dims);
	stats = palloc0(sizeof(IndexBulkDeleteResult));
	for (slot = 0; slot < store->nslots; slot++)
	{
		StoreRef	ref;
		const char *rec;
		const IvfSegmentHeader *sh;

		if (slot % IVF_VACUUM_DELAY_EVERY == 0)
			ZvecVacuumDelayPoint();
		rec = StoreRead(store, slot, STORE_READ_HEAD, &ref);
		sh = (const IvfSegmentHeader *) rec;
		if (sh->kind == IVF_KIND_SEGMENT)
		{
			const ItemPointerData *tids = IvfSegmentTids(&layout, rec);
			int			i;

			for (i = 0; i < Min(sh->count, layout.capacity); i++)
			{
				if (ItemPointerIsValid(&tids[i]))
					stats->num_index_tuples++;
			}
		}
		StoreRelease(store, &ref);
	}
	stats->num_pages = (BlockNumber) (StoreSize(store) / BLCKSZ);
	stats->estimated_count = false;
	return stats;
}
