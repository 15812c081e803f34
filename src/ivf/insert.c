/*-------------------------------------------------------------------------
 *
 * insert.c
 *	  Inserting one vector into an IVF index on its store.
 *
 * The vector goes to the list of its nearest centroid (the same measure
 * the build used), into the segment the directory names as the list's
 * insert segment.  The common case is one crash-safe batch that locks
 * only that segment, checks it still belongs to the list and has room,
 * and writes the TID and vector after the last entry; readers see either
 * the old count or the new one, never a half-written entry.
 *
 * When the insert segment is full, the chain is walked (without locks)
 * for a later segment with room (vacuum leaves some), and a batch that
 * locks the metapage and the directory record moves the insert segment
 * there and adds the entry.  If no segment has room, a new one is
 * allocated at the end of the store and linked at the front of the chain,
 * in the same batch as the directory change: three record heads at most
 * (directory, a segment tried, the new segment) plus the metapage.  What
 * the directory says is re-read under its lock, so a concurrent insert
 * that moved the insert segment first is followed, not overwritten.  All
 * batches lock the metapage, then directory records, then segments, so
 * they cannot deadlock.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/ivf/insert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "ivf/ivf.h"

/* Chain segments an insert walks looking for room before adding one. */
#define IVF_INSERT_MAX_WALK		64

/*
 * Add an entry to the segment whose head image is img (locked in batch w),
 * if it belongs to the list and has room.  Returns false, changing
 * nothing, otherwise.
 */
static bool
IvfInsertIntoSegment(StoreWrite *w, const IvfLayout *layout, StoreSlot slot,
					 char *img, uint32 list, const float *x, ItemPointer tid)
{
	Store	   *store = w->store;
	IvfSegmentHeader *sh = (IvfSegmentHeader *) img;

	if (sh->kind != IVF_KIND_SEGMENT || sh->list != list ||
		!IvfSegmentHasRoom(layout, store, sh))
		return false;

	if (sh->count < IvfInplaceCapacity(layout, store))
	{
		IvfSegmentTids(layout, img)[sh->count] = *tid;
		memcpy(IvfSegmentVector(layout, img, sh->count), x, layout->vector_bytes);
		sh->count++;
	}
	else
	{
		/* An empty record whose vectors lie in its tail: rewrite it whole. */
		char	   *rec = palloc0(layout->record_size);
		IvfSegmentHeader *nh = (IvfSegmentHeader *) rec;

		nh->kind = IVF_KIND_SEGMENT;
		nh->list = list;
		nh->next = sh->next;
		nh->count = 1;
		IvfSegmentTids(layout, rec)[0] = *tid;
		memcpy(IvfSegmentVector(layout, rec, 0), x, layout->vector_bytes);
		StoreWriteTail(w, slot, rec);
		memcpy(img, rec, Min(layout->record_size, store->head_size));
		pfree(rec);
	}
	return true;
}

/* The fast path: append to a given segment in a one-record batch. */
static bool
IvfInsertFast(Store *store, const IvfLayout *layout, StoreSlot slot,
			  uint32 list, const float *x, ItemPointer tid)
{
	StoreWrite	w;
	char	   *img;

	if (slot == STORE_INVALID_SLOT)
		return false;
	StoreWriteBegin(store, &w);
	img = StoreWriteHead(&w, slot);
	if (!IvfInsertIntoSegment(&w, layout, slot, img, list, x, tid))
	{
		StoreWriteAbort(&w);
		return false;
	}
	StoreWriteFinish(&w);
	return true;
}

/*
 * Walk the chain after segment from, without locks, for a segment of the
 * list with room; STORE_INVALID_SLOT if there is none nearby.
 */
static StoreSlot
IvfInsertFindRoom(Store *store, const IvfLayout *layout, StoreSlot from,
				  uint32 list)
{
	StoreSlot	cur = from;
	int			hops;

	for (hops = 0; hops <= IVF_INSERT_MAX_WALK && cur != STORE_INVALID_SLOT; hops++)
	{
		StoreRef	ref;
		IvfSegmentHeader sh;

		memcpy(&sh, StoreRead(store, cur, STORE_READ_HEAD, &ref), sizeof(sh));
		StoreRelease(store, &ref);
		if (sh.kind != IVF_KIND_SEGMENT || sh.list != list)
			break;
		if (hops > 0 && IvfSegmentHasRoom(layout, store, &sh))
			return cur;
		cur = sh.next;
		CHECK_FOR_INTERRUPTS();
	}
	return STORE_INVALID_SLOT;
}

