/*-------------------------------------------------------------------------
 *
 * handler.c
 *	  The zvec index access method: its IndexAmRoutine and dispatch.
 *
 * zvechandler() sets every IndexAmRoutine field, NULLs included, so the
 * whole contract is visible here.  Each callback opens the index (store,
 * checked metapage, resolved distance) and hands it to the algorithm named
 * by the metapage, looked up in zvec_algorithms[]: no if-chains, and a new
 * algorithm is one more table entry.  At build time the algorithm comes
 * from the reloptions instead.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/am/handler.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/amapi.h"
#include "access/reloptions.h"
#include "access/relscan.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "pgstat.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "am/am.h"
#include "hnsw/hnsw.h"
#include "ivf/ivf.h"

StaticAssertDecl(IVF_MAX_LISTS == ZVEC_MAX_LISTS,
				 "IVF's list limit must be the lists option's maximum");

/* One entry per algorithm; NULL where an algorithm is not available yet. */
typedef struct ZvecAlgorithmEntry
{
	const char *name;
	const ZvecAlgorithm *algorithm;
} ZvecAlgorithmEntry;

static const ZvecAlgorithmEntry zvec_algorithms[ZVEC_ALGORITHM_COUNT] = {
	[ZVEC_ALGORITHM_INVALID] = {NULL, NULL},
	[ZVEC_ALGORITHM_HNSW] = {"hnsw", &HnswAlgorithm},
	[ZVEC_ALGORITHM_IVF] = {"ivf", &IvfAlgorithm},
};

/* Map a reloption value to an algorithm; ZVEC_ALGORITHM_INVALID if unknown. */
ZvecAlgorithmKind
ZvecParseAlgorithm(const char *name)
{
	int			i;

	for (i = 1; i < ZVEC_ALGORITHM_COUNT; i++)
	{
		if (pg_strcasecmp(name, zvec_algorithms[i].name) == 0)
			return (ZvecAlgorithmKind) i;
	}
	return ZVEC_ALGORITHM_INVALID;
}

/* The reloption spelling of an algorithm. */
const char *
ZvecAlgorithmName(ZvecAlgorithmKind kind)
{
	if (kind <= ZVEC_ALGORITHM_INVALID || kind >= ZVEC_ALGORITHM_COUNT)
		return "invalid";
	return zvec_algorithms[kind].name;
}

/*
 * The implementation of an algorithm.  With for_build, an algorithm that is
 * not available is a user error; otherwise NULL is returned for it.
 */
const ZvecAlgorithm *
ZvecAlgorithmByKind(ZvecAlgorithmKind kind, bool for_build)
{
	if (kind <= ZVEC_ALGORITHM_INVALID || kind >= ZVEC_ALGORITHM_COUNT)
		elog(ERROR, "invalid zvec algorithm %d", (int) kind);
	if (zvec_algorithms[kind].algorithm == NULL && for_build)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("algorithm \"%s\" is not implemented yet",
						zvec_algorithms[kind].name),
				 errhint("Use algorithm = 'hnsw'.")));
	return zvec_algorithms[kind].algorithm;
}

/* The algorithm of an open index, from its metapage. */
static const ZvecAlgorithm *
ZvecIndexAlgorithm(ZvecIndex *zi)
{
	const ZvecAlgorithm *alg;

	alg = ZvecAlgorithmByKind((ZvecAlgorithmKind) zi->meta.algorithm, false);
	if (alg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("index \"%s\" uses algorithm \"%s\", which this version of zvec does not provide",
						RelationGetRelationName(zi->index),
						ZvecAlgorithmName((ZvecAlgorithmKind) zi->meta.algorithm))));
	return alg;
}

/* ambuild: build a new index with the algorithm its reloptions name. */
static IndexBuildResult *
zvecbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	ZvecParams	params;
	const ZvecAlgorithm *alg;
	ZvecIndex  *zi;
	IndexBuildResult *result;

	ZvecGetParams(index, &params);
	alg = ZvecAlgorithmByKind(params.algorithm, true);
	StoreCheckAvailable(params.storage);
	zi = ZvecIndexPrepareBuild(index, &params);
	result = alg->build(heap, zi, indexInfo);
	ZvecIndexClose(zi);
	return result;
}

/* ambuildempty: the init fork of an unlogged index. */
static void
zvecbuildempty(Relation index)
{
	ZvecParams	params;
	const ZvecAlgorithm *alg;
	ZvecIndex  *zi;

	ZvecGetParams(index, &params);
	alg = ZvecAlgorithmByKind(params.algorithm, true);
	StoreCheckAvailable(params.storage);
	zi = ZvecIndexPrepareBuild(index, &params);
	alg->buildempty(zi);
	ZvecIndexClose(zi);
}

