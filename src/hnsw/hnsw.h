/*-------------------------------------------------------------------------
 *
 * hnsw.h
 *	  Private declarations of zvec's HNSW algorithm (src/hnsw/).
 *
 * Records.  Every HNSW node is one store record of a size fixed per index:
 *
 *		HnswNodeHeader	kind, level, heap TIDs, layer-0 neighbour count,
 *						first upper-layer record, TID overflow chain
 *		uint32[2m]		layer-0 neighbours (store slots)
 *		Vector			the vector, varlena header included
 *
 * Everything that changes after insertion comes first, so it lies in the
 * record's head even when a 16,000-dimension vector spans pages.  A node on
 * layers above 0 (one in m) has its upper neighbour lists in records of
 * the same size (HnswUpperHeader, then as many lists of m slots as fit);
 * records freed by vacuum are chained through HnswFreeHeader.
 *
 * Identical vectors share one node.  Its first HNSW_NODE_TIDS heap TIDs are
 * in the node itself, the rest in a chain of TID overflow records of the
 * same size (HnswTidsHeader, then as many TIDs as fit in the record's
 * head), oldest record first; see tids.c.  A node is live while it has a
 * TID in either place.  Neighbours
 * are 4-byte slot numbers, not 6-byte TIDs, and a slot's position is pure
 * arithmetic in every backend.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/hnsw/hnsw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_HNSW_H
#define ZVEC_HNSW_H

#include "postgres.h"

#include "storage/dsm.h"
#include "storage/itemptr.h"
#include "storage/shm_toc.h"
#include "utils/relcache.h"

#include "am/algorithm.h"

/* Record kinds; 0 is an all-zero (never written) record. */
#define HNSW_KIND_NODE			1
#define HNSW_KIND_UPPER			2
#define HNSW_KIND_FREE			3
#define HNSW_KIND_TIDS			4

/* Most heap TIDs one node holds (identical vectors share a node). */
#define HNSW_NODE_TIDS			8

/* Highest layer a node may be placed on. */
#define HNSW_MAX_LEVEL			16

/*
 * How many neighbours builds and inserts top a list of max up to with
 * near candidates the selection heuristic pruned (see HnswSelectNeighbors):
 * half, leaving room for back-links to be appended without choosing
 * again.  On siftsmall (9,000 built, 1,000 inserted) recall@10 at
 * ef_search = 10 went from 0.908 (no topping up) to 0.945 at half, and
 * 0.957 at a full list, which more than doubled build and insert time.
 */
#define HNSW_FILL(max)			((max) / 2)

/*
 * Most bytes of a neighbour's vector that searches (scans, builds, inserts
 * and vacuum repairs) ask the CPU for before computing the first of a
 * list's distances; HnswLayout.prefetch_size is this, capped at the
 * vector's size.
 */
#define HNSW_PREFETCH_BYTES		((Size) 256)

/* The heavyweight lock that orders inserts against entry-point changes. */
#define HNSW_UPDATE_LOCK_BLOCK	0

/* The head of a node record. */
typedef struct HnswNodeHeader
{
	uint8		kind;			/* HNSW_KIND_NODE */
	uint8		level;			/* top layer of the node */
	uint8		ntids;			/* heap TIDs in use; 0 once all are dead */
	uint8		unused;
	uint16		nneighbors;		/* entries used in the layer-0 list */
	uint16		unused2;
	StoreSlot	upper;			/* first upper record, or STORE_INVALID_SLOT */
	StoreSlot	tidchain;		/* first TID overflow record, or invalid */
	ItemPointerData tids[HNSW_NODE_TIDS];
} HnswNodeHeader;

/* The head of a record holding upper-layer neighbour lists of one node. */
typedef struct HnswUpperHeader
{
	uint8		kind;			/* HNSW_KIND_UPPER */
	uint8		first_level;	/* layer of the first list in this record */
	uint8		nlevels;		/* lists in this record */
	uint8		unused;
	StoreSlot	owner;			/* the node these lists belong to */
	StoreSlot	next;			/* the next upper record, or invalid */
	uint32		unused2;
} HnswUpperHeader;

/*
 * The head of a TID overflow record: more heap TIDs of one node, packed at
 * the front of the array that follows (HnswTidsArray).  The first record
 * of a chain also says where the chain ends and where inserts may find
 * room; in the others those fields are invalid.
 */
