/*-------------------------------------------------------------------------
 *
 * tids.c
 *	  Heap TIDs of an HNSW node beyond those the node itself holds.
 *
 * Identical vectors share one graph node.  The node keeps its first
 * HNSW_NODE_TIDS heap TIDs in its own head; the others go to a chain of
 * TID overflow records: HnswTidsHeader, then as many TIDs as fit in the
 * part of a record that is head in every backend, so that every change is
 * a change of heads.  The node names the first record (tidchain), each
 * record the next; the first record also names the last one and, as a
 * hint, one that had room.  The first record stays first while the chain
 * has any other.
 *
 * Changes, each one crash-safe write batch (with the metapage when it
 * changes more than one record):
 *
 *  - an insert adds a TID to the node while it has room, else to the
 *    record the room hint names, or one a few records further down the
 *    chain, or the last one, if one of them has room (and points the hint
 *    there); else it appends a new record at the end of the chain (or
 *    makes the first one);
 *  - vacuum removes dead TIDs from each record in place, then unlinks the
 *    empty records at the end of the chain and frees them, and points the
 *    room hint at the first record with room, for inserts to fill.
 *
 * So a TID never moves from one record to another, and links change only
 * at the end of the chain.  That is what makes the chain safe to read one
 * record at a time while it changes, even where a reader sees some
 * records as they were when its scan started and others as they are now
 * (the mmap backend reads records changed since its image was taken
 * through the buffer pool, and does not learn of later changes during a
 * scan): every record holding a TID the scan can see was in the chain
 * when the scan started and stays there, behind links that do not change,
 * so the reader reaches it and finds the TID in either version.  What the
 * reader may miss, or find in a record that was freed and reused, is at
 * the end of the chain: TIDs of rows inserted after it started, which its
 * snapshot cannot see.  A reader stops at a record that does not belong
 * to the node, or that it has seen already.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/hnsw/tids.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "hnsw/hnsw.h"

/* Times a batch is retried when the records changed under it. */
#define HNSW_TIDS_ATTEMPTS		8

/* Records past the room hint an insert looks at for room. */
#define HNSW_TIDS_PROBE			8

/* Bytes of an overflow record that hold its header and TIDs. */
static inline Size
HnswTidsRecordBytes(const HnswLayout *layout)
{
	return MAXALIGN(sizeof(HnswTidsHeader)) +
		sizeof(ItemPointerData) * layout->tids_per_record;
}

/*
 * Whether a node head image (locked in a batch) is a live node with this
 * vector, as far as the head holds the vector.
 */
static bool
HnswTidsNodeMatches(Store *store, const HnswLayout *layout, const char *img,
					const Vector *value)
{
	const HnswNodeHeader *nh = (const HnswNodeHeader *) img;
	Size		cmp;

	if (nh->kind != HNSW_KIND_NODE || !HnswNodeIsLive(nh))
		return false;
	if (store->head_size <= layout->vector_offset)
		return true;
	cmp = Min(layout->vector_size, store->head_size - layout->vector_offset);
	return memcmp(HnswNodeVector(layout, img), value, cmp) == 0;
}

/* Copy the first bytes of a record's head, to look at without a lock. */
static void
HnswTidsCopyHead(Store *store, StoreSlot slot, void *out, Size bytes)
{
	StoreRef	ref;

	memcpy(out, StoreRead(store, slot, STORE_READ_HEAD, &ref), bytes);
	StoreRelease(store, &ref);
}

/* Whether a record head is an overflow record of node with room. */
static inline bool
HnswTidsHasRoom(const HnswLayout *layout, const HnswTidsHeader *th,
				StoreSlot node)
{
	return th->kind == HNSW_KIND_TIDS && th->owner == node &&
		th->ntids < layout->tids_per_record;
}

/*
 * Find, without locks, an overflow record of the node with room: the one
 * the first record's hint names or one of the next few, else the last
 * one.  Invalid if none of them has room.
 */
static StoreSlot
HnswTidsFindRoom(Store *store, const HnswLayout *layout, StoreSlot node,
				 const HnswTidsHeader *first)
{
	HnswTidsHeader th;
	StoreSlot	slot = first->room;
	int			i;

	for (i = 0; i <= HNSW_TIDS_PROBE && slot != STORE_INVALID_SLOT; i++)
	{
		HnswTidsCopyHead(store, slot, &th, sizeof(th));
		if (th.kind != HNSW_KIND_TIDS || th.owner != node)
			break;
		if (th.ntids < layout->tids_per_record)
			return slot;
		slot = th.next;
	}
	if (first->last != STORE_INVALID_SLOT)
	{
		HnswTidsCopyHead(store, first->last, &th, sizeof(th));
		if (HnswTidsHasRoom(layout, &th, node))
			return first->last;
	}
	return STORE_INVALID_SLOT;
}