/* aminsert: index one heap tuple; NULL vectors are not indexed. */
static bool
zvecinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		   Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		   IndexInfo *indexInfo)
{
	MemoryContext ctx;
	MemoryContext old;
	ZvecIndex  *zi;
	Vector	   *value;

	if (isnull[0])
		return false;

	ctx = AllocSetContextCreate(CurrentMemoryContext, "zvec insert",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(ctx);

	zi = ZvecIndexOpen(index);
	value = ZvecPrepareVector(&zi->dist, values[0]);
	if (value != NULL)
		ZvecIndexAlgorithm(zi)->insert(zi, value, heap_tid, heap);
	ZvecIndexClose(zi);

	MemoryContextSwitchTo(old);
	MemoryContextDelete(ctx);
	return false;
}

/* ambulkdelete: remove the TIDs the callback says are dead. */
static IndexBulkDeleteResult *
zvecbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	ZvecIndex  *zi = ZvecIndexOpen(info->index);

	stats = ZvecIndexAlgorithm(zi)->bulkdelete(zi, info, stats, callback,
											   callback_state);
	ZvecIndexClose(zi);
	return stats;
}

/* amvacuumcleanup: statistics after a vacuum (and cleanup if needed). */
static IndexBulkDeleteResult *
zvecvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	ZvecIndex  *zi;

	if (info->analyze_only)
		return stats;
	zi = ZvecIndexOpen(info->index);
	stats = ZvecIndexAlgorithm(zi)->vacuumcleanup(zi, info, stats);
	ZvecIndexClose(zi);
	return stats;
}

/* ambuildphasename: build sub-phases (the algorithms share the numbering). */
static char *
zvecbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case ZVEC_PHASE_LOAD:
			return "loading tuples";
		case ZVEC_PHASE_TRAIN:
			return "computing centroids";
		case ZVEC_PHASE_WRITE:
			return "writing index";
		case ZVEC_PHASE_SAMPLE:
			return "sampling rows";
		case ZVEC_PHASE_ASSIGN:
			return "assigning rows to lists";
		default:
			return NULL;
	}
}

/* ambeginscan: open the index and let its algorithm set up a scan. */
static IndexScanDesc
zvecbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	ZvecScanOpaque *so = palloc0(sizeof(ZvecScanOpaque));

	so->zi = ZvecIndexOpen(index);
	so->algorithm = ZvecIndexAlgorithm(so->zi);
	so->state = so->algorithm->beginscan(scan, so->zi);
	scan->opaque = so;
	return scan;
}

/*
 * amrescan: take the query vector from the ORDER BY key, check its
 * dimensions and pass it on (NULL when there is no usable query).
 */
static void
zvecrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
		   int norderbys)
{
	ZvecScanOpaque *so = (ZvecScanOpaque *) scan->opaque;
	Vector	   *query = NULL;

	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));

	if (scan->numberOfOrderBys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a zvec index can only be scanned with ORDER BY a distance operator"),
				 errhint("Write ORDER BY column <-> value LIMIT n, or disable index scans.")));

	if (!(scan->orderByData[0].sk_flags & SK_ISNULL))
	{
		Vector	   *raw = DatumGetVectorP(scan->orderByData[0].sk_argument);

		if (raw->dim != (int) so->zi->meta.dims)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("query vector has %d dimensions but index \"%s\" has %u",
							raw->dim, RelationGetRelationName(scan->indexRelation),
							so->zi->meta.dims),
					 errhint("Use a query vector with the same number of dimensions as the indexed column.")));
		query = ZvecPrepareVector(&so->zi->dist, PointerGetDatum(raw));
	}
	so->algorithm->rescan(scan, so->state, query);

	/* Every rescan starts a new scan: count it (pg_stat_*_indexes.idx_scan). */
	pgstat_count_index_scan(scan->indexRelation);
}

/* amgettuple: the next heap TID in distance order. */
static bool
zvecgettuple(IndexScanDesc scan, ScanDirection dir)
{
	ZvecScanOpaque *so = (ZvecScanOpaque *) scan->opaque;

	/* amcanbackward is false, so the executor never asks for this */
	if (!ScanDirectionIsForward(dir))
		elog(ERROR, "zvec index scans only go forward");

	/* distances are exact and rows come in order: nothing to recheck */
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;

	return so->algorithm->gettuple(scan, so->state, dir);
}

/* amendscan: release the scan's state and the index. */
static void
zvecendscan(IndexScanDesc scan)
{
	ZvecScanOpaque *so = (ZvecScanOpaque *) scan->opaque;

	so->algorithm->endscan(scan, so->state);
	ZvecIndexClose(so->zi);
	pfree(so);
	scan->opaque = NULL;
}

PG_FUNCTION_INFO_V1(zvechandler);

/* The access method handler: every IndexAmRoutine field, NULLs included. */
Datum
zvechandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = ZVEC_NUM_PROCS;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = zvecbuild;
	amroutine->ambuildempty = zvecbuildempty;
	amroutine->aminsert = zvecinsert;
	amroutine->ambulkdelete = zvecbulkdelete;
	amroutine->amvacuumcleanup = zvecvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = zveccostestimate;
	amroutine->amoptions = zvecoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = zvecbuildphasename;
	amroutine->amvalidate = zvecvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = zvecbeginscan;
	amroutine->amrescan = zvecrescan;
	amroutine->amgettuple = zvecgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = zvecendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}
