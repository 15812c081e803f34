/*-------------------------------------------------------------------------
 *
 * verify.c
 *	  Checking an HNSW index for zvec_verify().
 *
 * Two passes over the slots.  The first notes every record's kind, level
 * and whether it is a live node.  The second reads every node again and
 * checks it alone (level, heap TIDs, counts, vector), then its links:
 * every neighbour on every layer must be in range, not the node itself,
 * not listed twice, and, for a live node, a node whose level reaches that
 * layer (a freed slot or another kind of record is reported as such; a
 * deleted node keeps stale links until vacuum frees it); its upper records
 * must belong to it and cover exactly layers 1..level.  Then the entry
 * point and the free list.
 *
 * Concurrent inserts and vacuums (under AccessShareLock) can make a
 * record read early disagree with one read later.  A problem between two
 * records is therefore reported only after reading the record that holds
 * the link, the target, and the link again, and finding the link
 * unchanged and the target still wrong; the free list is walked again
 * when its head moved meanwhile; and free records missing from the list
 * are looked for only when writers are locked out.  Upper records that
 * no node reaches (a vacuum that stopped between freeing a node and its
 * upper records leaves them) are leaked space, not damage, and are not
 * reported.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/hnsw/verify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "hnsw/hnsw.h"
#include "memory/memory.h"

/* What the first pass notes about a slot. */
typedef struct HnswVerifySlot
{
	uint8		kind;
	uint8		level;
	bool		live;			/* a node with heap TIDs */
	uint8		unused;
} HnswVerifySlot;

/* State of one check. */
typedef struct HnswVerifyState
{
	ZvecIndex  *zi;
	Store	   *store;
	ZvecVerify *v;
	StoreReporter *rep;
	HnswLayout	layout;
	StoreSlot	nslots;			/* slots when the walk started */
	HnswVerifySlot *slots;
	StoreSlot  *list;			/* scratch: one list */
	StoreSlot  *again;			/* scratch: the same list, read again */
	StoreSlot  *upper_lists;	/* scratch: the lists of one upper record */
	uint16	   *upper_counts;
} HnswVerifyState;

/* "slot s" or "slot s, layer l". */
static char *
HnswVerifyWhere(StoreSlot slot, int level)
{
	if (level < 0)
		return psprintf("slot %u", slot);
	return psprintf("slot %u, layer %d", slot, level);
}

/* Name of a record kind, for details. */
static const char *
HnswVerifyKindName(uint8 kind)
{
	switch (kind)
	{
		case 0:
			return "a never-written record";
		case HNSW_KIND_NODE:
			return "a node";
		case HNSW_KIND_UPPER:
			return "an upper-layer record";
		case HNSW_KIND_FREE:
			return "a free record";
		case HNSW_KIND_TIDS:
			return "a heap-TID overflow record";
	}
	return "a record of unknown kind";
}

/* Copy a slot's header fields now: kind and, for a node, its level. */
static void
HnswVerifyPeek(HnswVerifyState *st, StoreSlot slot, uint8 *kind, uint8 *level)
{
	StoreRef	ref;
	const HnswNodeHeader *nh;

	nh = (const HnswNodeHeader *) StoreRead(st->store, slot, STORE_READ_HEAD, &ref);
	*kind = nh->kind;
	*level = nh->kind == HNSW_KIND_NODE ? nh->level : 0;
	StoreRelease(st->store, &ref);
}

/* Whether a slot holds a live node (one with heap TIDs) now. */
static bool
HnswVerifyLive(HnswVerifyState *st, StoreSlot slot)
{
	StoreRef	ref;
	const HnswNodeHeader *nh;
	bool		live;

	nh = (const HnswNodeHeader *) StoreRead(st->store, slot, STORE_READ_HEAD, &ref);
	live = nh->kind == HNSW_KIND_NODE && HnswNodeIsLive(nh);
	StoreRelease(st->store, &ref);
	return live;
}

/* Whether list holds slot. */
static bool
HnswVerifyListHas(const StoreSlot *list, int count, StoreSlot slot)
{
	int			i;

	for (i = 0; i < count; i++)
	{
		if (list[i] == slot)
			return true;
	}
	return false;
}

/*
 * Confirm a bad link from node's layer-level list to target: the list,
 * the target, then the list again; true (with the target's kind and level
 * now) if the list held the target unchanged around a read that still
 * shows the target wrong for that layer.
 */