/*
 * Make a new overflow record holding tid in a batch that holds the
 * metapage (ms); it is the last of its chain, and first names first, or
 * itself when invalid.  rec is scratch of a record's size.  Returns its
 * slot.
 */
static StoreSlot
HnswTidsNewRecord(Store *store, const HnswLayout *layout, StoreWrite *w,
				  HnswMetaState *ms, StoreSlot node, StoreSlot first,
				  ItemPointer tid, char *rec)
{
	HnswTidsHeader *th = (HnswTidsHeader *) rec;
	StoreSlot	slot;
	char	   *img;

	slot = HnswAllocateRecord(w, ms, &img);
	memset(rec, 0, layout->record_size);
	th->kind = HNSW_KIND_TIDS;
	th->ntids = 1;
	th->owner = node;
	th->next = STORE_INVALID_SLOT;
	th->last = first == STORE_INVALID_SLOT ? slot : STORE_INVALID_SLOT;
	th->room = th->last;
	HnswTidsArray(rec)[0] = *tid;
	StoreWriteTail(w, slot, rec);
	memcpy(img, rec, Min(layout->record_size, store->head_size));
	return slot;
}

/*
 * Add tid to an overflow record of a node whose TIDs in the node are all
 * taken; first is the node's first record (invalid: none yet).  One
 * batch; false if the records changed meanwhile (the caller looks again).
 */
static bool
HnswTidsAddToChain(Store *store, const HnswLayout *layout, StoreSlot node,
				   const Vector *value, StoreSlot first, ItemPointer tid,
				   char *rec)
{
	HnswTidsHeader seen;
	StoreWrite	w;
	HnswMetaState *ms;
	HnswTidsHeader *fh;
	HnswTidsHeader *th;
	StoreSlot	room;
	StoreSlot	slot;

	if (first == STORE_INVALID_SLOT)
	{
		/* The chain's first record; the node names it. */
		HnswNodeHeader *nh;

		StoreWriteBegin(store, &w);
		ms = ZvecMetaAlgoState((ZvecMeta *) StoreWriteMeta(&w), HnswMetaState);
		nh = (HnswNodeHeader *) StoreWriteHead(&w, node);
		if (!HnswTidsNodeMatches(store, layout, (char *) nh, value) ||
			nh->ntids < HNSW_NODE_TIDS || nh->tidchain != STORE_INVALID_SLOT)
		{
			StoreWriteAbort(&w);
			return false;
		}
		nh->tidchain = HnswTidsNewRecord(store, layout, &w, ms, node,
										 STORE_INVALID_SLOT, tid, rec);
		StoreWriteFinish(&w);
		return true;
	}

	HnswTidsCopyHead(store, first, &seen, sizeof(seen));
	if (seen.kind != HNSW_KIND_TIDS || seen.owner != node)
		return false;
	room = HnswTidsFindRoom(store, layout, node, &seen);

	if (room != STORE_INVALID_SLOT && room == seen.room)
	{
		/* Room where the hint says: that record alone. */
		StoreWriteBegin(store, &w);
		th = (HnswTidsHeader *) StoreWriteHead(&w, room);
		if (!HnswTidsHasRoom(layout, th, node))
		{
			StoreWriteAbort(&w);
			return false;
		}
		HnswTidsArray(th)[th->ntids++] = *tid;
		StoreWriteFinish(&w);
		return true;
	}

	/*
	 * Room elsewhere (the hint moves there), or a new record after the
	 * last: the first record, that record, and the new one.  The first
	 * record, still the node's while it names the node, vouches for the
	 * node.
	 */
	StoreWriteBegin(store, &w);
	ms = ZvecMetaAlgoState((ZvecMeta *) StoreWriteMeta(&w), HnswMetaState);
	fh = (HnswTidsHeader *) StoreWriteHead(&w, first);
	if (fh->kind != HNSW_KIND_TIDS || fh->owner != node || fh->last != seen.last)
	{
		StoreWriteAbort(&w);
		return false;
	}
	if (room != STORE_INVALID_SLOT)
	{
		th = (HnswTidsHeader *) StoreWriteHead(&w, room);
		if (!HnswTidsHasRoom(layout, th, node))
		{
			StoreWriteAbort(&w);
			return false;
		}
		HnswTidsArray(th)[th->ntids++] = *tid;
		fh->room = room;
		StoreWriteFinish(&w);
		return true;
	}
	th = (HnswTidsHeader *) StoreWriteHead(&w, fh->last);
	if (th->kind != HNSW_KIND_TIDS || th->owner != node ||
		th->next != STORE_INVALID_SLOT)
	{
		StoreWriteAbort(&w);
		return false;
	}
	slot = HnswTidsNewRecord(store, layout, &w, ms, node, first, tid, rec);
	th->next = slot;
	fh->last = slot;
	fh->room = slot;
	StoreWriteFinish(&w);
	return true;
}

