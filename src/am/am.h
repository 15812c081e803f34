/*-------------------------------------------------------------------------
 *
 * am.h
 *	  Private declarations of the zvec access method (src/am/).
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/am/am.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_AM_H
#define ZVEC_AM_H

#include "postgres.h"

#include "access/amapi.h"
#include "nodes/pathnodes.h"

#include "am/algorithm.h"

/* Reloption defaults (0 in ZvecOptions means "not given"). */
#define ZVEC_DEFAULT_M					16
#define ZVEC_MIN_M						2
#define ZVEC_MAX_M						100
#define ZVEC_DEFAULT_EF_CONSTRUCTION	64
#define ZVEC_MIN_EF_CONSTRUCTION		4
#define ZVEC_MAX_EF_CONSTRUCTION		1000
#define ZVEC_MIN_LISTS					1
#define ZVEC_MAX_LISTS					32768

/* Parsed reloptions, as build_reloptions() fills them (a varlena). */
typedef struct ZvecOptions
{
	int32		vl_len_;
	int			algorithm_offset;	/* string: "hnsw" | "ivf" */
	int			storage_offset; /* string: "bufferpool" | "mmap" */
	int			m;
	int			ef_construction;
	int			lists;
} ZvecOptions;

/* The scan state the access method keeps around the algorithm's. */
typedef struct ZvecScanOpaque
{
	const ZvecAlgorithm *algorithm;
	ZvecIndex  *zi;
	void	   *state;
} ZvecScanOpaque;

/* handler.c */
extern const ZvecAlgorithm *ZvecAlgorithmByKind(ZvecAlgorithmKind kind,
												bool for_build);
extern ZvecAlgorithmKind ZvecParseAlgorithm(const char *name);
extern const char *ZvecAlgorithmName(ZvecAlgorithmKind kind);

/* options.c */
extern void ZvecInitReloptions(void);
extern bytea *zvecoptions(Datum reloptions, bool validate);
extern void ZvecGetParams(Relation index, ZvecParams *params);

/* meta.c */
extern void ZvecMetaCheck(Relation index, const ZvecMeta *meta);
extern void ZvecMetaRead(Relation index, ZvecMeta *meta);
extern ZvecIndex *ZvecIndexOpen(Relation index);
extern ZvecIndex *ZvecIndexPrepareBuild(Relation index, const ZvecParams *params);
extern void ZvecIndexClose(ZvecIndex *zi);
extern int	ZvecIndexDimensions(Relation index);

/* opclass.c */
extern void ZvecDistanceInit(Relation index, ZvecDistance *dist);

/* cost.c */
extern void zveccostestimate(PlannerInfo *root, IndexPath *path,
							 double loop_count, Cost *indexStartupCost,
							 Cost *indexTotalCost, Selectivity *indexSelectivity,
							 double *indexCorrelation, double *indexPages);

/* validate.c */
extern bool zvecvalidate(Oid opclassoid);

#endif							/* ZVEC_AM_H */
