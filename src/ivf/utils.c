/*-------------------------------------------------------------------------
 *
 * utils.c
 *	  IVF helpers: the algorithm table entry, record layout, parameters,
 *	  planner estimate and the nearest-centroid search.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/ivf/utils.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "guc.h"
#include "ivf/ivf.h"

const ZvecAlgorithm IvfAlgorithm = {
	.name = "ivf",
	.build = IvfBuild,
	.buildempty = IvfBuildEmpty,
	.insert = IvfInsert,
	.bulkdelete = IvfBulkDelete,
	.vacuumcleanup = IvfVacuumCleanup,
	.scan_tuples = IvfScanTuples,
	.beginscan = IvfBeginScan,
	.rescan = IvfRescan,
	.gettuple = IvfGetTuple,
	.endscan = IvfEndScan,
	.check_params = IvfCheckParams,
	.verify = IvfVerify,
};

/* Bytes of a segment record with room for capacity entries. */
static Size
IvfSegmentSize(int capacity, Size vector_bytes)
{
	return MAXALIGN(sizeof(IvfSegmentHeader)) +
		TYPEALIGN(16, sizeof(ItemPointerData) * capacity) +
		(Size) capacity * vector_bytes;
}

/* Bytes of a directory record describing per lists. */
static Size
IvfDirectorySize(int per, Size vector_bytes)
{
	return MAXALIGN(sizeof(IvfDirectoryHeader)) +
		TYPEALIGN(16, sizeof(IvfListInfo) * per) +
		(Size) per * vector_bytes;
}

/*
 * Work out the record layout for vectors of dims dimensions: as many
 * entries per segment as fit in one block (at least one), with the header
 * and TIDs within the smallest head any backend keeps; directory records
 * of the same size, with as many lists as fit.
 */
void
IvfLayoutInit(IvfLayout *layout, int dims)
{
	Size		vb = sizeof(float4) * (Size) dims;
	Size		hdr = MAXALIGN(sizeof(IvfSegmentHeader));
	int			cap;
	int			per;

	layout->dims = dims;
	layout->vector_bytes = vb;

	cap = (int) ((STORE_BLOCK_RECORD_SIZE - hdr) / (sizeof(ItemPointerData) + vb));
	cap = Max(cap, 1);
	while (cap > 1 &&
		   (IvfSegmentSize(cap, vb) > STORE_BLOCK_RECORD_SIZE ||
			hdr + sizeof(ItemPointerData) * cap > STORE_MIN_HEAD_SIZE ||
			cap > PG_UINT16_MAX))
		cap--;
	layout->capacity = cap;
	layout->tids_offset = hdr;
	layout->vectors_offset = hdr + TYPEALIGN(16, sizeof(ItemPointerData) * cap);
	layout->record_size = MAXALIGN(IvfSegmentSize(cap, vb));

	per = (int) ((layout->record_size - hdr) / (sizeof(IvfListInfo) + vb));
	per = Max(per, 1);
	while (per > 1 &&
		   (IvfDirectorySize(per, vb) > layout->record_size ||
			hdr + sizeof(IvfListInfo) * per > STORE_MIN_HEAD_SIZE ||
			per > PG_UINT16_MAX))
		per--;
	layout->per_directory = per;
	layout->infos_offset = MAXALIGN(sizeof(IvfDirectoryHeader));
	layout->centroids_offset = layout->infos_offset +
		TYPEALIGN(16, sizeof(IvfListInfo) * per);
	layout->record_size = Max(layout->record_size,
							  MAXALIGN(IvfDirectorySize(per, vb)));
}

/*
 * Entries of a segment that lie wholly in the record's head, so that an
 * entry may be added there in place.
 */
int
IvfInplaceCapacity(const IvfLayout *layout, const Store *store)
{
	Size		head = Min(store->head_size, layout->record_size);

	if (head < layout->vectors_offset)
		return 0;
	return (int) Min((Size) layout->capacity,
					 (head - layout->vectors_offset) / layout->vector_bytes);
}

/*
 * Whether one more entry can be added to a segment: in place while its
 * vector lies in the head, or by rewriting the whole record when it holds
 * no entries (a free record, whose tail may be written again).
 */
bool
IvfSegmentHasRoom(const IvfLayout *layout, const Store *store,
				  const IvfSegmentHeader *sh)
{
	return sh->count == 0 || sh->count < IvfInplaceCapacity(layout, store);
}