typedef struct HnswTidsHeader
{
	uint8		kind;			/* HNSW_KIND_TIDS */
	uint8		unused;
	uint16		ntids;			/* TIDs in use */
	StoreSlot	owner;			/* the node they belong to */
	StoreSlot	next;			/* the next overflow record, or invalid */
	StoreSlot	last;			/* first record: the chain's last record */
	StoreSlot	room;			/* first record: one that had room (a hint) */
	uint32		unused2;
} HnswTidsHeader;

/* One upper-layer list: a count, then m slots. */
typedef struct HnswUpperList
{
	uint16		count;
	uint16		unused;
	StoreSlot	slots[FLEXIBLE_ARRAY_MEMBER];
} HnswUpperList;

/* A record on the free list. */
typedef struct HnswFreeHeader
{
	uint8		kind;			/* HNSW_KIND_FREE */
	uint8		unused[3];
	StoreSlot	next;			/* next free record, or invalid */
} HnswFreeHeader;

/* HNSW's part of the metapage. */
typedef struct HnswMetaState
{
	StoreSlot	entry;			/* entry point, or invalid when empty */
	uint16		entry_level;	/* its level */
	uint16		unused;
	StoreSlot	free_head;		/* first free record, or invalid */
	uint32		unused2;
	uint64		inserted;		/* nodes ever created (statistics) */
} HnswMetaState;

/* Where things are in a record, for one index. */
typedef struct HnswLayout
{
	int			m;				/* list size on upper layers */
	int			m0;				/* list size on layer 0 (2m) */
	int			dims;
	int			max_level;		/* highest layer a node may take */
	Size		record_size;
	Size		neighbors_offset;	/* of the layer-0 list */
	Size		vector_offset;	/* of the Vector */
	Size		vector_size;
	Size		prefetch_size;	/* bytes of a vector searches prefetch */
	Size		upper_list_size;	/* bytes of one HnswUpperList */
	int			lists_per_upper;	/* lists in one upper record */
	int			tids_per_record;	/* TIDs in one overflow record */
} HnswLayout;

/* A node found by a search: its slot and distance to the query. */
typedef struct HnswCandidate
{
	float		dist;
	StoreSlot	slot;
} HnswCandidate;

/* A binary min-heap of (key, id) pairs; use -dist as key for a max-heap. */
typedef struct HnswHeap
{
	int			count;
	int			capacity;
	HnswCandidate *items;		/* items[i].dist is the key */
} HnswHeap;

/* A set of slot numbers: open addressing, cheap to create and to clear. */
typedef struct HnswSlotSet
{
	uint32		mask;			/* capacity - 1 */
	uint32		count;
	StoreSlot  *keys;
} HnswSlotSet;

/* Accessors for a record image. */
#define HnswNodeNeighbors(layout, rec) \
	((StoreSlot *) ((char *) (rec) + (layout)->neighbors_offset))
#define HnswNodeVector(layout, rec) \
	((Vector *) ((char *) (rec) + (layout)->vector_offset))
#define HnswTidsArray(rec) \
	((ItemPointerData *) ((char *) (rec) + MAXALIGN(sizeof(HnswTidsHeader))))
#define HnswUpperListAt(layout, rec, i) \
	((HnswUpperList *) ((char *) (rec) + MAXALIGN(sizeof(HnswUpperHeader)) + \
						(Size) (i) * (layout)->upper_list_size))

/* hnsw.c: the algorithm table entry */
extern const ZvecAlgorithm HnswAlgorithm;

/* build.c */
extern IndexBuildResult *HnswBuild(Relation heap, ZvecIndex *zi, IndexInfo *info);
extern void HnswBuildEmpty(ZvecIndex *zi);
extern Size HnswBuildEstimateMemory(const HnswLayout *layout, double ntuples);
extern PGDLLEXPORT void HnswBuildWorkerMain(dsm_segment *seg, shm_toc *toc);

/* insert.c */
extern void HnswInsert(ZvecIndex *zi, Vector *value, ItemPointer heap_tid,
					   Relation heap);

/* scan.c */
extern void *HnswBeginScan(IndexScanDesc scan, ZvecIndex *zi);
extern void HnswRescan(IndexScanDesc scan, void *state, Vector *query);
extern bool HnswGetTuple(IndexScanDesc scan, void *state, ScanDirection dir);
extern void HnswEndScan(IndexScanDesc scan, void *state);

/* vacuum.c */
extern IndexBulkDeleteResult *HnswBulkDelete(ZvecIndex *zi, IndexVacuumInfo *info,
											 IndexBulkDeleteResult *stats,
											 IndexBulkDeleteCallback callback,
											 void *callback_state);
extern IndexBulkDeleteResult *HnswVacuumCleanup(ZvecIndex *zi, IndexVacuumInfo *info,
												IndexBulkDeleteResult *stats);