/*
 * The slow path: with the metapage and the list's directory record
 * locked, add the entry to the list's insert segment if that changed
 * since the fast path failed and has room now, else to room (a later
 * segment found with room, which becomes the insert segment), else to a
 * new segment at the front of the chain.  seen is the directory entry the
 * fast path used.
 */
static void
IvfInsertSlow(Store *store, const IvfLayout *layout, StoreSlot dir_slot,
			  int idx, uint32 list, const IvfListInfo *seen, StoreSlot room,
			  const float *x, ItemPointer tid)
{
	StoreWrite	w;
	ZvecMeta   *meta;
	IvfMetaState *ms;
	char	   *dimg;
	IvfListInfo *info;
	StoreSlot	slot;
	char	   *img;
	char	   *rec;
	IvfSegmentHeader *sh;

	StoreWriteBegin(store, &w);
	meta = (ZvecMeta *) StoreWriteMeta(&w);
	ms = ZvecMetaAlgoState(meta, IvfMetaState);
	dimg = StoreWriteHead(&w, dir_slot);
	if (((IvfDirectoryHeader *) dimg)->kind != IVF_KIND_DIRECTORY)
	{
		StoreWriteAbort(&w);
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an invalid IVF directory",
						RelationGetRelationName(store->index)),
				 errdetail("Slot %u is not a directory record.", dir_slot),
				 errhint("REINDEX the index.")));
	}
	info = &IvfDirectoryInfos(layout, dimg)[idx];

	if (info->insert != seen->insert)
	{
		/* Another insert (or vacuum) moved the insert segment: try it. */
		room = STORE_INVALID_SLOT;
		if (info->insert != STORE_INVALID_SLOT)
		{
			img = StoreWriteHead(&w, info->insert);
			if (IvfInsertIntoSegment(&w, layout, info->insert, img, list, x, tid))
			{
				StoreWriteFinish(&w);
				return;
			}
		}
	}
	else if (room != STORE_INVALID_SLOT)
	{
		/* A later segment with room becomes the insert segment. */
		img = StoreWriteHead(&w, room);
		if (IvfInsertIntoSegment(&w, layout, room, img, list, x, tid))
		{
			info->insert = room;
			StoreWriteFinish(&w);
			return;
		}
	}

	/* A new segment at the front of the chain. */
	slot = StoreWriteExtend(&w);
	img = StoreWriteHead(&w, slot);
	rec = palloc0(layout->record_size);
	sh = (IvfSegmentHeader *) rec;
	sh->kind = IVF_KIND_SEGMENT;
	sh->list = list;
	sh->next = info->first;
	sh->count = 1;
	IvfSegmentTids(layout, rec)[0] = *tid;
	memcpy(IvfSegmentVector(layout, rec, 0), x, layout->vector_bytes);
	StoreWriteTail(&w, slot, rec);
	memcpy(img, rec, Min(layout->record_size, store->head_size));
	info->first = slot;
	info->insert = slot;
	ms->segments_added++;
	StoreWriteFinish(&w);
	pfree(rec);
}

/* aminsert for IVF: see the file header. */
void
IvfInsert(ZvecIndex *zi, Vector *value, ItemPointer heap_tid, Relation heap)
{
	Store	   *store = zi->store;
	const IvfMetaState *ms = ZvecMetaAlgoState(&zi->meta, IvfMetaState);
	IvfLayout	layout;
	IvfListInfo info;
	StoreSlot	dir_slot;
	int			idx;
	int			list;
	StoreSlot	room;

	IvfLayoutInit(&layout, (int) zi->meta.dims);
	if (value->dim != layout.dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", layout.dims, value->dim)));

	list = IvfNearestList(&layout, store, ms,
						  (ms->flags & IVF_FLAG_SPHERICAL) != 0, value->x, &info);
	dir_slot = ms->directory + (uint32) list / ms->per_directory;
	idx = list % ms->per_directory;

	if (IvfInsertFast(store, &layout, info.insert, (uint32) list, value->x, heap_tid))
		return;
	room = IvfInsertFindRoom(store, &layout, info.insert, (uint32) list);
	IvfInsertSlow(store, &layout, dir_slot, idx, (uint32) list, &info, room,
				  value->x, heap_tid);
}