/*
 * Whether an index clusters by angle (spherical k-means, unit centroids):
 * for cosine distance and inner products.
 */
bool
IvfIsSpherical(const ZvecDistance *dist)
{
	return dist->kind == ZVEC_DISTANCE_COSINE ||
		dist->kind == ZVEC_DISTANCE_NEG_IP ||
		dist->kind == ZVEC_DISTANCE_IP;
}

/* Copy IVF's state out of the metapage. */
void
IvfReadMetaState(Relation index, IvfMetaState *ms)
{
	char		area[STORE_META_AREA_SIZE];

	StoreReadMeta(index, area);
	memcpy(ms, ZvecMetaAlgoState((ZvecMeta *) area, IvfMetaState),
		   sizeof(IvfMetaState));
}

/*
 * Index entries a k-NN scan visits, for the planner: the entries of
 * zvec.probes lists of average length, plus one centroid per list.
 */
double
IvfScanTuples(const ZvecMeta *meta, double ntuples)
{
	const IvfMetaState *ms = (const IvfMetaState *) meta->algo_state;
	double		lists = Max(ms->nlists, 1);
	double		probes = Min((double) zvec_probes, lists);

	return ntuples * probes / lists + lists;
}

/* Reject reloptions that do not apply to IVF. */
void
IvfCheckParams(const ZvecParams *params, bool m_given,
			   bool ef_construction_given, bool lists_given)
{
	if (m_given || ef_construction_given)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"m\" and \"ef_construction\" do not apply to algorithm \"ivf\""),
				 errhint("Remove them, or use algorithm = 'hnsw'.")));
}

/* The distance between two float arrays through a user's support function. */
float
IvfDistanceFmgr(const ZvecDistance *dist, const float *a, const float *b,
				int dims)
{
	Vector	   *va = VectorAllocate(dims);
	Vector	   *vb = VectorAllocate(dims);
	float		d;

	memcpy(va->x, a, sizeof(float) * dims);
	memcpy(vb->x, b, sizeof(float) * dims);
	d = (float) DatumGetFloat8(FunctionCall2Coll(dist->proc, dist->collation,
												 PointerGetDatum(va),
												 PointerGetDatum(vb)));
	pfree(va);
	pfree(vb);
	return d;
}

/*
 * The list whose centroid is nearest to v, reading the directory; info
 * receives what the directory said about it.
 */
int
IvfNearestList(const IvfLayout *layout, Store *store, const IvfMetaState *ms,
			   bool spherical, const float *v, IvfListInfo *info)
{
	uint32		r;
	int			best = -1;
	float		best_dist = 0;

	for (r = 0; r < ms->ndirectory; r++)
	{
		StoreRef	ref;
		const char *rec;
		const IvfDirectoryHeader *dh;
		int			i;

		rec = StoreRead(store, ms->directory + r, STORE_READ_FULL, &ref);
		dh = (const IvfDirectoryHeader *) rec;
		if (dh->kind != IVF_KIND_DIRECTORY)
		{
			StoreRelease(store, &ref);
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" has an invalid IVF directory",
							RelationGetRelationName(store->index)),
					 errdetail("Slot %u is not a directory record.",
							   ms->directory + r),
					 errhint("REINDEX the index.")));
		}
		for (i = 0; i < dh->count; i++)
		{
			float		d = IvfListDistance(spherical, v,
											IvfDirectoryCentroid(layout, rec, i),
											layout->dims);

			if (best < 0 || d < best_dist)
			{
				best = (int) dh->first_list + i;
				best_dist = d;
				*info = IvfDirectoryInfos(layout, rec)[i];
			}
		}
		StoreRelease(store, &ref);
		CHECK_FOR_INTERRUPTS();
	}
	if (best < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has no IVF lists",
						RelationGetRelationName(store->index)),
				 errhint("REINDEX the index.")));
	return best;
}

/* Scale v to unit length in place; a zero vector stays zero. */
void
IvfNormalize(float *v, int dims)
{
	double		norm = 0;
	int			i;

	for (i = 0; i < dims; i++)
		norm += (double) v[i] * v[i];
	if (norm <= 0)
		return;
	norm = sqrt(norm);
	for (i = 0; i < dims; i++)
		v[i] = (float) (v[i] / norm);
}