/* verify.c */
extern void HnswVerify(ZvecIndex *zi, ZvecVerify *v);

/* tids.c: a node's heap TIDs beyond those in the node */
extern bool HnswTidsAdd(Store *store, const HnswLayout *layout, StoreSlot node,
						const Vector *value, ItemPointer tid);
extern int	HnswTidsRead(Store *store, const HnswLayout *layout, StoreSlot node,
						 StoreSlot first, ItemPointerData **tids, int *capacity);
extern int	HnswTidsVacuum(Store *store, const HnswLayout *layout, StoreSlot node,
						   IndexBulkDeleteCallback callback, void *callback_state,
						   int *removed);
extern bool HnswTidsNodeIsLive(Store *store, StoreSlot node);

/* utils.c: layout, levels, heaps, sets */
extern void HnswLayoutInit(HnswLayout *layout, int m, int dims);
extern void HnswSeedLevels(uint64 seed);
extern int	HnswRandomLevel(const HnswLayout *layout);
extern double HnswScanTuples(const ZvecMeta *meta, double ntuples);
extern void HnswCheckParams(const ZvecParams *params, bool m_given,
							bool ef_construction_given, bool lists_given);
extern void HnswHeapInit(HnswHeap *heap, int capacity);
extern void HnswHeapPush(HnswHeap *heap, float key, StoreSlot id);
extern HnswCandidate HnswHeapPop(HnswHeap *heap);
extern void HnswSlotSetInit(HnswSlotSet *set, uint32 capacity);
extern void HnswSlotSetReset(HnswSlotSet *set);
extern bool HnswSlotSetAdd(HnswSlotSet *set, StoreSlot slot);
extern bool HnswSlotSetContains(const HnswSlotSet *set, StoreSlot slot);
extern int	HnswCandidateCompare(const void *a, const void *b);
extern int	HnswSelectNeighbors(HnswCandidate *cands, int ncands, int max, int fill,
								const ZvecDistance *dist, Vector **vectors,
								bool *keep);

/* utils.c: the graph on the store */
extern int	HnswReadNeighbors(Store *store, const HnswLayout *layout,
							  StoreSlot node, int level, StoreSlot *out,
							  StoreSlot *list_record);
extern int	HnswSearchLayer(Store *store, const HnswLayout *layout,
							const ZvecDistance *dist, const Vector *query,
							HnswCandidate *entries, int nentries, int ef,
							int level, HnswSlotSet *visited,
							HnswCandidate *result, bool skip_deleted);
extern Vector *HnswReadVector(Store *store, const HnswLayout *layout,
							  StoreSlot slot, uint8 *kind, bool *live);
extern StoreSlot HnswAllocateRecord(StoreWrite *w, HnswMetaState *ms, char **img);
extern void HnswAddNeighbor(Store *store, const HnswLayout *layout,
							const ZvecDistance *dist, StoreSlot node, int level,
							StoreSlot add, float add_dist,
							const Vector *add_vector, int fill);
extern bool HnswDescend(Store *store, const HnswLayout *layout,
						const ZvecDistance *dist, const Vector *base,
						StoreSlot node, StoreSlot entry, int entry_level,
						int level, HnswCandidate *out);
extern bool HnswForceNeighbor(Store *store, const HnswLayout *layout,
							  StoreSlot node, int level, StoreSlot add,
							  const uint32 *indegree, StoreSlot nslots,
							  StoreSlot *replaced);
extern bool HnswRepairNeighbors(Store *store, const HnswLayout *layout,
								const ZvecDistance *dist, StoreSlot node,
								int level, const HnswSlotSet *remove, int ef,
								StoreSlot entry, int entry_level);

/* hnsw_gucs_pending.c */
extern void HnswDefineGucs(void);

/* Inline helpers. */

/* The layer-l list of an upper record image, l counted from first_level. */
static inline HnswUpperList *
HnswUpperRecordList(const HnswLayout *layout, char *rec, int level)
{
	HnswUpperHeader *uh = (HnswUpperHeader *) rec;

	return HnswUpperListAt(layout, rec, level - uh->first_level);
}

/* Whether a node still has a heap TID (in the node or its overflow chain). */
static inline bool
HnswNodeIsLive(const HnswNodeHeader *nh)
{
	return nh->ntids > 0 || nh->tidchain != STORE_INVALID_SLOT;
}

/* Most neighbours a node keeps on a layer. */
static inline int
HnswLayerMax(const HnswLayout *layout, int level)
{
	return level == 0 ? layout->m0 : layout->m;
}

#endif							/* ZVEC_HNSW_H */