static bool
HnswVerifyConfirmLink(HnswVerifyState *st, StoreSlot node, int level,
					  StoreSlot target, uint8 *kind, uint8 *tlevel)
{
	int			n1;
	int			n2;

	n1 = HnswReadNeighbors(st->store, &st->layout, node, level, st->list, NULL);
	if (n1 < 0 || !HnswVerifyListHas(st->list, n1, target))
		return false;
	HnswVerifyPeek(st, target, kind, tlevel);
	n2 = HnswReadNeighbors(st->store, &st->layout, node, level, st->again, NULL);
	if (n1 != n2 || memcmp(st->list, st->again, sizeof(StoreSlot) * n1) != 0)
		return false;
	if (!HnswVerifyLive(st, node))
		return false;			/* deleted meanwhile: its links no longer count */
	return *kind != HNSW_KIND_NODE || *tlevel < level;
}

/*
 * Check one neighbour list of node on one layer, as read: range, self,
 * duplicates, and, for a live node, the kind and level of every target.
 * A deleted node (no heap TIDs) keeps the links it had until vacuum frees
 * it, and vacuum frees deleted nodes one by one, so a deleted node may
 * rightly name a slot freed a moment earlier.
 */
static void
HnswVerifyList(HnswVerifyState *st, StoreSlot node, int level,
			   const StoreSlot *list, int count, bool live)
{
	int			i;
	int			j;

	for (i = 0; i < count; i++)
	{
		StoreSlot	x = list[i];
		const HnswVerifySlot *sum;
		uint8		kind;
		uint8		xlevel;

		for (j = 0; j < i; j++)
		{
			if (list[j] == x)
				break;
		}
		if (j < i)
		{
			StoreReport(st->rep, "duplicate_neighbor", HnswVerifyWhere(node, level),
						"Slot %u is listed more than once as a neighbour.", x);
			continue;
		}
		if (x == node)
		{
			StoreReport(st->rep, "self_neighbor", HnswVerifyWhere(node, level),
						"The node lists itself as a neighbour.");
			continue;
		}
		if (x >= st->nslots)
		{
			StoreSlot	now = StoreReadSlotCount(st->zi->index);

			/* slot counts only grow: a new node may be linked already */
			if (x >= now)
				StoreReport(st->rep, "neighbor_out_of_range", HnswVerifyWhere(node, level),
							"Neighbour slot %u is beyond the last slot, %u.",
							x, now == 0 ? 0 : now - 1);
			continue;
		}
		sum = &st->slots[x];
		if (!live || (sum->kind == HNSW_KIND_NODE && sum->level >= level))
			continue;
		if (!HnswVerifyConfirmLink(st, node, level, x, &kind, &xlevel))
			continue;
		if (kind == HNSW_KIND_FREE)
			StoreReport(st->rep, "neighbor_freed", HnswVerifyWhere(node, level),
						"Neighbour slot %u is a free record.", x);
		else if (kind != HNSW_KIND_NODE)
			StoreReport(st->rep, "neighbor_not_node", HnswVerifyWhere(node, level),
						"Neighbour slot %u is %s, not a node.", x,
						HnswVerifyKindName(kind));
		else
			StoreReport(st->rep, "level_mismatch", HnswVerifyWhere(node, level),
						"Neighbour slot %u is listed on layer %d, but its level is %d.",
						x, level, (int) xlevel);
	}
}

/* Check a node's vector: size, dimensions, finite values. */
static void
HnswVerifyVector(HnswVerifyState *st, StoreSlot slot, const Vector *vec)
{
	int			i;

	if (VARSIZE_ANY(vec) != st->layout.vector_size || vec->dim != st->layout.dims)
	{
		StoreReport(st->rep, "bad_record", HnswVerifyWhere(slot, -1),
					"The node's vector has %d dimensions and %zu bytes; the index has %d dimensions.",
					(int) vec->dim, (Size) VARSIZE_ANY(vec), st->layout.dims);
		return;
	}
	for (i = 0; i < vec->dim; i++)
	{
		if (isnan(vec->x[i]) || isinf(vec->x[i]))
		{
			StoreReport(st->rep, "bad_record", HnswVerifyWhere(slot, -1),
						"Element %d of the node's vector is not finite.", i + 1);
			return;
		}
	}
}

