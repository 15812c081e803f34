/*-------------------------------------------------------------------------
 *
 * bufferpool.c
 *	  The "bufferpool" storage backend: records on PostgreSQL pages.
 *
 * Block 0 of the main fork is the metadata page; records start at block 1.
 * A record that fits in a page shares it with others, at a fixed stride,
 * so slot s lives on block 1 + s / per_block at offset (s % per_block) *
 * record_size: no line pointers and no lookup, just arithmetic.  A larger
 * record takes blocks_per_record consecutive pages, of which the first holds
 * its head.
 *
 * Reads pin the page and take a shared content lock until StoreRelease();
 * the page released last stays pinned, so walking records on one page costs
 * one pin.  (Keeping every page a scan pinned, in a per-scan table, was
 * measured slower: PostgreSQL tracks a backend's pins past the eighth in a
 * hash table, and a k-NN search rarely comes back to a page.)  What a
 * search does come back to, query after query, is the same buffers: so
 * each backend remembers for each of the last few indexes it read which
 * buffer held each block (a direct-mapped table of hints, block to
 * buffer) and pins that buffer with ReadRecentBuffer(), which checks that
 * it still holds the block, skipping the shared buffer table's hash lookup
 * and partition lock.  A stale hint costs one ordinary lookup, never a
 * wrong page.
 *
 * Every change after the build goes through generic WAL (one
 * record covers the metadata page and up to three record pages).  The
 * build writes pages without WAL and then logs them all with
 * log_newpage_range(), for the main fork of a logged index and for the init
 * fork of an unlogged one.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/storage/bufferpool.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "access/xloginsert.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "compat.h"
#include "storage/store.h"
#include "storage/store_int.h"

/* First block that holds records. */
#define BUFFERPOOL_FIRST_DATA_BLOCK	1

/* Indexes a backend keeps buffer hints for. */
#define ZVEC_BUFFERPOOL_HINT_SETS	4

/*
 * Most hints kept for one index (a power of two; 8 bytes each): 2 MB,
 * enough for every block of a 2 GB index, so at most 8 MB per backend.
 * A table smaller than the index makes blocks share entries, and each miss
 * costs a buffer-table lookup: with 16,384 entries on a 53,000-block index
 * (100,000 x 768), lookups took an eighth of a VACUUM's time, and raising
 * the cap gave +35-60% single-client QPS, +36% inserts, -19% vacuum time.
 */
#define ZVEC_BUFFERPOOL_HINT_MAX	262144

/* Which buffer held a block when this backend last read it. */
typedef struct BufferpoolHint
{
	BlockNumber block;
	Buffer		buffer;
} BufferpoolHint;

/* The hints of one index fork; the entry for block b is at b & mask. */
typedef struct BufferpoolHintSet
{
	RelFileNode rnode;
	ForkNumber	fork;
	uint32		mask;			/* entries - 1; 0 when unused */
	uint64		last_used;
	BufferpoolHint *hints;
} BufferpoolHintSet;

/* Per-backend hint sets, reused least recently used first. */
static BufferpoolHintSet bufferpool_hint_sets[ZVEC_BUFFERPOOL_HINT_SETS];
static uint64 bufferpool_hint_clock = 0;
static MemoryContext bufferpool_hint_context = NULL;

/* Backend state of one open store. */
typedef struct BufferpoolState
{
	int			per_block;		/* records per page (1 when spanning) */
	int			blocks_per_record;	/* pages per record (1 unless spanning) */
	Size		tail_size;		/* bytes after the head (0 unless spanning) */
	Buffer		kept;			/* a pinned, unlocked buffer kept for reuse */
	BlockNumber kept_block;
	BufferpoolHintSet *hints;	/* this backend's hints, or NULL */
	char	   *scratch;		/* full copy of a spanning record */
	/* build state */
	Buffer		bulk_buffer;	/* page being filled, locked */
	int			bulk_used;		/* records on it */
} BufferpoolState;

