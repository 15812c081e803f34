/*-------------------------------------------------------------------------
 *
 * verify.c
 *	  Checking an IVF index for zvec_verify().
 *
 * The metapage's list counts must fit the layout and the directory; each
 * directory record must describe the lists it should, with finite
 * centroids; each list's chain of segments must stay in range, never loop,
 * reach only segments of that list (a segment reached from two lists is in
 * the wrong list too), hold no more entries than a segment has room for,
 * and pass through the list's insert segment.  Finally every segment must
 * be reached by some chain: entries in a segment no chain reaches are lost
 * to scans.
 *
 * All of this holds at every moment, even beside concurrent inserts and
 * vacuums: chains only grow at their front, in the same batch as the
 * directory entry that points there, a segment never changes list or
 * next pointer, and a directory entry (first and insert segment) is read
 * in one piece.  So a walk started from what the directory said reaches,
 * later, at least every segment that existed when it was read.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/ivf/verify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "ivf/ivf.h"
#include "memory/memory.h"

/* State of one check. */
typedef struct IvfVerifyState
{
	ZvecIndex  *zi;
	Store	   *store;
	ZvecVerify *v;
	StoreReporter *rep;
	IvfLayout	layout;
	StoreSlot	nslots;			/* slots when the walk started */
	uint32	   *owner;			/* per slot: 1 + the list whose chain reached it */
	int			inplace;		/* entries a segment holds in its head */
} IvfVerifyState;

/* Whether n floats are all finite. */
static bool
IvfVerifyFinite(const float *x, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		if (isnan(x[i]) || isinf(x[i]))
			return false;
	}
	return true;
}

/* Walk the chain of one list from what its directory entry says. */
static void
IvfVerifyList(IvfVerifyState *st, uint32 list, const IvfListInfo *info)
{
	const IvfLayout *layout = &st->layout;
	Store	   *store = st->store;
	StoreSlot	cur = info->first;
	StoreSlot	prev = STORE_INVALID_SLOT;
	bool		insert_found = info->insert == STORE_INVALID_SLOT;
	bool		complete = false;
	uint64		hops = 0;
	char	   *where = psprintf("list %u", list);

	if (cur == STORE_INVALID_SLOT)
		complete = true;
	while (cur != STORE_INVALID_SLOT)
	{
		StoreRef	ref;
		const char *rec;
		IvfSegmentHeader sh;
		const ItemPointerData *tids;
		int			n;
		int			i;

		CHECK_FOR_INTERRUPTS();
		if (cur >= st->nslots)
		{
			StoreSlot	now = StoreReadSlotCount(st->zi->index);

			if (cur >= now)
			{
				StoreReport(st->rep, "chain_out_of_range", where,
							prev == STORE_INVALID_SLOT ?
							"The list's first segment is slot %u, beyond the last slot." :
							"The list's chain leads to slot %u, beyond the last slot.",
							cur);
				break;
			}
			/* a segment added since the walk began: follow it, unowned */
			if (++hops > (uint64) now + 1)
			{
				StoreReport(st->rep, "chain_loop", where,
							"The list's chain never ends.");
				break;
			}
		}
		else if (st->owner[cur] == list + 1)
		{
			StoreReport(st->rep, "chain_loop", where,
						"The list's chain comes back to segment %u.", cur);
			break;
		}
		else if (st->owner[cur] != 0)
		{
			StoreReport(st->rep, "wrong_list", where,
						"Segment %u is in the chains of lists %u and %u.",
						cur, st->owner[cur] - 1, list);
			break;
		}
		else
			st->owner[cur] = list + 1;

		rec = StoreRead(store, cur, STORE_READ_FULL, &ref);
		memcpy(&sh, rec, sizeof(sh));
		if (sh.kind != IVF_KIND_SEGMENT)
		{
			StoreRelease(store, &ref);
			StoreReport(st->rep, "bad_record", where,
						"The list's chain leads to slot %u, which is not a segment.", cur);
			break;
		}
		if (sh.list != list)
		{
			StoreRelease(store, &ref);
			StoreReport(st->rep, "wrong_list", where,
						"Segment %u in the list's chain belongs to list %u.", cur, sh.list);
			break;
		}
		if (sh.count > layout->capacity)
			StoreReport(st->rep, "list_count", psprintf("list %u, slot %u", list, cur),
						"The segment counts %u entries; it has room for %d.",
						(unsigned int) sh.count, layout->capacity);
		n = Min(sh.count, layout->capacity);
		tids = IvfSegmentTids(layout, rec);
		for (i = 0; i < n; i++)
		{
			ItemPointerData tid = tids[i];

			if (!ItemPointerIsValid(&tid))
			{
				/* only segments whose vectors lie in the tail keep dead entries */
				if (sh.count <= st->inplace)
					StoreReport(st->rep, "bad_record", psprintf("list %u, slot %u", list, cur),
								"Entry %d has an invalid heap TID, but vacuum compacts this segment.",
								i + 1);
				continue;
			}
			if (!IvfVerifyFinite(IvfSegmentVector(layout, rec, i), layout->dims))
				StoreReport(st->rep, "bad_record", psprintf("list %u, slot %u", list, cur),
							"The vector of entry %d is not finite.", i + 1);
			ZvecVerifyAddTid(st->v, &tid);
		}
		StoreRelease(store, &ref);

		if (cur == info->insert)
			insert_found = true;
		prev = cur;
		cur = sh.next;
		complete = cur == STORE_INVALID_SLOT;
	}

	/* (a chain cut short by a problem already reported proves nothing) */
	if (complete && !insert_found)
		StoreReport(st->rep, "insert_segment", where,
					"The list's insert segment, slot %u, is not in its chain.",
					info->insert);
}