/*
 * Whether node still has the header seen (its links are then the ones
 * checked): the confirmation read for problems found in upper records.
 */
static bool
HnswVerifyNodeUnchanged(HnswVerifyState *st, StoreSlot node,
						const HnswNodeHeader *seen)
{
	StoreRef	ref;
	bool		same;

	same = memcmp(StoreRead(st->store, node, STORE_READ_HEAD, &ref), seen,
				  sizeof(HnswNodeHeader)) == 0;
	StoreRelease(st->store, &ref);
	return same;
}

/* Walk a node's upper records and check the lists on layers 1..level. */
static void
HnswVerifyUpper(HnswVerifyState *st, StoreSlot node, const HnswNodeHeader *nh)
{
	const HnswLayout *layout = &st->layout;
	StoreSlot	up = nh->upper;
	int			expect = 1;
	int			records = 0;
	int			max_records = (nh->level + layout->lists_per_upper - 1) /
		layout->lists_per_upper;

	while (up != STORE_INVALID_SLOT && expect <= nh->level)
	{
		StoreRef	ref;
		const char *rec;
		HnswUpperHeader uh;
		int			j;

		if (up >= st->nslots || records >= max_records)
		{
			if (HnswVerifyNodeUnchanged(st, node, nh))
				StoreReport(st->rep, "bad_record", HnswVerifyWhere(node, -1),
							up >= st->nslots ?
							"The node's upper-layer records lead to slot %u, beyond the last slot." :
							"The node's upper-layer records continue to slot %u after covering its levels.",
							up);
			return;
		}
		rec = StoreRead(st->store, up, STORE_READ_HEAD, &ref);
		memcpy(&uh, rec, sizeof(uh));
		if (uh.kind == HNSW_KIND_UPPER && uh.owner == node &&
			uh.nlevels >= 1 && uh.nlevels <= layout->lists_per_upper)
		{
			for (j = 0; j < uh.nlevels; j++)
			{
				const HnswUpperList *ul = HnswUpperListAt(layout, rec, j);

				st->upper_counts[j] = ul->count;
				memcpy(st->upper_lists + (Size) j * layout->m, ul->slots,
					   sizeof(StoreSlot) * Min(ul->count, layout->m));
			}
		}
		StoreRelease(st->store, &ref);

		if (uh.kind != HNSW_KIND_UPPER || uh.owner != node)
		{
			if (HnswVerifyNodeUnchanged(st, node, nh))
				StoreReport(st->rep, "bad_record", HnswVerifyWhere(node, -1),
							"The node's upper-layer record at slot %u is %s owned by slot %u.",
							up, HnswVerifyKindName(uh.kind), uh.owner);
			return;
		}
		if (uh.first_level != expect || uh.nlevels < 1 ||
			uh.nlevels > layout->lists_per_upper ||
			uh.first_level + uh.nlevels - 1 > nh->level)
		{
			StoreReport(st->rep, "level_mismatch", HnswVerifyWhere(node, -1),
						"Upper-layer record %u holds layers %d to %d; the node of level %d needs layer %d next.",
						up, (int) uh.first_level,
						(int) uh.first_level + (int) uh.nlevels - 1,
						(int) nh->level, expect);
			return;
		}
		for (j = 0; j < uh.nlevels; j++)
		{
			int			level = uh.first_level + j;

			if (st->upper_counts[j] > layout->m)
			{
				StoreReport(st->rep, "bad_record", HnswVerifyWhere(node, level),
							"The list holds %u neighbours; at most %d fit.",
							(unsigned int) st->upper_counts[j], layout->m);
				continue;
			}
			HnswVerifyList(st, node, level, st->upper_lists + (Size) j * layout->m,
						   st->upper_counts[j], HnswNodeIsLive(nh));
		}
		expect += uh.nlevels;
		records++;
		up = uh.next;
	}
	if (expect <= nh->level)
	{
		if (HnswVerifyNodeUnchanged(st, node, nh))
			StoreReport(st->rep, "level_mismatch", HnswVerifyWhere(node, -1),
						"The node's level is %d, but its upper-layer records end below layer %d.",
						(int) nh->level, expect);
	}
	else if (up != STORE_INVALID_SLOT)
	{
		if (HnswVerifyNodeUnchanged(st, node, nh))
			StoreReport(st->rep, "level_mismatch", HnswVerifyWhere(node, -1),
						"The node's upper-layer records continue past its level, %d.",
						(int) nh->level);
	}
}