/* Block and in-page offset of a slot's head. */
static inline void
BufferpoolLocate(Store *store, StoreSlot slot, BlockNumber *block, Size *offset)
{
	BufferpoolState *bp = (BufferpoolState *) store->private;

	if (bp->blocks_per_record > 1)
	{
		*block = BUFFERPOOL_FIRST_DATA_BLOCK + (BlockNumber) slot * bp->blocks_per_record;
		*offset = 0;
	}
	else
	{
		*block = BUFFERPOOL_FIRST_DATA_BLOCK + slot / bp->per_block;
		*offset = (Size) (slot % bp->per_block) * store->record_size;
	}
}

/* Bytes of data on a data page: the records area, or one chunk of a record. */
static inline Size
BufferpoolPageUsed(Store *store, int chunk)
{
	BufferpoolState *bp = (BufferpoolState *) store->private;

	if (bp->blocks_per_record == 1)
		return (Size) bp->per_block * store->record_size;
	return Min(STORE_PAGE_USABLE,
			   store->record_size - (Size) chunk * STORE_PAGE_USABLE);
}

/*
 * The hint set of a store's relation fork, sized for its blocks (taken
 * over from the least recently used index if it has none yet); NULL for
 * relations in local buffers.  Sets are never freed, and a store reads
 * their mask and table afresh on every use, so two stores of one index
 * may share one, and a set handed to another index meanwhile only gives
 * wrong hints, which ReadRecentBuffer() rejects.
 */
static BufferpoolHintSet *
BufferpoolHintsFor(Store *store, BlockNumber nblocks)
{
	RelFileNode rnode = store->index->rd_node;
	BufferpoolHintSet *set = NULL;
	uint32		want = 64;
	int			i;

	if (!ZVEC_HAVE_READ_RECENT_BUFFER || RelationUsesLocalBuffers(store->index))
		return NULL;
	while (want < nblocks && want < ZVEC_BUFFERPOOL_HINT_MAX)
		want <<= 1;

	for (i = 0; i < ZVEC_BUFFERPOOL_HINT_SETS; i++)
	{
		BufferpoolHintSet *s = &bufferpool_hint_sets[i];

		if (s->mask != 0 && s->fork == store->fork &&
			RelFileNodeEquals(s->rnode, rnode))
		{
			set = s;
			break;
		}
		if (set == NULL || s->last_used < set->last_used)
			set = s;
	}
	if (set->mask == 0 || set->fork != store->fork ||
		!RelFileNodeEquals(set->rnode, rnode))
	{
		set->rnode = rnode;
		set->fork = store->fork;
		if (set->mask != 0)
			memset(set->hints, 0, sizeof(BufferpoolHint) * (set->mask + 1));
	}
	if (set->mask + 1 < want)
	{
		if (bufferpool_hint_context == NULL)
			bufferpool_hint_context = AllocSetContextCreate(TopMemoryContext,
															"zvec bufferpool hints",
															ALLOCSET_SMALL_SIZES);
		if (set->hints != NULL)
			pfree(set->hints);
		set->hints = MemoryContextAllocZero(bufferpool_hint_context,
											sizeof(BufferpoolHint) * want);
		set->mask = want - 1;
	}
	set->last_used = ++bufferpool_hint_clock;
	return set;
}

/* Work out the page layout for the store's record size. */
static void
BufferpoolOpen(Store *store)
{
	BufferpoolState *bp = palloc0(sizeof(BufferpoolState));

	store->private = bp;
	if (store->record_size <= STORE_PAGE_USABLE)
	{
		bp->per_block = STORE_PAGE_USABLE / store->record_size;
		bp->blocks_per_record = 1;
		bp->tail_size = 0;
		store->head_size = store->record_size;
	}
	else
	{
		bp->per_block = 1;
		bp->blocks_per_record = (store->record_size + STORE_PAGE_USABLE - 1) / STORE_PAGE_USABLE;
		bp->tail_size = store->record_size - STORE_PAGE_USABLE;
		bp->scratch = palloc(store->record_size);
		store->head_size = STORE_PAGE_USABLE;
	}
	bp->kept = InvalidBuffer;
	bp->bulk_buffer = InvalidBuffer;
	bp->hints = BufferpoolHintsFor(store,
								   BUFFERPOOL_FIRST_DATA_BLOCK +
								   (store->nslots / bp->per_block + 1) *
								   bp->blocks_per_record);
}

