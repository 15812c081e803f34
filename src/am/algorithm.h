/*-------------------------------------------------------------------------
 *
 * algorithm.h
 *	  The contract between the zvec access method and its index algorithms.
 *
 * The access method (src/am/) owns the metapage layout, the reloptions and
 * the opclass; an algorithm (src/hnsw/, src/ivf/) owns the records of the
 * store and the algorithm-private part of the metapage.  The access method
 * opens an index (store, checked metapage, resolved distance) and calls the
 * algorithm recorded in the metapage through a ZvecAlgorithm table entry.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/am/algorithm.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_ALGORITHM_H
#define ZVEC_ALGORITHM_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/genam.h"
#include "fmgr.h"
#include "nodes/execnodes.h"
#include "utils/rel.h"

#include "storage/store.h"
#include "type/distance.h"
#include "type/vector.h"

/* Metapage identification; both are checked whenever an index is opened. */
#define ZVEC_META_MAGIC			0x5A564543	/* "ZVEC" */
#define ZVEC_META_VERSION		1

/* Algorithms, as recorded in the metapage; 0 is never valid. */
typedef enum ZvecAlgorithmKind
{
	ZVEC_ALGORITHM_INVALID = 0,
	ZVEC_ALGORITHM_HNSW = 1,
	ZVEC_ALGORITHM_IVF = 2
} ZvecAlgorithmKind;

#define ZVEC_ALGORITHM_COUNT	3

/* Support function numbers of zvec operator classes. */
#define ZVEC_DISTANCE_PROC		1	/* (type, type) -> float8, required */
#define ZVEC_NORMALIZE_PROC		2	/* (type) -> type, optional */
#define ZVEC_NUM_PROCS			2

/*
 * Build sub-phases reported in pg_stat_progress_create_index, shared by
 * all algorithms (1 is core's "initializing").
 */
#define ZVEC_PHASE_LOAD			2	/* reading the table, building in memory */
#define ZVEC_PHASE_TRAIN		3	/* computing centroids (IVF: k-means) */
#define ZVEC_PHASE_WRITE		4	/* writing the index to its store */
#define ZVEC_PHASE_SAMPLE		5	/* sampling rows (IVF) */
#define ZVEC_PHASE_ASSIGN		6	/* assigning rows to lists (IVF) */

/* Bytes of the metapage that belong to the algorithm. */
#define ZVEC_ALGO_STATE_SIZE	512

/* Per-index choices, validated, as frozen into the metapage at build. */
typedef struct ZvecParams
{
	ZvecAlgorithmKind algorithm;
	ZvecStorageKind storage;
	int			m;				/* HNSW: neighbours per upper layer */
	int			ef_construction;	/* HNSW: candidate list size while building */
	int			lists;			/* IVF: number of lists (0 for HNSW) */
} ZvecParams;

/* The access method's area of the metadata (STORE_META_AREA_SIZE bytes). */
typedef struct ZvecMeta
{
	uint32		magic;			/* ZVEC_META_MAGIC */
	uint32		version;		/* ZVEC_META_VERSION */
	uint16		algorithm;		/* ZvecAlgorithmKind */
	uint16		storage;		/* ZvecStorageKind (as the store header says) */
	uint32		dims;			/* dimensions of every indexed vector */
	uint32		generation;		/* bumped by every build and every vacuum pass */
	uint32		m;
	uint32		ef_construction;
	uint32		lists;
	/* algorithm-private state (HNSW: entry point, free list, counters) */
	char		algo_state[ZVEC_ALGO_STATE_SIZE] pg_attribute_aligned(MAXIMUM_ALIGNOF);
} ZvecMeta;

StaticAssertDecl(sizeof(ZvecMeta) <= STORE_META_AREA_SIZE,
				 "ZvecMeta must fit in the store's metadata area");

/* How an index measures distance, resolved once from its opclass. */
typedef enum ZvecDistanceKind
{
	ZVEC_DISTANCE_L2SQ,			/* squared Euclidean (orders like <->) */
	ZVEC_DISTANCE_NEG_IP,		/* negative inner product */
	ZVEC_DISTANCE_IP,			/* inner product (as a user's opclass asked) */
	ZVEC_DISTANCE_COSINE,		/* cosine distance */
	ZVEC_DISTANCE_L1,			/* taxicab */
	ZVEC_DISTANCE_FMGR			/* some other function: called through fmgr */
} ZvecDistanceKind;

typedef struct ZvecDistance
{
	ZvecDistanceKind kind;
	float		(*kernel) (const float *a, const float *b, int n);
	FmgrInfo   *proc;			/* the distance support function */
	FmgrInfo   *normalize;		/* the normalise support function, or NULL */
	Oid			collation;
} ZvecDistance;

/* An open index, as the access method hands it to an algorithm. */
typedef struct ZvecIndex
{
	Relation	index;
	Store	   *store;			/* NULL while a build has not created it */
	ZvecMeta	meta;			/* copy of the metapage at open */
	ZvecDistance dist;
} ZvecIndex;