/* The second pass for one node. */
static void
HnswVerifyNode(HnswVerifyState *st, StoreSlot slot)
{
	const HnswLayout *layout = &st->layout;
	Store	   *store = st->store;
	StoreRef	ref;
	const char *rec;
	HnswNodeHeader nh;
	int			count;
	int			i;
	int			j;
	bool		vector_in_head;

	rec = StoreRead(store, slot, STORE_READ_HEAD, &ref);
	memcpy(&nh, rec, sizeof(nh));
	if (nh.kind != HNSW_KIND_NODE)
	{
		/* freed (or reused) since the first pass */
		StoreRelease(store, &ref);
		return;
	}
	count = Min(nh.nneighbors, layout->m0);
	memcpy(st->list, HnswNodeNeighbors(layout, rec), sizeof(StoreSlot) * count);
	vector_in_head = layout->vector_offset + layout->vector_size <= store->head_size;
	if (vector_in_head)
		HnswVerifyVector(st, slot, HnswNodeVector(layout, rec));
	StoreRelease(store, &ref);
	if (!vector_in_head)
	{
		rec = StoreRead(store, slot, STORE_READ_FULL, &ref);
		if (((const HnswNodeHeader *) rec)->kind == HNSW_KIND_NODE)
			HnswVerifyVector(st, slot, HnswNodeVector(layout, rec));
		StoreRelease(store, &ref);
	}

	if (nh.level > layout->max_level)
	{
		StoreReport(st->rep, "bad_record", HnswVerifyWhere(slot, -1),
					"The node's level is %d; at most %d is possible.",
					(int) nh.level, layout->max_level);
		return;
	}
	if (nh.ntids > HNSW_NODE_TIDS)
		StoreReport(st->rep, "bad_record", HnswVerifyWhere(slot, -1),
					"The node holds %d heap TIDs; at most %d fit.",
					(int) nh.ntids, HNSW_NODE_TIDS);
	else
	{
		for (i = 0; i < nh.ntids; i++)
		{
			if (!ItemPointerIsValid(&nh.tids[i]))
			{
				StoreReport(st->rep, "bad_record", HnswVerifyWhere(slot, -1),
							"Heap TID %d of the node is invalid.", i + 1);
				continue;
			}
			for (j = 0; j < i; j++)
			{
				if (ItemPointerEquals(&nh.tids[i], &nh.tids[j]))
					break;
			}
			if (j < i)
				StoreReport(st->rep, "duplicate_heap_tid", HnswVerifyWhere(slot, -1),
							"The node holds heap TID (%u,%u) twice.",
							ItemPointerGetBlockNumber(&nh.tids[i]),
							(unsigned int) ItemPointerGetOffsetNumber(&nh.tids[i]));
			else
				ZvecVerifyAddTid(st->v, &nh.tids[i]);
		}
	}
	if (nh.tidchain != STORE_INVALID_SLOT)
	{
		/* heap TIDs beyond the node's own, in its overflow chain */
		ItemPointerData *chain = NULL;
		int			capacity = 0;
		int			n;

		n = HnswTidsRead(st->store, layout, slot, nh.tidchain, &chain, &capacity);
		for (i = 0; i < n; i++)
			ZvecVerifyAddTid(st->v, &chain[i]);
		if (chain != NULL)
			pfree(chain);
	}
	if (nh.nneighbors > layout->m0)
		StoreReport(st->rep, "bad_record", HnswVerifyWhere(slot, 0),
					"The list holds %u neighbours; at most %d fit.",
					(unsigned int) nh.nneighbors, layout->m0);
	else
		HnswVerifyList(st, slot, 0, st->list, count, HnswNodeIsLive(&nh));

	if (nh.level == 0 && nh.upper != STORE_INVALID_SLOT)
		StoreReport(st->rep, "level_mismatch", HnswVerifyWhere(slot, -1),
					"The node's level is 0, but it has upper-layer records (slot %u).",
					nh.upper);
	else if (nh.level > 0)
		HnswVerifyUpper(st, slot, &nh);
}