/* Drop the kept pin and free the state. */
static void
BufferpoolClose(Store *store)
{
	BufferpoolState *bp = (BufferpoolState *) store->private;

	if (BufferIsValid(bp->bulk_buffer))
		UnlockReleaseBuffer(bp->bulk_buffer);
	if (BufferIsValid(bp->kept))
		ReleaseBuffer(bp->kept);
	if (bp->scratch != NULL)
		pfree(bp->scratch);
	pfree(bp);
	store->private = NULL;
}

/* Add a new page at the end of the store's fork; returns it locked. */
static Buffer
BufferpoolBulkNewPage(Store *store, Size used)
{
	Buffer		buf;

	buf = ReadBufferExtended(store->index, store->fork, P_NEW, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	StorePageInit(BufferGetPage(buf), used);
	return buf;
}

/* Start a build: the fork must be empty; block 0 becomes the metadata page. */
static void
BufferpoolBulkBegin(Store *store)
{
	Buffer		buf;

	if (RelationGetNumberOfBlocksInFork(store->index, store->fork) != 0)
		elog(ERROR, "cannot build zvec index \"%s\" into a non-empty fork",
			 RelationGetRelationName(store->index));

	buf = BufferpoolBulkNewPage(store, STORE_META_AREA_OFFSET + STORE_META_AREA_SIZE);
	Assert(BufferGetBlockNumber(buf) == STORE_META_BLOCK);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
	store->nslots = 0;
}

/* Finish the page being filled by the build. */
static void
BufferpoolBulkFlush(BufferpoolState *bp)
{
	if (BufferIsValid(bp->bulk_buffer))
	{
		MarkBufferDirty(bp->bulk_buffer);
		UnlockReleaseBuffer(bp->bulk_buffer);
		bp->bulk_buffer = InvalidBuffer;
	}
	bp->bulk_used = 0;
}

/* Append one record during a build. */
static void
BufferpoolBulkAppend(Store *store, const char *record)
{
	BufferpoolState *bp = (BufferpoolState *) store->private;

	if (bp->blocks_per_record == 1)
	{
		if (!BufferIsValid(bp->bulk_buffer) || bp->bulk_used == bp->per_block)
		{
			BufferpoolBulkFlush(bp);
			bp->bulk_buffer = BufferpoolBulkNewPage(store, BufferpoolPageUsed(store, 0));
		}
		memcpy(PageGetContents(BufferGetPage(bp->bulk_buffer)) +
			   (Size) bp->bulk_used * store->record_size,
			   record, store->record_size);
		bp->bulk_used++;
	}
	else
	{
		int			chunk;

		for (chunk = 0; chunk < bp->blocks_per_record; chunk++)
		{
			Size		used = BufferpoolPageUsed(store, chunk);
			Buffer		buf = BufferpoolBulkNewPage(store, used);

			memcpy(PageGetContents(BufferGetPage(buf)),
				   record + (Size) chunk * STORE_PAGE_USABLE, used);
			MarkBufferDirty(buf);
			UnlockReleaseBuffer(buf);
		}
	}
	store->nslots++;
}

/*
 * End a build: write the store header and the access method's area, then
 * WAL-log every page once (for a logged index, or for an init fork).
 */
static void
BufferpoolBulkFinish(Store *store, const char *meta_area)
{
	BufferpoolState *bp = (BufferpoolState *) store->private;
	Buffer		buf;
	Page		page;
	StoreHeader *header;

	BufferpoolBulkFlush(bp);

	buf = ReadBufferExtended(store->index, store->fork, STORE_META_BLOCK,
							 RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	header = StorePageHeader(page);
	header->magic = STORE_HEADER_MAGIC;
	header->storage = (uint16) store->storage;
	header->unused = 0;
	header->record_size = (uint32) store->record_size;
	header->nslots = store->nslots;
	memcpy(StorePageMetaArea(page), meta_area, STORE_META_AREA_SIZE);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);

	if (RelationNeedsWAL(store->index) || store->fork == INIT_FORKNUM)
		log_newpage_range(store->index, store->fork, 0,
						  RelationGetNumberOfBlocksInFork(store->index, store->fork),
						  true);
}

/*
 * Pin a block: the kept pin when it is the same block, else the buffer the
 * hints name if it still holds the block, else through the buffer table.
 */
static inline Buffer
BufferpoolPin(Store *store, BlockNumber block)
{
	BufferpoolState *bp = (BufferpoolState *) store->private;
	BufferpoolHint *hint = NULL;
	Buffer		buf;

	if (BufferIsValid(bp->kept) && bp->kept_block == block)
	{
		buf = bp->kept;
		bp->kept = InvalidBuffer;
		return buf;
	}
	if (bp->hints != NULL)
	{
		hint = &bp->hints->hints[block & bp->hints->mask];
		if (hint->block == block && BufferIsValid(hint->buffer) &&
			ZvecReadRecentBuffer(store->index, store->fork, block, hint->buffer))
		{
			/* counted as ReadBuffer counts a hit, for pg_statio_*_indexes */
			pgstat_count_buffer_read(store->index);
			pgstat_count_buffer_hit(store->index);
			return hint->buffer;
		}
	}
	buf = ReadBufferExtended(store->index, store->fork, block, RBM_NORMAL, NULL);
	if (hint != NULL)
	{
		hint->block = block;
		hint->buffer = buf;
	}
	return buf;
}

/* Read a record; the head page stays share-locked until release. */
static const char *
BufferpoolRead(Store *store, StoreSlot slot, int flags, StoreRef *ref)
{
	BufferpoolState *bp = (BufferpoolState *) store->private;
	BlockNumber block;
	Size		offset;
	Buffer		buf;
	const char *head;
	int			chunk;

	BufferpoolLocate(store, slot, &block, &offset);
	buf = BufferpoolPin(store, block);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	head = PageGetContents(BufferGetPage(buf)) + offset;
	ref->buffer = buf;
	ref->held = true;

	if (bp->blocks_per_record == 1 || (flags & STORE_READ_FULL) == 0)
	{
		ref->data = head;
		return head;
	}

	/* A spanning record read in full: copy it together, head locked. */
	memcpy(bp->scratch, head, STORE_PAGE_USABLE);
	for (chunk = 1; chunk < bp->blocks_per_record; chunk++)
	{
		Buffer		tail;

		tail = BufferpoolPin(store, block + chunk);
		LockBuffer(tail, BUFFER_LOCK_SHARE);
		memcpy(bp->scratch + (Size) chunk * STORE_PAGE_USABLE,
			   PageGetContents(BufferGetPage(tail)),
			   BufferpoolPageUsed(store, chunk));
		UnlockReleaseBuffer(tail);
	}
	ref->data = bp->scratch;
	return bp->scratch;
}

/* Unlock a record's page and keep its pin for the next read. */
static void
BufferpoolRelease(Store *store, StoreRef *ref)
{
	BufferpoolState *bp = (BufferpoolState *) store->private;

	LockBuffer(ref->buffer, BUFFER_LOCK_UNLOCK);
	if (BufferIsValid(bp->kept))
		ReleaseBuffer(bp->kept);
	bp->kept = ref->buffer;
	bp->kept_block = BufferGetBlockNumber(ref->buffer);
	ref->buffer = InvalidBuffer;
	ref->held = false;
	ref->data = NULL;
}

/*
 * Prefetch part of a record: if the hints know its page's buffer, ask the
 * CPU for those bytes there.  Nothing is pinned: a prefetch of a buffer
 * that meanwhile holds another page is only wasted.
 */
static void
BufferpoolPrefetch(Store *store, StoreSlot slot, Size start, Size len)
{
	BufferpoolState *bp = (BufferpoolState *) store->private;
	BlockNumber block;
	Size		offset;
	BufferpoolHint *hint;

	if (bp->hints == NULL)
		return;
	BufferpoolLocate(store, slot, &block, &offset);
	hint = &bp->hints->hints[block & bp->hints->mask];
	if (hint->block != block || !BufferIsValid(hint->buffer))
		return;
	if (start >= store->head_size)
		return;
	len = Min(len, store->head_size - start);
	StorePrefetchMemory(PageGetContents(BufferGetBlock(hint->buffer)) +
						offset + start, len);
}

/* Start a generic-WAL write batch. */
static void
BufferpoolWriteBegin(Store *store, StoreWrite *w)
{
	memset(w, 0, sizeof(StoreWrite));
	w->store = store;
	w->state = GenericXLogStart(store->index);
}

/*
 * Lock a block exclusively and register it in the batch, or return the
 * image already registered for it.  A new (all-zero) page is initialised
 * and logged in full.
 */
static char *
BufferpoolWriteRegister(StoreWrite *w, BlockNumber block, Size used)
{
	Store	   *store = w->store;
	Buffer		buf;
	Page		page;
	bool		is_new;
	int			i;

	for (i = 0; i < w->nbuffers; i++)
	{
		if (BufferGetBlockNumber(w->buffers[i]) == block)
			return w->pages[i];
	}
	if (w->nbuffers >= STORE_MAX_WRITE_HEADS + 1)
		elog(ERROR, "too many pages in one zvec write batch");

	buf = BufferpoolPin(store, block);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	is_new = PageIsNew(BufferGetPage(buf));
	page = GenericXLogRegisterBuffer((GenericXLogState *) w->state, buf,
									 is_new ? GENERIC_XLOG_FULL_IMAGE : 0);
	if (is_new)
		StorePageInit(page, used);
	w->buffers[w->nbuffers] = buf;
	w->pages[w->nbuffers] = (char *) page;
	w->nbuffers++;
	return (char *) page;
}

/* Register the metadata page; returns the access method's area. */
static char *
BufferpoolWriteMeta(StoreWrite *w)
{
	Page		page;

	if (w->meta_image != NULL)
		return w->meta_image;
	if (w->nbuffers != 0)
		elog(ERROR, "zvec metadata page must be locked before record pages");
	page = (Page) BufferpoolWriteRegister(w, STORE_META_BLOCK, 0);
	w->header_image = StorePageHeader(page);
	w->meta_image = StorePageMetaArea(page);
	return w->meta_image;
}

/* Register the page holding a record's head; returns the head's image. */
static char *
BufferpoolWriteHead(StoreWrite *w, StoreSlot slot)
{
	Store	   *store = w->store;
	BlockNumber block;
	Size		offset;
	char	   *page;
	int			i;

	for (i = 0; i < w->nheads; i++)
	{
		if (w->heads[i] == slot)
			return w->head_images[i];
	}
	if (w->nheads >= STORE_MAX_WRITE_HEADS)
		elog(ERROR, "too many records in one zvec write batch");
	if (w->nheads > 0 && w->meta_image == NULL)
		elog(ERROR, "zvec write batches changing several records must lock the metadata first");

	BufferpoolLocate(store, slot, &block, &offset);
	page = BufferpoolWriteRegister(w, block, BufferpoolPageUsed(store, 0));
	w->heads[w->nheads] = slot;
	w->head_images[w->nheads] = PageGetContents((Page) page) + offset;
	return w->head_images[w->nheads++];
}

/*
 * Allocate the next slot at the end of the store, extending the relation
 * as needed.  The new pages stay all-zero until a head or tail write
 * initialises them; the slot count is bumped in the batch's header image,
 * so it becomes durable only with the batch.
 */
static StoreSlot
BufferpoolWriteExtend(StoreWrite *w)
{
	Store	   *store = w->store;
	BufferpoolState *bp = (BufferpoolState *) store->private;
	StoreSlot	slot;
	BlockNumber block;
	BlockNumber last;
	Size		offset;
	bool		local = RELATION_IS_LOCAL(store->index);

	if (w->header_image == NULL)
		elog(ERROR, "zvec slots can only be allocated with the metadata page locked");
	slot = w->header_image->nslots;
	if (slot == STORE_INVALID_SLOT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("index \"%s\" has too many records",
						RelationGetRelationName(store->index))));

	BufferpoolLocate(store, slot, &block, &offset);
	last = block + bp->blocks_per_record - 1;
	if (!local)
		LockRelationForExtension(store->index, ExclusiveLock);
	while (RelationGetNumberOfBlocks(store->index) <= last)
	{
		Buffer		buf = ReadBuffer(store->index, P_NEW);

		ReleaseBuffer(buf);
	}
	if (!local)
		UnlockRelationForExtension(store->index, ExclusiveLock);

	w->header_image->nslots = slot + 1;
	store->nslots = slot + 1;
	return slot;
}

