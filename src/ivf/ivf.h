/*-------------------------------------------------------------------------
 *
 * ivf.h
 *	  Private declarations of zvec's IVF algorithm (src/ivf/).
 *
 * An IVF index partitions the vectors into lists around centroids found by
 * k-means, and a scan looks only at the lists whose centroids are nearest
 * to the query.  Everything lives in store records of one size per index:
 *
 * Segments.  A list is a chain of segment records, each holding several
 * entries packed contiguously so a scan reads many vectors per record:
 *
 *		IvfSegmentHeader	kind, entries used, list number, next segment
 *		ItemPointerData[c]	heap TIDs of the entries (invalid: dead)
 *		float4[c][dims]		the vectors, without varlena headers
 *
 * c (the capacity) is as many entries as fit in one block of the store, at
 * least one; the header and TIDs always lie in the record's head.  A new
 * entry is written in place only where its vector lies in the head as
 * well (store->head_size); a segment with no entries at all counts as a
 * free record and may be rewritten whole, tail included.  So vectors of
 * more than a block's worth of dimensions (one per segment, in the tail)
 * follow the store's rule that tails are written once per reuse.
 *
 * Directory.  Directory records hold, for several lists each, the mutable
 * list information (first segment of the chain, segment inserts append
 * to), then the centroids, written once at build.  They follow the
 * segments written by the build, and the metapage says where.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/ivf/ivf.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_IVF_H
#define ZVEC_IVF_H

#include "postgres.h"

#include "storage/itemptr.h"
#include "utils/relcache.h"

#include "am/algorithm.h"

/* Record kinds; 0 is an all-zero (never written) record. */
#define IVF_KIND_DIRECTORY		1
#define IVF_KIND_SEGMENT		2

/* IvfMetaState flags. */
#define IVF_FLAG_SPHERICAL		0x01	/* centroids are unit vectors */

/*
 * Sampling for k-means: IVF_SAMPLE_PER_LIST rows per list, at least
 * IVF_SAMPLE_MIN rows, never more than the table has (e.g. 6,400 rows
 * for 100 lists).
 */
#define IVF_SAMPLE_PER_LIST		64
#define IVF_SAMPLE_MIN			4096

/*
 * Lloyd iterations of k-means at most; it stops earlier once no more than
 * one sample in IVF_KMEANS_STABLE_FRACTION changed cluster.
 */
#define IVF_KMEANS_MAX_ITERATIONS	50
#define IVF_KMEANS_STABLE_FRACTION	100

/* Most centroids for which k-means keeps a matrix of their distances. */
#define IVF_KMEANS_MAX_MATRIX		4096

/* Most bytes of Elkan's lower bounds (else k-means uses Hamerly's). */
#define IVF_KMEANS_ELKAN_MAX_BYTES	((double) 256 * 1024 * 1024)

/* Most lists an index may have (the lists option's maximum). */
#define IVF_MAX_LISTS			32768

/* Default lists: rows / 1000 up to a million rows, sqrt(rows) beyond. */
#define IVF_DEFAULT_ROWS_PER_LIST	1000
#define IVF_DEFAULT_SQRT_ABOVE		1000000

/* The head of a segment record. */
typedef struct IvfSegmentHeader
{
	uint8		kind;			/* IVF_KIND_SEGMENT */
	uint8		unused;
	uint16		count;			/* entries used, dead ones included */
	uint32		list;			/* the list the segment belongs to */
	StoreSlot	next;			/* next segment of the list, or invalid */
	uint32		unused2;
} IvfSegmentHeader;

/* The head of a directory record. */
typedef struct IvfDirectoryHeader
{
	uint8		kind;			/* IVF_KIND_DIRECTORY */
	uint8		unused;
	uint16		count;			/* lists described in this record */
	uint32		first_list;		/* number of the first of them */
	uint64		unused2;
} IvfDirectoryHeader;

/* What the directory says about one list. */
typedef struct IvfListInfo
{
	StoreSlot	first;			/* first segment of the chain, or invalid */
	StoreSlot	insert;			/* segment inserts try first, or invalid */
} IvfListInfo;

/* IVF's part of the metapage. */
typedef struct IvfMetaState
{
	uint32		nlists;			/* lists built (at most the lists option) */
	uint32		ndirectory;		/* directory records */
	StoreSlot	directory;		/* slot of the first directory record */
	uint32		flags;			/* IVF_FLAG_* */
	uint32		capacity;		/* entries per segment */
	uint32		per_directory;	/* lists per directory record */
	uint64		sampled;		/* rows k-means ran on (statistics) */
	uint64		segments_added;	/* segments inserts added after the build */
} IvfMetaState;

/* Where things are in a record, for one index. */
typedef struct IvfLayout
{
	int			dims;
	Size		record_size;
	Size		vector_bytes;	/* dims * sizeof(float4) */
	int			capacity;		/* entries per segment */
	Size		tids_offset;
	Size		vectors_offset;
	int			per_directory;	/* lists per directory record */
	Size		infos_offset;
	Size		centroids_offset;
} IvfLayout;

/* An index entry found by a scan: distance and heap TID. */
typedef struct IvfCandidate
{
	float		dist;
	ItemPointerData tid;
} IvfCandidate;

/* A list and the distance of its centroid to a vector. */
typedef struct IvfListDist
{
	float		dist;
	uint32		list;
} IvfListDist;

/* Accessors for record images. */
#define IvfSegmentTids(layout, rec) \
	((ItemPointerData *) ((char *) (rec) + (layout)->tids_offset))
#define IvfSegmentVector(layout, rec, i) \
	((float *) ((char *) (rec) + (layout)->vectors_offset + (Size) (i) * (layout)->vector_bytes))