/* The entry point in the metapage: a node of the level it says. */
static void
HnswVerifyEntry(HnswVerifyState *st)
{
	char		area[STORE_META_AREA_SIZE];
	HnswMetaState ms;
	HnswMetaState again;
	uint8		kind;
	uint8		level;
	StoreSlot	s;

	StoreReadMeta(st->zi->index, area);
	memcpy(&ms, ZvecMetaAlgoState((ZvecMeta *) area, HnswMetaState), sizeof(ms));

	if (ms.entry == STORE_INVALID_SLOT)
	{
		for (s = 0; s < st->nslots; s++)
		{
			if (!st->slots[s].live)
				continue;
			/* still live, and still no entry point? */
			HnswVerifyPeek(st, s, &kind, &level);
			StoreReadMeta(st->zi->index, area);
			memcpy(&again, ZvecMetaAlgoState((ZvecMeta *) area, HnswMetaState),
				   sizeof(again));
			if (kind == HNSW_KIND_NODE && again.entry == STORE_INVALID_SLOT)
				StoreReport(st->rep, "entry_point", "metapage",
							"The index has no entry point, but slot %u is a live node.", s);
			break;
		}
		return;
	}
	if (ms.entry_level > st->layout.max_level)
	{
		StoreReport(st->rep, "entry_point", "metapage",
					"The entry point's level is %d; at most %d is possible.",
					(int) ms.entry_level, st->layout.max_level);
		return;
	}
	if (ms.entry >= StoreReadSlotCount(st->zi->index))
	{
		StoreReport(st->rep, "entry_point", "metapage",
					"The entry point, slot %u, is beyond the last slot.", ms.entry);
		return;
	}
	HnswVerifyPeek(st, ms.entry, &kind, &level);
	if (kind == HNSW_KIND_NODE && level == ms.entry_level)
		return;
	StoreReadMeta(st->zi->index, area);
	memcpy(&again, ZvecMetaAlgoState((ZvecMeta *) area, HnswMetaState), sizeof(again));
	if (again.entry != ms.entry || again.entry_level != ms.entry_level)
		return;					/* changed meanwhile */
	if (kind != HNSW_KIND_NODE)
		StoreReport(st->rep, "entry_point", "metapage",
					"The entry point, slot %u, is %s, not a node.", ms.entry,
					HnswVerifyKindName(kind));
	else
		StoreReport(st->rep, "entry_point", "metapage",
					"The metapage gives the entry point, slot %u, level %d, but the node's level is %d.",
					ms.entry, (int) ms.entry_level, (int) level);
}

/* Read the head of the free list from the metapage. */
static StoreSlot
HnswVerifyFreeHead(HnswVerifyState *st)
{
	char		area[STORE_META_AREA_SIZE];

	StoreReadMeta(st->zi->index, area);
	return ZvecMetaAlgoState((ZvecMeta *) area, HnswMetaState)->free_head;
}

/*
 * Walk the free list: every entry in range, free, and seen once; with
 * writers locked out, every free record must be on it.
 */
static void
HnswVerifyFreeList(HnswVerifyState *st)
{
	StoreSlot	nslots = StoreReadSlotCount(st->zi->index);
	uint8	   *seen = palloc_extended(Max(nslots, 1), MCXT_ALLOC_HUGE);
	int			attempt;

	for (attempt = 0; attempt < 5; attempt++)
	{
		StoreSlot	head = HnswVerifyFreeHead(st);
		StoreSlot	cur = head;
		StoreSlot	prev = STORE_INVALID_SLOT;
		const char *problem = NULL;
		StoreSlot	where = STORE_INVALID_SLOT;
		uint8		kind = 0;

		memset(seen, 0, Max(nslots, 1));
		while (cur != STORE_INVALID_SLOT)
		{
			StoreRef	ref;
			HnswFreeHeader fh;

			CHECK_FOR_INTERRUPTS();
			if (cur >= nslots)
			{
				problem = "out of range";
				where = cur;
				break;
			}
			if (seen[cur])
			{
				problem = "loop";
				where = cur;
				break;
			}
			seen[cur] = 1;
			memcpy(&fh, StoreRead(st->store, cur, STORE_READ_HEAD, &ref), sizeof(fh));
			StoreRelease(st->store, &ref);
			if (fh.kind != HNSW_KIND_FREE)
			{
				problem = "not free";
				where = cur;
				kind = fh.kind;
				break;
			}
			prev = cur;
			cur = fh.next;
		}

		/* Under concurrent writes, trust a walk only if the head held still. */
		if (problem != NULL && !st->rep->stable && HnswVerifyFreeHead(st) != head)
			continue;
		if (problem == NULL)
		{
			StoreSlot	s;

			if (!st->rep->stable)
				break;
			for (s = 0; s < Min(nslots, st->nslots); s++)
			{
				if (st->slots[s].kind == HNSW_KIND_FREE && !seen[s])
				{
					StoreReport(st->rep, "free_list", HnswVerifyWhere(s, -1),
								"The record is free but not on the free list.");
					break;
				}
			}
		}
		else if (strcmp(problem, "out of range") == 0)
			StoreReport(st->rep, "free_list", prev == STORE_INVALID_SLOT ?
						"metapage" : HnswVerifyWhere(prev, -1),
						"The free list leads to slot %u, beyond the last slot.", where);
		else if (strcmp(problem, "loop") == 0)
			StoreReport(st->rep, "free_list", HnswVerifyWhere(prev, -1),
						"The free list loops back to slot %u.", where);
		else
			StoreReport(st->rep, "free_list", prev == STORE_INVALID_SLOT ?
						"metapage" : HnswVerifyWhere(prev, -1),
						"The free list leads to slot %u, which is %s.", where,
						HnswVerifyKindName(kind));
		break;
	}
	pfree(seen);
}