/*
 * Write the tail of a spanning record whose head is registered in the
 * batch; each tail page is logged in full by its own generic WAL record,
 * before the head is published by the batch.
 */
static void
BufferpoolWriteTail(StoreWrite *w, StoreSlot slot, const char *record)
{
	Store	   *store = w->store;
	BufferpoolState *bp = (BufferpoolState *) store->private;
	BlockNumber block;
	Size		offset;
	int			chunk;
	int			i;
	bool		found = false;

	if (bp->blocks_per_record == 1)
		return;
	for (i = 0; i < w->nheads; i++)
		found |= (w->heads[i] == slot);
	if (!found)
		elog(ERROR, "zvec record tail written without its head locked");

	BufferpoolLocate(store, slot, &block, &offset);
	for (chunk = 1; chunk < bp->blocks_per_record; chunk++)
	{
		GenericXLogState *state;
		Buffer		buf;
		Page		page;
		Size		used = BufferpoolPageUsed(store, chunk);

		buf = ReadBuffer(store->index, block + chunk);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		state = GenericXLogStart(store->index);
		page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
		StorePageInit(page, used);
		memcpy(PageGetContents(page), record + (Size) chunk * STORE_PAGE_USABLE, used);
		GenericXLogFinish(state);
		UnlockReleaseBuffer(buf);
	}
}