/*
 * Add a heap TID to a live node holding this vector: in the node, in an
 * overflow record with room, or in a new one at the end of its chain.
 * False if the slot is not (or no longer) such a node, or it kept changing
 * under us; the caller then makes a node of its own.
 */
bool
HnswTidsAdd(Store *store, const HnswLayout *layout, StoreSlot node,
			const Vector *value, ItemPointer tid)
{
	char	   *rec = NULL;
	bool		added = false;
	int			attempt;

	for (attempt = 0; attempt < HNSW_TIDS_ATTEMPTS && !added; attempt++)
	{
		HnswNodeHeader seen;
		StoreWrite	w;
		HnswNodeHeader *nh;

		/* Look without locks first, to know which records to lock. */
		HnswTidsCopyHead(store, node, &seen, sizeof(seen));
		if (seen.kind != HNSW_KIND_NODE || !HnswNodeIsLive(&seen))
			break;

		if (seen.ntids >= HNSW_NODE_TIDS)
		{
			if (rec == NULL)
				rec = palloc(layout->record_size);
			added = HnswTidsAddToChain(store, layout, node, value,
									   seen.tidchain, tid, rec);
			continue;
		}

		/* Room in the node itself. */
		StoreWriteBegin(store, &w);
		nh = (HnswNodeHeader *) StoreWriteHead(&w, node);
		if (!HnswTidsNodeMatches(store, layout, (char *) nh, value))
		{
			StoreWriteAbort(&w);
			break;
		}
		if (nh->ntids >= HNSW_NODE_TIDS)
		{
			StoreWriteAbort(&w);
			continue;
		}
		nh->tids[nh->ntids++] = *tid;
		StoreWriteFinish(&w);
		added = true;
	}

	if (rec != NULL)
		pfree(rec);
	return added;
}