/* The verify callback of HNSW: see the file header. */
void
HnswVerify(ZvecIndex *zi, ZvecVerify *v)
{
	HnswVerifyState st;
	MemoryContext context;
	MemoryContext old;
	StoreSlot	slot;

	memset(&st, 0, sizeof(st));
	st.zi = zi;
	st.store = zi->store;
	st.v = v;
	st.rep = &v->reporter;
	HnswLayoutInit(&st.layout, (int) zi->meta.m, (int) zi->meta.dims);
	st.nslots = zi->store->nslots;

	context = GovernorContextCreate(CurrentMemoryContext, "zvec hnsw verify",
									"zvec_verify", 0);
	old = MemoryContextSwitchTo(context);
	GovernorGrow(context, sizeof(HnswVerifySlot) * (Size) Max(st.nslots, 1));
	st.slots = palloc_extended(sizeof(HnswVerifySlot) * (Size) Max(st.nslots, 1),
							   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	st.list = palloc(sizeof(StoreSlot) * (st.layout.m0 + 1));
	st.again = palloc(sizeof(StoreSlot) * (st.layout.m0 + 1));
	st.upper_lists = palloc(sizeof(StoreSlot) * st.layout.m * st.layout.lists_per_upper);
	st.upper_counts = palloc(sizeof(uint16) * st.layout.lists_per_upper);

	/* Pass 1: what every slot is. */
	for (slot = 0; slot < st.nslots; slot++)
	{
		StoreRef	ref;
		const HnswNodeHeader *nh;

		if ((slot & 255) == 0)
			CHECK_FOR_INTERRUPTS();
		nh = (const HnswNodeHeader *) StoreRead(st.store, slot, STORE_READ_HEAD, &ref);
		st.slots[slot].kind = nh->kind;
		if (nh->kind == HNSW_KIND_NODE)
		{
			st.slots[slot].level = nh->level;
			st.slots[slot].live = HnswNodeIsLive(nh);
		}
		StoreRelease(st.store, &ref);
	}

	/* Pass 2: every node and its links. */
	for (slot = 0; slot < st.nslots; slot++)
	{
		if ((slot & 63) == 0)
			CHECK_FOR_INTERRUPTS();
		switch (st.slots[slot].kind)
		{
			case HNSW_KIND_NODE:
				HnswVerifyNode(&st, slot);
				break;
			case HNSW_KIND_UPPER:
			case HNSW_KIND_FREE:
			case HNSW_KIND_TIDS:
				break;
			case 0:
				StoreReport(st.rep, "bad_record", HnswVerifyWhere(slot, -1),
							"The slot is below the slot count but was never written.");
				break;
			default:
				StoreReport(st.rep, "bad_record", HnswVerifyWhere(slot, -1),
							"The record's kind, %u, is not an HNSW record kind.",
							(unsigned int) st.slots[slot].kind);
				break;
		}
	}

	HnswVerifyEntry(&st);
	HnswVerifyFreeList(&st);

	MemoryContextSwitchTo(old);
	MemoryContextDelete(context);
}