/* The algorithm-private state in a metapage. */
#define ZvecMetaAlgoState(meta, type)	((type *) (meta)->algo_state)

/*
 * What zvec_verify() hands an algorithm's verify callback: the reporter
 * for problems (reporter.stable is true when writers are locked out), and,
 * when heap TIDs are collected (heapallindexed), the array that
 * ZvecVerifyAddTid() fills with every heap TID the index holds.
 */
typedef struct ZvecVerify
{
	StoreReporter reporter;
	bool		collect_tids;
	ItemPointerData *tids;
	int64		ntids;
	int64		tids_capacity;
	MemoryContext tids_context; /* accounted by the memory governor */
} ZvecVerify;

/* One index algorithm; each field is required. */
typedef struct ZvecAlgorithm
{
	const char *name;

	/* build the index; zi->store is NULL and zi->meta has no algorithm state */
	IndexBuildResult *(*build) (Relation heap, ZvecIndex *zi, IndexInfo *info);

	/* write an empty index into the init fork of an unlogged index */
	void		(*buildempty) (ZvecIndex *zi);

	/* add one heap tuple's vector (already normalised if the opclass says so) */
	void		(*insert) (ZvecIndex *zi, Vector *value, ItemPointer heap_tid,
						   Relation heap);

	/* vacuum: remove dead TIDs, repair, free slots */
	IndexBulkDeleteResult *(*bulkdelete) (ZvecIndex *zi, IndexVacuumInfo *info,
										  IndexBulkDeleteResult *stats,
										  IndexBulkDeleteCallback callback,
										  void *callback_state);
	IndexBulkDeleteResult *(*vacuumcleanup) (ZvecIndex *zi, IndexVacuumInfo *info,
											 IndexBulkDeleteResult *stats);

	/* planner: index tuples a k-NN scan of an index of ntuples visits */
	double		(*scan_tuples) (const ZvecMeta *meta, double ntuples);

	/*
	 * planner: true if those tuples lie scattered over the index (one page
	 * touched per tuple, as HNSW nodes), false if they lie together (as
	 * the entries of IVF lists)
	 */
	bool		scan_scattered;

	/* scans: state lives in the algorithm's own struct */
	void	   *(*beginscan) (IndexScanDesc scan, ZvecIndex *zi);
	void		(*rescan) (IndexScanDesc scan, void *state, Vector *query);
	bool		(*gettuple) (IndexScanDesc scan, void *state, ScanDirection dir);
	void		(*endscan) (IndexScanDesc scan, void *state);

	/* reject reloptions that do not apply to this algorithm */
	void		(*check_params) (const ZvecParams *params, bool m_given,
								 bool ef_construction_given, bool lists_given);

	/*
	 * zvec_verify(): walk every record and report each structural problem
	 * through v (never raising an error for one it can report); add every
	 * heap TID held to v when v->collect_tids
	 */
	void		(*verify) (ZvecIndex *zi, ZvecVerify *v);
} ZvecAlgorithm;

/* am/verify.c: for the algorithms' verify callbacks */
extern void ZvecVerifyAddTid(ZvecVerify *v, ItemPointer tid);

/*
 * Distance between two vectors of the same dimension, by the index's
 * measure.  Kernels are called directly; only a user's own distance
 * function goes through fmgr.
 */
static inline float
ZvecDistanceCompute(const ZvecDistance *dist, const Vector *a, const Vector *b)
{
	switch (dist->kind)
	{
		case ZVEC_DISTANCE_L2SQ:
		case ZVEC_DISTANCE_IP:
		case ZVEC_DISTANCE_L1:
			return dist->kernel(a->x, b->x, a->dim);
		case ZVEC_DISTANCE_NEG_IP:
			return -dist->kernel(a->x, b->x, a->dim);
		case ZVEC_DISTANCE_COSINE:
			return (float) distance_kernels->cosine(a->x, b->x, a->dim);
		case ZVEC_DISTANCE_FMGR:
			break;
	}
	return (float) DatumGetFloat8(FunctionCall2Coll(dist->proc, dist->collation,
													PointerGetDatum(a),
													PointerGetDatum(b)));
}

/*
 * The vector an index stores or searches for a value: detoasted, and
 * normalised if the opclass says so.  NULL when a normalised vector would
 * be meaningless (a zero vector has no direction), so it is not indexed.
 */
static inline Vector *
ZvecPrepareVector(const ZvecDistance *dist, Datum value)
{
	Vector	   *v = DatumGetVectorP(value);
	int			i;

	if (dist->normalize == NULL)
		return v;

	v = DatumGetVectorP(FunctionCall1Coll(dist->normalize, dist->collation,
										  PointerGetDatum(v)));
	for (i = 0; i < v->dim; i++)
	{
		if (v->x[i] != 0.0f)
			return v;
	}
	return NULL;
}

#endif							/* ZVEC_ALGORITHM_H */