/* Unlock and unpin the batch's pages. */
static void
BufferpoolWriteReleaseAll(StoreWrite *w)
{
	int			i;

	for (i = 0; i < w->nbuffers; i++)
		UnlockReleaseBuffer(w->buffers[i]);
	w->nbuffers = 0;
	w->nheads = 0;
	w->meta_image = NULL;
	w->header_image = NULL;
	w->state = NULL;
}

/* Log the batch as one generic WAL record and release its pages. */
static void
BufferpoolWriteFinish(StoreWrite *w)
{
	GenericXLogFinish((GenericXLogState *) w->state);
	BufferpoolWriteReleaseAll(w);
}

/* Forget the batch's changes and release its pages. */
static void
BufferpoolWriteAbort(StoreWrite *w)
{
	GenericXLogAbort((GenericXLogState *) w->state);
	BufferpoolWriteReleaseAll(w);
}

/*
 * Make the store durable.  Every change is WAL-logged (or the index is
 * unlogged and promises nothing across a crash), so flushing is left to
 * checkpoints; nothing has to be forced here.
 */
static void
BufferpoolSync(Store *store)
{
	(void) store;
}

/* Read every page into shared buffers (like pg_prewarm's buffer mode). */
static void
BufferpoolWarmup(Store *store)
{
	BlockNumber nblocks = RelationGetNumberOfBlocksInFork(store->index, store->fork);
	BlockNumber block;

	for (block = 0; block < nblocks; block++)
	{
		Buffer		buf;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBufferExtended(store->index, store->fork, block, RBM_NORMAL, NULL);
		ReleaseBuffer(buf);
	}
}

