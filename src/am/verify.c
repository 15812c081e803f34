/*-------------------------------------------------------------------------
 *
 * verify.c
 *	  zvec_verify(): check a zvec index and report its structural problems.
 *
 * In the spirit of contrib/amcheck, but reporting instead of stopping at
 * the first problem: the function returns a row (kind, location, detail)
 * per problem found, and nothing for a sound index.  It raises an error
 * only when its argument is not a zvec index (or the caller may not check
 * it).
 *
 * The checks run in layers, each in one place:
 *
 * 1. Here: the metadata page (store header, magic number, format version,
 *    algorithm, dimensions, storage) without raising errors.
 * 2. The storage backend's verify method: the relation's size against the
 *    slot count, page headers, and for storage = 'mmap' whether the side
 *    file passes mmap.c's own checks and is in step with the relation.
 * 3. The algorithm's verify callback (src/hnsw/verify.c, src/ivf/verify.c):
 *    every record, every link between records.
 * 4. With heapallindexed: every heap TID the index holds must point at a
 *    heap item (dead but not yet vacuumed is fine), no TID may be held
 *    twice, and every row the index should hold (as an index build would
 *    see it: live or recently dead, non-NULL, partial-index predicate
 *    true) must be in it.  The TIDs are sorted once and the heap rows are
 *    looked up in them by binary search.
 *
 * Locks are amcheck's: AccessShareLock on the table and the index, so the
 * check runs beside reads and writes, or ShareLock with heapallindexed,
 * which keeps writers out while the heap is compared.  Under the weaker
 * lock a problem that involves two records is confirmed by reading them
 * again before it is reported, and the checks that cannot be made safe
 * that way run only under ShareLock.
 *
 * A check that stops on an error PostgreSQL raises while reading (an
 * unreadable page, an index-corrupted error from a helper) runs in a
 * subtransaction, and the error becomes a row of kind "unreadable";
 * cancellation and errors of other classes still end the statement.
 *
 * Permission: EXECUTE is revoked from PUBLIC and granted to pg_monitor
 * (see the install script); the function also requires the caller to own
 * the index or to have the privileges of pg_monitor, so granting EXECUTE
 * to a role lets it check its own indexes only.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/am/verify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_authid.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "am/am.h"
#include "memory/memory.h"

PG_FUNCTION_INFO_V1(zvec_verify);

/* Initial room for heap TIDs, grown by doubling. */
#define ZVEC_VERIFY_INITIAL_TIDS	1024

/* The state of one zvec_verify() call. */
typedef struct ZvecVerifyState
{
	ZvecVerify	v;				/* first: the reporter's callback casts back */
	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;
	Relation	heap;
	Relation	index;
	ZvecDistance dist;
	MemoryContext row_context;	/* reset per heap row */
} ZvecVerifyState;

/* Add a row for one problem (the StoreReporter callback). */
static void
ZvecVerifyEmit(StoreReporter *rep, const char *kind, const char *location,
			   const char *detail)
{
	ZvecVerifyState *vs = (ZvecVerifyState *) rep;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	values[0] = CStringGetTextDatum(kind);
	values[1] = CStringGetTextDatum(location);
	values[2] = CStringGetTextDatum(detail);
	tuplestore_putvalues(vs->tupstore, vs->tupdesc, values, nulls);
}

/* Remember a heap TID the index holds (heapallindexed only). */
void
ZvecVerifyAddTid(ZvecVerify *v, ItemPointer tid)
{
	if (!v->collect_tids)
		return;
	if (v->ntids == v->tids_capacity)
	{
		int64		cap = Max(v->tids_capacity * 2, ZVEC_VERIFY_INITIAL_TIDS);
		Size		bytes = sizeof(ItemPointerData) * (Size) cap;

		GovernorGrow(v->tids_context, bytes - sizeof(ItemPointerData) * (Size) v->tids_capacity);
		if (v->tids == NULL)
			v->tids = MemoryContextAllocExtended(v->tids_context, bytes,
												 MCXT_ALLOC_HUGE);
		else
			v->tids = repalloc_huge(v->tids, bytes);
		v->tids_capacity = cap;
	}
	v->tids[v->ntids++] = *tid;
}