/* The verify callback of IVF: see the file header. */
void
IvfVerify(ZvecIndex *zi, ZvecVerify *v)
{
	IvfVerifyState st;
	const IvfMetaState *ms = ZvecMetaAlgoState(&zi->meta, IvfMetaState);
	MemoryContext context;
	MemoryContext old;
	IvfListInfo *infos;
	uint32		expect_dirs;
	uint32		r;
	StoreSlot	slot;

	memset(&st, 0, sizeof(st));
	st.zi = zi;
	st.store = zi->store;
	st.v = v;
	st.rep = &v->reporter;
	IvfLayoutInit(&st.layout, (int) zi->meta.dims);
	st.nslots = zi->store->nslots;
	st.inplace = IvfInplaceCapacity(&st.layout, zi->store);

	/* The metapage's counts. */
	if (ms->capacity != (uint32) st.layout.capacity ||
		ms->per_directory != (uint32) st.layout.per_directory)
	{
		StoreReport(st.rep, "list_count", "metapage",
					"The metapage gives %u entries per segment and %u lists per directory record; the layout has %d and %d.",
					ms->capacity, ms->per_directory, st.layout.capacity,
					st.layout.per_directory);
		return;
	}
	if (ms->nlists < 1 || ms->nlists > IVF_MAX_LISTS)
	{
		StoreReport(st.rep, "list_count", "metapage",
					"The metapage counts %u lists.", ms->nlists);
		return;
	}
	expect_dirs = (ms->nlists + ms->per_directory - 1) / ms->per_directory;
	if (ms->ndirectory != expect_dirs)
	{
		StoreReport(st.rep, "list_count", "metapage",
					"The metapage counts %u directory records; %u lists need %u.",
					ms->ndirectory, ms->nlists, expect_dirs);
		return;
	}
	if (ms->directory >= st.nslots || st.nslots - ms->directory < ms->ndirectory)
	{
		StoreReport(st.rep, "list_count", "metapage",
					"The directory, %u records from slot %u, lies beyond the last slot.",
					ms->ndirectory, ms->directory);
		return;
	}

	context = GovernorContextCreate(CurrentMemoryContext, "zvec ivf verify",
									"zvec_verify", 0);
	old = MemoryContextSwitchTo(context);
	GovernorGrow(context, sizeof(uint32) * (Size) st.nslots);
	st.owner = palloc_extended(sizeof(uint32) * (Size) st.nslots,
							   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	infos = palloc(sizeof(IvfListInfo) * st.layout.per_directory);

	/* The directory, and the chain of every list. */
	for (r = 0; r < ms->ndirectory; r++)
	{
		StoreSlot	dslot = ms->directory + r;
		uint32		first = r * ms->per_directory;
		int			count = (int) Min(ms->per_directory, ms->nlists - first);
		StoreRef	ref;
		const char *rec;
		IvfDirectoryHeader dh;
		int			i;

		rec = StoreRead(st.store, dslot, STORE_READ_FULL, &ref);
		memcpy(&dh, rec, sizeof(dh));
		if (dh.kind == IVF_KIND_DIRECTORY)
		{
			memcpy(infos, IvfDirectoryInfos(&st.layout, rec), sizeof(IvfListInfo) * count);
			for (i = 0; i < count; i++)
			{
				if (!IvfVerifyFinite(IvfDirectoryCentroid(&st.layout, rec, i), st.layout.dims))
					StoreReport(st.rep, "bad_record", psprintf("slot %u", dslot),
								"The centroid of list %u is not finite.", first + i);
			}
		}
		StoreRelease(st.store, &ref);
		if (dh.kind != IVF_KIND_DIRECTORY)
		{
			StoreReport(st.rep, "bad_record", psprintf("slot %u", dslot),
						"Directory record %u is %s.", r,
						dh.kind == IVF_KIND_SEGMENT ? "a segment" : "not a directory record");
			continue;
		}
		if (dh.first_list != first || dh.count != count)
			StoreReport(st.rep, "list_count", psprintf("slot %u", dslot),
						"Directory record %u describes %u lists from list %u; it should describe %d from list %u.",
						r, (unsigned int) dh.count, dh.first_list, count, first);
		for (i = 0; i < count; i++)
			IvfVerifyList(&st, first + i, &infos[i]);
	}

	/* Every segment reached by some chain; nothing else unexpected. */
	for (slot = 0; slot < st.nslots; slot++)
	{
		StoreRef	ref;
		uint8		kind;

		if ((slot & 255) == 0)
			CHECK_FOR_INTERRUPTS();
		kind = *(const uint8 *) StoreRead(st.store, slot, STORE_READ_HEAD, &ref);
		StoreRelease(st.store, &ref);
		if (kind == IVF_KIND_SEGMENT)
		{
			if (st.owner[slot] == 0)
				StoreReport(st.rep, "orphan_segment", psprintf("slot %u", slot),
							"No list's chain reaches this segment, so scans never see its entries.");
		}
		else if (kind == IVF_KIND_DIRECTORY)
		{
			if (slot < ms->directory || slot - ms->directory >= ms->ndirectory)
				StoreReport(st.rep, "bad_record", psprintf("slot %u", slot),
							"A directory record lies outside the directory.");
		}
		else if (kind == 0)
			StoreReport(st.rep, "bad_record", psprintf("slot %u", slot),
						"The slot is below the slot count but was never written.");
		else
			StoreReport(st.rep, "bad_record", psprintf("slot %u", slot),
						"The record's kind, %u, is not an IVF record kind.",
						(unsigned int) kind);
	}

	MemoryContextSwitchTo(old);
	MemoryContextDelete(context);
}
