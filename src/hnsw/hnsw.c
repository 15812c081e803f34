/*-------------------------------------------------------------------------
 *
 * hnsw.c
 *	  HNSW's entry in the access method's algorithm table.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/hnsw/hnsw.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hnsw/hnsw.h"

const ZvecAlgorithm HnswAlgorithm = {
	.name = "hnsw",
	.build = HnswBuild,
	.buildempty = HnswBuildEmpty,
	.insert = HnswInsert,
	.bulkdelete = HnswBulkDelete,
	.vacuumcleanup = HnswVacuumCleanup,
	.scan_tuples = HnswScanTuples,
	.scan_scattered = true,
	.beginscan = HnswBeginScan,
	.rescan = HnswRescan,
	.gettuple = HnswGetTuple,
	.endscan = HnswEndScan,
	.check_params = HnswCheckParams,
	.verify = HnswVerify,
};