/* Order TIDs (for qsort). */
static int
HnswTidsCompare(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

/*
 * Collect the TIDs of a node's overflow chain that starts at first (as
 * read from the node) into *tids, a palloc'd array of *capacity entries
 * (NULL and 0 to start), grown as needed.  Returns their number; they are
 * sorted, each once.  See the file header for why a reader may stop at a
 * record that is no longer the node's.
 */
int
HnswTidsRead(Store *store, const HnswLayout *layout, StoreSlot node,
			 StoreSlot first, ItemPointerData **tids, int *capacity)
{
	StoreSlot	slot = first;
	HnswSlotSet seen;
	int			n = 0;
	int			i;
	int			u;

	HnswSlotSetInit(&seen, 64);
	while (slot != STORE_INVALID_SLOT && HnswSlotSetAdd(&seen, slot))
	{
		StoreRef	ref;
		const HnswTidsHeader *th;
		StoreSlot	next;
		int			count;

		th = (const HnswTidsHeader *) StoreRead(store, slot, STORE_READ_HEAD, &ref);
		if (th->kind != HNSW_KIND_TIDS || th->owner != node)
		{
			StoreRelease(store, &ref);
			break;
		}
		count = Min(th->ntids, layout->tids_per_record);
		if (n + count > *capacity)
		{
			int			want = Max(Max(*capacity * 2, n + count), 64);

			if (*tids == NULL)
				*tids = palloc_extended(sizeof(ItemPointerData) * want, MCXT_ALLOC_HUGE);
			else
				*tids = repalloc_huge(*tids, sizeof(ItemPointerData) * want);
			*capacity = want;
		}
		memcpy(*tids + n, HnswTidsArray(th), sizeof(ItemPointerData) * count);
		n += count;
		next = th->next;
		StoreRelease(store, &ref);
		slot = next;
		CHECK_FOR_INTERRUPTS();
	}
	pfree(seen.keys);

	if (n > 1)
		qsort(*tids, n, sizeof(ItemPointerData), HnswTidsCompare);
	u = 0;
	for (i = 0; i < n; i++)
	{
		if (u == 0 || !ItemPointerEquals(&(*tids)[u - 1], &(*tids)[i]))
			(*tids)[u++] = (*tids)[i];
	}
	return u;
}

/*
 * Remove from overflow record slot the TIDs that dead marks in seen (a
 * copy taken earlier).  Returns the TIDs left in the record; *removed is
 * increased by those removed.
 */
static int
HnswTidsVacuumRecord(Store *store, const HnswLayout *layout, StoreSlot node,
					 StoreSlot slot, const HnswTidsHeader *seen,
					 const bool *dead, int *removed)
{
	const ItemPointerData *seen_tids = HnswTidsArray(seen);
	int			nseen = Min(seen->ntids, layout->tids_per_record);
	StoreWrite	w;
	HnswTidsHeader *th;
	ItemPointerData *tids;
	int			count;
	int			kept = 0;
	int			i;

	StoreWriteBegin(store, &w);
	th = (HnswTidsHeader *) StoreWriteHead(&w, slot);
	if (th->kind != HNSW_KIND_TIDS || th->owner != node)
	{
		StoreWriteAbort(&w);
		return 0;
	}

	/*
	 * Only vacuum removes TIDs and inserts only append them, so the TIDs
	 * seen are still the record's first ones; anything else means the
	 * record is not what was seen, and it is left alone.
	 */
	tids = HnswTidsArray(th);
	count = Min(th->ntids, layout->tids_per_record);
	if (count < nseen ||
		memcmp(tids, seen_tids, sizeof(ItemPointerData) * nseen) != 0)
	{
		StoreWriteAbort(&w);
		return count;
	}
	for (i = 0; i < count; i++)
	{
		if (i < nseen && dead[i])
			continue;
		tids[kept++] = tids[i];
	}
	*removed += count - kept;
	th->ntids = (uint16) kept;
	memset(tids + kept, 0, sizeof(ItemPointerData) * (count - kept));
	StoreWriteFinish(&w);
	return kept;
}

/* Put an overflow record, unlinked in this batch, on the free list. */
static void
HnswTidsFree(const HnswLayout *layout, HnswMetaState *ms, StoreSlot slot,
			 HnswTidsHeader *th)
{
	HnswFreeHeader *fh = (HnswFreeHeader *) th;

	memset(th, 0, HnswTidsRecordBytes(layout));
	fh->kind = HNSW_KIND_FREE;
	fh->next = ms->free_head;
	ms->free_head = slot;
}

/*
 * Unlink the last overflow record of a node's chain, slot, if it is still
 * the last and empty, and free it; pred is the record before it, first
 * the chain's first record (slot itself when it is the only one).  One
 * batch.  False if anything changed meanwhile.
 */
static bool
HnswTidsTrim(Store *store, const HnswLayout *layout, StoreSlot node,
			 StoreSlot first, StoreSlot pred, StoreSlot slot)
{
	StoreWrite	w;
	HnswMetaState *ms;
	HnswTidsHeader *fh;
	HnswTidsHeader *ph;
	HnswTidsHeader *th;

	StoreWriteBegin(store, &w);
	ms = ZvecMetaAlgoState((ZvecMeta *) StoreWriteMeta(&w), HnswMetaState);
	if (slot == first)
	{
		/* The only record: the node no longer has a chain. */
		HnswNodeHeader *nh = (HnswNodeHeader *) StoreWriteHead(&w, node);

		th = (HnswTidsHeader *) StoreWriteHead(&w, slot);
		if (nh->kind != HNSW_KIND_NODE || nh->tidchain != slot ||
			th->kind != HNSW_KIND_TIDS || th->owner != node ||
			th->ntids != 0 || th->next != STORE_INVALID_SLOT)
		{
			StoreWriteAbort(&w);
			return false;
		}
		nh->tidchain = STORE_INVALID_SLOT;
		HnswTidsFree(layout, ms, slot, th);
		StoreWriteFinish(&w);
		return true;
	}

	fh = (HnswTidsHeader *) StoreWriteHead(&w, first);
	ph = pred == first ? fh : (HnswTidsHeader *) StoreWriteHead(&w, pred);
	th = (HnswTidsHeader *) StoreWriteHead(&w, slot);
	if (fh->kind != HNSW_KIND_TIDS || fh->owner != node || fh->last != slot ||
		ph->kind != HNSW_KIND_TIDS || ph->owner != node || ph->next != slot ||
		th->kind != HNSW_KIND_TIDS || th->owner != node ||
		th->ntids != 0 || th->next != STORE_INVALID_SLOT)
	{
		StoreWriteAbort(&w);
		return false;
	}
	ph->next = STORE_INVALID_SLOT;
	fh->last = pred;
	if (fh->room == slot)
		fh->room = pred;
	HnswTidsFree(layout, ms, slot, th);
	StoreWriteFinish(&w);
	return true;
}

/* Point the room hint in a chain's first record at slot. */
static void
HnswTidsSetRoom(Store *store, StoreSlot node, StoreSlot first, StoreSlot slot)
{
	StoreWrite	w;
	HnswTidsHeader *fh;

	StoreWriteBegin(store, &w);
	fh = (HnswTidsHeader *) StoreWriteHead(&w, first);
	if (fh->kind != HNSW_KIND_TIDS || fh->owner != node || fh->room == slot)
	{
		StoreWriteAbort(&w);
		return;
	}
	fh->room = slot;
	StoreWriteFinish(&w);
}

/*
 * Vacuum a node's overflow chain: remove the TIDs the callback reports
 * dead, free the empty records at its end, and point the room hint at the
 * first record with room.  Returns the TIDs left in the chain; *removed
 * receives how many were removed.
 */
int
HnswTidsVacuum(Store *store, const HnswLayout *layout, StoreSlot node,
			   IndexBulkDeleteCallback callback, void *callback_state,
			   int *removed)
{
	Size		bytes = HnswTidsRecordBytes(layout);
	HnswTidsHeader *seen = palloc(bytes);
	bool	   *dead = palloc(sizeof(bool) * layout->tids_per_record);
	StoreSlot  *chain;
	int		   *counts;
	int			nchain = 0;
	int			chain_capacity = 64;
	HnswSlotSet visited;
	HnswNodeHeader nh;
	StoreSlot	slot;
	StoreSlot	room = STORE_INVALID_SLOT;
	int			left = 0;
	int			i;

	*removed = 0;
	chain = palloc(sizeof(StoreSlot) * chain_capacity);
	counts = palloc(sizeof(int) * chain_capacity);
	HnswSlotSetInit(&visited, 64);
	HnswTidsCopyHead(store, node, &nh, sizeof(nh));
	slot = nh.kind == HNSW_KIND_NODE ? nh.tidchain : STORE_INVALID_SLOT;

	/* Remove dead TIDs, record by record. */
	while (slot != STORE_INVALID_SLOT && HnswSlotSetAdd(&visited, slot))
	{
		int			count;
		int			kept;
		int			ndead = 0;

		HnswTidsCopyHead(store, slot, seen, bytes);
		if (seen->kind != HNSW_KIND_TIDS || seen->owner != node)
			break;
		count = Min(seen->ntids, layout->tids_per_record);
		for (i = 0; i < count; i++)
		{
			ItemPointerData tid = HnswTidsArray(seen)[i];

			dead[i] = callback(&tid, callback_state);
			ndead += dead[i] ? 1 : 0;
		}
		kept = ndead == 0 ? count :
			HnswTidsVacuumRecord(store, layout, node, slot, seen, dead, removed);
		left += kept;
		if (room == STORE_INVALID_SLOT && kept < layout->tids_per_record)
			room = slot;

		if (nchain == chain_capacity)
		{
			chain_capacity *= 2;
			chain = repalloc_huge(chain, sizeof(StoreSlot) * chain_capacity);
			counts = repalloc_huge(counts, sizeof(int) * chain_capacity);
		}
		chain[nchain] = slot;
		counts[nchain++] = kept;
		slot = seen->next;
		CHECK_FOR_INTERRUPTS();
	}

	/* Free the empty records at the end, last first. */
	while (nchain > 0 && counts[nchain - 1] == 0)
	{
		StoreSlot	pred = nchain > 1 ? chain[nchain - 2] : STORE_INVALID_SLOT;

		if (!HnswTidsTrim(store, layout, node, chain[0], pred, chain[nchain - 1]))
			break;
		if (room == chain[nchain - 1])
			room = STORE_INVALID_SLOT;
		nchain--;
	}

	/* Inserts fill the first record with room from now on. */
	if (room != STORE_INVALID_SLOT && nchain > 0)
		HnswTidsSetRoom(store, node, chain[0], room);

	pfree(seen);
	pfree(dead);
	pfree(chain);
	pfree(counts);
	pfree(visited.keys);
	return left;
}

/* Whether a slot holds a node that still has a heap TID. */
bool
HnswTidsNodeIsLive(Store *store, StoreSlot node)
{
	HnswNodeHeader nh;

	HnswTidsCopyHead(store, node, &nh, sizeof(nh));
	return nh.kind == HNSW_KIND_NODE && HnswNodeIsLive(&nh);
}