/* Order heap TIDs for sorting and searching. */
static int
ZvecVerifyTidCompare(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

/* "(block,offset)" of a heap TID. */
static char *
ZvecVerifyTidString(ItemPointer tid)
{
	return psprintf("heap tid (%u,%u)", ItemPointerGetBlockNumberNoCheck(tid),
					(unsigned int) ItemPointerGetOffsetNumberNoCheck(tid));
}

/*
 * Check the access method's area of the metadata page; false if the index
 * cannot be walked.
 */
static bool
ZvecVerifyMeta(ZvecVerifyState *vs, const ZvecMeta *meta,
			   const StoreHeader *header)
{
	StoreReporter *rep = &vs->v.reporter;
	bool		ok = true;

	if (meta->magic != ZVEC_META_MAGIC)
	{
		StoreReport(rep, "bad_magic", "metapage",
					"The magic number is 0x%08X; expected 0x%08X.",
					meta->magic, ZVEC_META_MAGIC);
		return false;
	}
	if (meta->version != ZVEC_META_VERSION)
	{
		StoreReport(rep, "bad_version", "metapage",
					"The format version is %u; this zvec reads version %u.",
					meta->version, ZVEC_META_VERSION);
		return false;
	}
	if (meta->algorithm <= ZVEC_ALGORITHM_INVALID ||
		meta->algorithm >= ZVEC_ALGORITHM_COUNT ||
		ZvecAlgorithmByKind((ZvecAlgorithmKind) meta->algorithm, false) == NULL)
	{
		StoreReport(rep, "bad_metapage", "metapage",
					"The metapage names algorithm %u, which this zvec does not provide.",
					(unsigned int) meta->algorithm);
		ok = false;
	}
	if (meta->dims < 1 || meta->dims > ZVEC_VECTOR_MAX_DIM ||
		(int) meta->dims != TupleDescAttr(RelationGetDescr(vs->index), 0)->atttypmod)
	{
		StoreReport(rep, "bad_metapage", "metapage",
					"The metapage gives %u dimensions; the indexed column has %d.",
					meta->dims, TupleDescAttr(RelationGetDescr(vs->index), 0)->atttypmod);
		ok = false;
	}
	if (meta->storage != header->storage)
	{
		StoreReport(rep, "bad_metapage", "metapage",
					"The metapage says storage %u but the store header says %u.",
					(unsigned int) meta->storage, (unsigned int) header->storage);
		ok = false;
	}
	if (meta->algorithm == ZVEC_ALGORITHM_HNSW &&
		(meta->m < ZVEC_MIN_M || meta->m > ZVEC_MAX_M))
	{
		StoreReport(rep, "bad_metapage", "metapage",
					"The metapage gives m = %u, outside %d..%d.",
					meta->m, ZVEC_MIN_M, ZVEC_MAX_M);
		ok = false;
	}
	return ok;
}

/*
 * Run one stage of the check in a subtransaction; an error of the
 * data-corrupted or system classes becomes a row.  Returns false if the
 * stage ended in such an error.
 */
static bool
ZvecVerifyStage(ZvecVerifyState *vs, const char *stage,
				void (*fn) (ZvecVerifyState *vs, void *arg), void *arg)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		fn(vs, arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			category;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);
		if (category != ERRCODE_TO_CATEGORY(ERRCODE_INTERNAL_ERROR) &&
			category != ERRCODE_TO_CATEGORY(ERRCODE_SYSTEM_ERROR))
		{
			FreeErrorData(edata);
			PG_RE_THROW();
		}
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		StoreReport(&vs->v.reporter, "unreadable", stage,
					"The check stopped on an error: %s", edata->message);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/* What the index-level stage needs and tells. */
typedef struct ZvecVerifyIndexArgs
{
	bool		walked;			/* the algorithm walked every record */
} ZvecVerifyIndexArgs;

/* Stages 1-3: metapage, store, algorithm. */
static void
ZvecVerifyIndexStage(ZvecVerifyState *vs, void *arg)
{
	ZvecVerifyIndexArgs *args = (ZvecVerifyIndexArgs *) arg;
	char		area[STORE_META_AREA_SIZE];
	StoreHeader header;
	ZvecMeta	meta;
	ZvecIndex  *zi;
	const ZvecAlgorithm *alg;

	args->walked = false;
	if (!StoreCheckMeta(vs->index, &vs->v.reporter, &header, area))
		return;
	memcpy(&meta, area, sizeof(ZvecMeta));
	if (!ZvecVerifyMeta(vs, &meta, &header))
		return;

	zi = ZvecIndexOpen(vs->index);
	if (StoreVerify(zi->store, &vs->v.reporter))
	{
		alg = ZvecAlgorithmByKind((ZvecAlgorithmKind) zi->meta.algorithm, false);
		alg->verify(zi, &vs->v);
		args->walked = true;
	}
	vs->dist = zi->dist;
	ZvecIndexClose(zi);
}

/* Check that every held TID points at a heap item; report duplicates. */
static void
ZvecVerifyHeapTids(ZvecVerifyState *vs, void *arg)
{
	ZvecVerify *v = &vs->v;
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->heap);
	BufferAccessStrategy strategy = GetAccessStrategy(BAS_BULKREAD);
	int64		i = 0;

	while (i < v->ntids)
	{
		BlockNumber block = ItemPointerGetBlockNumberNoCheck(&v->tids[i]);
		Buffer		buf = InvalidBuffer;
		Page		page = NULL;
		OffsetNumber maxoff = InvalidOffsetNumber;

		CHECK_FOR_INTERRUPTS();
		if (block < nblocks)
		{
			buf = ReadBufferExtended(vs->heap, MAIN_FORKNUM, block, RBM_NORMAL,
									 strategy);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			maxoff = PageGetMaxOffsetNumber(page);
		}
		for (; i < v->ntids && ItemPointerGetBlockNumberNoCheck(&v->tids[i]) == block; i++)
		{
			ItemPointer tid = &v->tids[i];
			OffsetNumber off = ItemPointerGetOffsetNumberNoCheck(tid);
			const char *why = NULL;

			if (i > 0 && ItemPointerEquals(tid, &v->tids[i - 1]))
			{
				StoreReport(&v->reporter, "duplicate_heap_tid", ZvecVerifyTidString(tid),
							"The index holds this heap TID more than once.");
				continue;
			}
			if (block >= nblocks)
				why = psprintf("The table has only %u blocks.", nblocks);
			else if (off < FirstOffsetNumber || off > maxoff)
				why = psprintf("Block %u has only %u line pointers.", block,
							   (unsigned int) maxoff);
			else
			{
				ItemId		lp = PageGetItemId(page, off);

				if (!ItemIdIsUsed(lp))
					why = "The line pointer is unused.";
				else if (ItemIdIsNormal(lp) &&
						 HeapTupleHeaderIsHeapOnly((HeapTupleHeader) PageGetItem(page, lp)))
					why = "The line pointer holds a heap-only tuple, which no index entry may point at.";
			}
			if (why != NULL)
				StoreReport(&v->reporter, "heap_tid_missing", ZvecVerifyTidString(tid),
							"The index holds a heap TID that points at no heap tuple: %s", why);
		}
		if (BufferIsValid(buf))
			UnlockReleaseBuffer(buf);
	}
	FreeAccessStrategy(strategy);
}