/* Bytes of the relation fork. */
static uint64
BufferpoolSize(Store *store)
{
	return (uint64) RelationGetNumberOfBlocksInFork(store->index, store->fork) * BLCKSZ;
}

/*
 * Nothing lives outside the relation, whose files PostgreSQL removes with
 * the index.
 */
static void
BufferpoolDrop(Store *store)
{
	(void) store;
}

/*
 * Check the relation against the slot count: every block the slots need
 * exists (more may: an extension whose batch never finished leaves zero
 * pages past the end), and each of them is an initialised store page.
 * False if some block the slots need is missing or damaged.
 */
static bool
BufferpoolVerify(Store *store, StoreReporter *rep)
{
	BufferpoolState *bp = (BufferpoolState *) store->private;
	StoreSlot	nslots = StoreReadSlotCount(store->index);
	BlockNumber nblocks = RelationGetNumberOfBlocksInFork(store->index, store->fork);
	uint64		needed;
	BlockNumber block;
	bool		ok = true;

	if (nslots == 0)
		needed = BUFFERPOOL_FIRST_DATA_BLOCK;
	else if (bp->blocks_per_record > 1)
		needed = BUFFERPOOL_FIRST_DATA_BLOCK + (uint64) nslots * bp->blocks_per_record;
	else
		needed = BUFFERPOOL_FIRST_DATA_BLOCK +
			((uint64) nslots + bp->per_block - 1) / bp->per_block;
	if (needed > nblocks)
		StoreReport(rep, "slot_count", "block 0",
					"The metadata page counts %u slots, which take %llu blocks, but the relation has %u.",
					nslots, (unsigned long long) needed, nblocks);

	for (block = BUFFERPOOL_FIRST_DATA_BLOCK; block < Min(needed, (uint64) nblocks); block++)
	{
		Buffer		buf;
		PageHeader	ph;
		bool		is_new;
		LocationIndex lower;
		LocationIndex upper;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBufferExtended(store->index, store->fork, block, RBM_NORMAL, NULL);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		ph = (PageHeader) BufferGetPage(buf);
		is_new = PageIsNew((Page) ph);
		lower = ph->pd_lower;
		upper = ph->pd_upper;
		UnlockReleaseBuffer(buf);
		if (is_new)
			StoreReport(rep, "bad_page", psprintf("block %u", block),
						"The block holds slots below the slot count but was never initialised.");
		else if (lower < MAXALIGN(SizeOfPageHeaderData) || lower > upper ||
				 upper > BLCKSZ)
			StoreReport(rep, "bad_page", psprintf("block %u", block),
						"The page header has pd_lower %u and pd_upper %u.",
						(unsigned int) lower, (unsigned int) upper);
		else
			continue;
		ok = false;
	}
	return ok && needed <= nblocks;
}

const StoreMethods BufferpoolStoreMethods = {
	.name = "bufferpool",
	.open = BufferpoolOpen,
	.close = BufferpoolClose,
	.bulk_begin = BufferpoolBulkBegin,
	.bulk_append = BufferpoolBulkAppend,
	.bulk_finish = BufferpoolBulkFinish,
	.read = BufferpoolRead,
	.release = BufferpoolRelease,
	.prefetch = BufferpoolPrefetch,
	.write_begin = BufferpoolWriteBegin,
	.write_meta = BufferpoolWriteMeta,
	.write_head = BufferpoolWriteHead,
	.write_extend = BufferpoolWriteExtend,
	.write_tail = BufferpoolWriteTail,
	.write_finish = BufferpoolWriteFinish,
	.write_abort = BufferpoolWriteAbort,
	.sync = BufferpoolSync,
	.warmup = BufferpoolWarmup,
	.size = BufferpoolSize,
	.drop = BufferpoolDrop,
	.verify = BufferpoolVerify,
};