#define IvfDirectoryInfos(layout, rec) \
	((IvfListInfo *) ((char *) (rec) + (layout)->infos_offset))
#define IvfDirectoryCentroid(layout, rec, i) \
	((float *) ((char *) (rec) + (layout)->centroids_offset + (Size) (i) * (layout)->vector_bytes))

/* utils.c: the algorithm table entry */
extern const ZvecAlgorithm IvfAlgorithm;

/*
 * The nearest of k centroids for many rows at once (kmeans.c), with the
 * blocked dot-product kernel: see IvfNearestInit().
 */
typedef struct IvfNearest
{
	int			dims;
	int			k;				/* centroids */
	int			batch_rows;		/* most rows one IvfNearestFind() takes */
	bool		euclidean;		/* nearest by L2, else by largest x.c */
	float	   *mean;			/* euclidean: the centroids' mean */
	float	   *moved;			/* the centroids (euclidean: minus mean) */
	float	   *bias;			/* per centroid: |moved|^2, or 0 */
	float	   *rows;			/* euclidean: the rows minus mean */
	float	   *norms;			/* per row: |moved row|^2 */
	float	   *products;		/* rows x IVF_NEAREST_LIST_BLOCK */
	float	   *keys;			/* per row: the best key so far */
} IvfNearest;

/* Centroids measured against the rows in one call of the blocked kernel. */
#define IVF_NEAREST_LIST_BLOCK	256

/* kmeans.c */
extern int	IvfKmeans(float *samples, int nsamples, int dims, int k,
					  bool spherical, float *centroids);
extern Size IvfKmeansEstimateMemory(int nsamples, int dims, int k);
extern Size IvfNearestEstimateMemory(int k, int dims, int batch_rows);
extern void IvfNearestInit(IvfNearest *nr, const float *centroids, int k,
						   int dims, bool euclidean, int batch_rows);
extern void IvfNearestFind(IvfNearest *nr, const float *rows, int n,
						   int *best, float *lower, float *second);
extern void IvfNearestFree(IvfNearest *nr);

/* build.c */
extern IndexBuildResult *IvfBuild(Relation heap, ZvecIndex *zi, IndexInfo *info);
extern void IvfBuildEmpty(ZvecIndex *zi);
extern int	IvfDefaultLists(double rows);

/* insert.c */
extern void IvfInsert(ZvecIndex *zi, Vector *value, ItemPointer heap_tid,
					  Relation heap);

/* scan.c */
extern void *IvfBeginScan(IndexScanDesc scan, ZvecIndex *zi);
extern void IvfRescan(IndexScanDesc scan, void *state, Vector *query);
extern bool IvfGetTuple(IndexScanDesc scan, void *state, ScanDirection dir);
extern void IvfEndScan(IndexScanDesc scan, void *state);

/* vacuum.c */
extern IndexBulkDeleteResult *IvfBulkDelete(ZvecIndex *zi, IndexVacuumInfo *info,
											IndexBulkDeleteResult *stats,
											IndexBulkDeleteCallback callback,
											void *callback_state);
extern IndexBulkDeleteResult *IvfVacuumCleanup(ZvecIndex *zi, IndexVacuumInfo *info,
											   IndexBulkDeleteResult *stats);

/* verify.c */
extern void IvfVerify(ZvecIndex *zi, ZvecVerify *v);

/* utils.c */
extern void IvfLayoutInit(IvfLayout *layout, int dims);
extern int	IvfInplaceCapacity(const IvfLayout *layout, const Store *store);
extern bool IvfSegmentHasRoom(const IvfLayout *layout, const Store *store,
							  const IvfSegmentHeader *sh);
extern bool IvfIsSpherical(const ZvecDistance *dist);
extern void IvfReadMetaState(Relation index, IvfMetaState *ms);
extern double IvfScanTuples(const ZvecMeta *meta, double ntuples);
extern void IvfCheckParams(const ZvecParams *params, bool m_given,
						   bool ef_construction_given, bool lists_given);
extern float IvfDistanceFmgr(const ZvecDistance *dist, const float *a,
							 const float *b, int dims);
extern int	IvfNearestList(const IvfLayout *layout, Store *store,
						   const IvfMetaState *ms, bool spherical,
						   const float *v, IvfListInfo *info);
extern void IvfNormalize(float *v, int dims);

/* Inline helpers. */

/*
 * Distance from a list's centroid: squared L2, or for spherical indexes
 * minus the dot product with the (unit) centroid, which orders lists as
 * the angle to the vector does.  Build, insert and scan all use this.
 */
static inline float
IvfListDistance(bool spherical, const float *v, const float *centroid, int dims)
{
	if (spherical)
		return -distance_kernels->ip(v, centroid, dims);
	return distance_kernels->l2sq(v, centroid, dims);
}

/* Distance of an entry's vector from the query, by the index's measure. */
static inline float
IvfDistance(const ZvecDistance *dist, const float *q, const float *x, int dims)
{
	switch (dist->kind)
	{
		case ZVEC_DISTANCE_L2SQ:
		case ZVEC_DISTANCE_IP:
		case ZVEC_DISTANCE_L1:
			return dist->kernel(q, x, dims);
		case ZVEC_DISTANCE_NEG_IP:
			return -dist->kernel(q, x, dims);
		case ZVEC_DISTANCE_COSINE:
			return (float) distance_kernels->cosine(q, x, dims);
		case ZVEC_DISTANCE_FMGR:
			break;
	}
	return IvfDistanceFmgr(dist, q, x, dims);
}

#endif							/* ZVEC_IVF_H */