/* Per heap row an index build would index: is it in the index? */
static void
ZvecVerifyHeapCallback(Relation index, ItemPointer tid, Datum *values,
					   bool *isnull, bool tupleIsAlive, void *state)
{
	ZvecVerifyState *vs = (ZvecVerifyState *) state;
	ZvecVerify *v = &vs->v;
	MemoryContext old;
	bool		indexed = true;

	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(vs->row_context);
	if (vs->dist.normalize != NULL)
		indexed = ZvecPrepareVector(&vs->dist, values[0]) != NULL;	/* zero vectors are not */
	MemoryContextSwitchTo(old);
	MemoryContextReset(vs->row_context);
	if (indexed &&
		bsearch(tid, v->tids, v->ntids, sizeof(ItemPointerData),
				ZvecVerifyTidCompare) == NULL)
		StoreReport(&v->reporter, "heap_row_not_indexed", ZvecVerifyTidString(tid),
					"A heap row with a non-NULL vector is not in the index.");
}

/* Scan the heap as an index build would and look every row up. */
static void
ZvecVerifyHeapRows(ZvecVerifyState *vs, void *arg)
{
	IndexInfo  *info = BuildIndexInfo(vs->index);

	info->ii_Concurrent = false;
	vs->row_context = AllocSetContextCreate(CurrentMemoryContext, "zvec verify row",
											ALLOCSET_DEFAULT_SIZES);
	(void) table_index_build_scan(vs->heap, vs->index, info, false, false,
								  ZvecVerifyHeapCallback, vs, NULL);
}

