/*-------------------------------------------------------------------------
 *
 * meta.c
 *	  The zvec metapage: creating, reading and checking it; opening an index.
 *
 * The access method's area of the metadata page starts with a magic number
 * and a format version.  Both are checked every time an index is opened,
 * before anything else is read, so a page from another extension, a
 * damaged page or an index written by an incompatible zvec release is
 * reported as corrupt (with a REINDEX hint) instead of being misread.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/am/meta.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/rel.h"

#include "am/am.h"

/* Fail unless the metapage is one this release of zvec can read. */
void
ZvecMetaCheck(Relation index, const ZvecMeta *meta)
{
	if (meta->magic != ZVEC_META_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an invalid metapage",
						RelationGetRelationName(index)),
				 errdetail("The magic number is 0x%08X; expected 0x%08X.",
						   meta->magic, ZVEC_META_MAGIC),
				 errhint("REINDEX the index.")));
	if (meta->version != ZVEC_META_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has format version %u, but this zvec reads version %u",
						RelationGetRelationName(index), meta->version,
						ZVEC_META_VERSION),
				 errhint("REINDEX the index.")));
	if (meta->algorithm <= ZVEC_ALGORITHM_INVALID ||
		meta->algorithm >= ZVEC_ALGORITHM_COUNT ||
		meta->dims < 1 || meta->dims > ZVEC_VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an invalid metapage",
						RelationGetRelationName(index)),
				 errdetail("Algorithm %u with %u dimensions is not valid.",
						   meta->algorithm, meta->dims),
				 errhint("REINDEX the index.")));
}

/* Read and check the metapage of an index. */
void
ZvecMetaRead(Relation index, ZvecMeta *meta)
{
	char		area[STORE_META_AREA_SIZE];

	StoreReadMeta(index, area);
	memcpy(meta, area, sizeof(ZvecMeta));
	ZvecMetaCheck(index, meta);
}

/* Dimensions of the indexed column, from its type modifier. */
int
ZvecIndexDimensions(Relation index)
{
	int32		typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;

	if (typmod < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Declare the column as vector(n), or index an expression such as (embedding::vector(n)).")));
	if (typmod > ZVEC_VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column cannot have more than %d dimensions for zvec index",
						ZVEC_VECTOR_MAX_DIM)));
	return typmod;
}

/* Open an existing index: store, checked metapage and distance. */
ZvecIndex *
ZvecIndexOpen(Relation index)
{
	ZvecIndex  *zi = palloc0(sizeof(ZvecIndex));
	char		area[STORE_META_AREA_SIZE];

	zi->index = index;
	zi->store = StoreOpen(index, area);
	memcpy(&zi->meta, area, sizeof(ZvecMeta));
	ZvecMetaCheck(index, &zi->meta);
	ZvecDistanceInit(index, &zi->dist);
	return zi;
}

/*
 * Prepare an index about to be built: a fresh metapage image holding the
 * parameters (the algorithm adds its state), no store yet.
 */
ZvecIndex *
ZvecIndexPrepareBuild(Relation index, const ZvecParams *params)
{
	ZvecIndex  *zi = palloc0(sizeof(ZvecIndex));

	zi->index = index;
	zi->store = NULL;
	zi->meta.magic = ZVEC_META_MAGIC;
	zi->meta.version = ZVEC_META_VERSION;
	zi->meta.algorithm = (uint16) params->algorithm;
	zi->meta.storage = (uint16) params->storage;
	zi->meta.dims = (uint32) ZvecIndexDimensions(index);
	zi->meta.generation = 1;
	zi->meta.m = (uint32) params->m;
	zi->meta.ef_construction = (uint32) params->ef_construction;
	zi->meta.lists = (uint32) params->lists;
	ZvecDistanceInit(index, &zi->dist);
	return zi;
}

/* Close an index opened by ZvecIndexOpen() or prepared for a build. */
void
ZvecIndexClose(ZvecIndex *zi)
{
	if (zi == NULL)
		return;
	if (zi->store != NULL)
		StoreClose(zi->store);
	pfree(zi);
}