/* Fail unless the caller owns the index or has pg_monitor's privileges. */
static void
ZvecVerifyCheckPermission(Relation index)
{
	if (pg_class_ownercheck(RelationGetRelid(index), GetUserId()) ||
		has_privs_of_role(GetUserId(), ROLE_PG_MONITOR))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to verify index \"%s\"",
					RelationGetRelationName(index)),
			 errdetail("Only the owner of the index and roles with the privileges of pg_monitor may verify it."),
			 errhint("Run zvec_verify() as the owner of the index, or grant pg_monitor to the role.")));
}

/*
 * zvec_verify(index regclass, heapallindexed boolean) returns table
 * (kind text, location text, detail text): see the file header.
 */
Datum
zvec_verify(PG_FUNCTION_ARGS)
{
	Oid			indrelid = PG_GETARG_OID(0);
	bool		heapallindexed = PG_GETARG_BOOL(1);
	LOCKMODE	lockmode = heapallindexed ? ShareLock : AccessShareLock;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ZvecVerifyState *vs;
	Oid			heapid;
	Relation	heap = NULL;
	Relation	index;
	Oid			zvec_am;
	ZvecVerifyIndexArgs args;
	MemoryContext context;

	InitMaterializedSRF(fcinfo, 0);

	/*
	 * heapallindexed needs ShareLock, which recovery does not grant; and on
	 * a standby it could not keep replay from changing the table anyway.
	 */
	if (heapallindexed && RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot check the heap rows of a zvec index during recovery"),
				 errdetail("heapallindexed => true needs a ShareLock on the table, which a hot standby cannot take."),
				 errhint("Run zvec_verify() with heapallindexed => false on the standby, or with true on the primary.")));

	/* Lock the table before the index, as every other path does. */
	heapid = IndexGetRelation(indrelid, true);
	if (OidIsValid(heapid))
		heap = table_open(heapid, lockmode);
	index = relation_open(indrelid, lockmode);

	zvec_am = get_am_oid("zvec", true);
	if (index->rd_rel->relkind == RELKIND_PARTITIONED_INDEX &&
		index->rd_rel->relam == zvec_am)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a partitioned zvec index, which has no storage of its own",
						RelationGetRelationName(index)),
				 errhint("Verify the zvec indexes of its partitions.")));
	if (index->rd_rel->relkind != RELKIND_INDEX || heap == NULL ||
		!OidIsValid(zvec_am) || index->rd_rel->relam != zvec_am)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a zvec index",
						RelationGetRelationName(index)),
				 errhint("zvec_verify() checks indexes created with USING zvec.")));
	if (heapid != IndexGetRelation(indrelid, false))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("could not open the table of index \"%s\"",
						RelationGetRelationName(index))));
	ZvecVerifyCheckPermission(index);
	if (RELATION_IS_OTHER_TEMP(index))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot verify temporary indexes of other sessions")));

	if (!index->rd_index->indisvalid || !index->rd_index->indisready)
	{
		ereport(NOTICE,
				(errmsg("index \"%s\" is not valid, skipping",
						RelationGetRelationName(index)),
				 errdetail("A failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY leaves an invalid index."),
				 errhint("REINDEX the index, or drop it.")));
	}
	else if (RecoveryInProgress() &&
			 index->rd_rel->relpersistence == RELPERSISTENCE_UNLOGGED)
	{
		ereport(NOTICE,
				(errmsg("cannot verify unlogged index \"%s\" during recovery, skipping",
						RelationGetRelationName(index))));
	}
	else
	{
		context = GovernorContextCreate(CurrentMemoryContext, "zvec verify",
										"zvec_verify", 0);
		vs = MemoryContextAllocZero(context, sizeof(ZvecVerifyState));
		vs->v.reporter.report = ZvecVerifyEmit;
		vs->v.reporter.stable = heapallindexed;
		vs->v.collect_tids = heapallindexed;
		vs->v.tids_context = context;
		vs->tupstore = rsinfo->setResult;
		vs->tupdesc = rsinfo->setDesc;
		vs->heap = heap;
		vs->index = index;

		if (ZvecVerifyStage(vs, "index", ZvecVerifyIndexStage, &args) &&
			args.walked && heapallindexed)
		{
			qsort(vs->v.tids, vs->v.ntids, sizeof(ItemPointerData),
				  ZvecVerifyTidCompare);
			(void) ZvecVerifyStage(vs, "heap tids", ZvecVerifyHeapTids, NULL);
			(void) ZvecVerifyStage(vs, "heap rows", ZvecVerifyHeapRows, NULL);
		}
		MemoryContextDelete(context);
	}

	relation_close(index, lockmode);
	table_close(heap, lockmode);
	return (Datum) 0;
}
