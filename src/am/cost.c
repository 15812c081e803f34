/*-------------------------------------------------------------------------
 *
 * cost.c
 *	  Planner cost estimate for zvec indexes.
 *
 * A zvec index serves only ORDER BY <distance operator>: a path without
 * such an ordering gets an infinite cost, so the planner never chooses the
 * index for a query it cannot answer.  For an ordered path, the whole-index
 * cost comes from genericcostestimate(); the startup cost, paid before the
 * first row, is the share of it a k-NN search touches, which the algorithm
 * estimates from its parameters.  A LIMIT k then costs little more than the
 * startup, while a full ordered scan stays dearer than a sort.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/am/cost.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "utils/float.h"
#include "utils/selfuncs.h"

#include "am/am.h"

/* The amcostestimate callback. */
void
zveccostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	GenericCosts costs;
	ZvecMeta	meta;
	Relation	index;
	const ZvecAlgorithm *alg;
	double		ntuples = path->indexinfo->tuples;
	double		ratio = 1.0;

	/*
	 * No ordering by distance, or an algorithm this release lacks: this
	 * index cannot serve the query.
	 */
	if (path->indexorderbys != NIL)
	{
		index = index_open(path->indexinfo->indexoid, NoLock);
		ZvecMetaRead(index, &meta);
		index_close(index, NoLock);
		alg = ZvecAlgorithmByKind((ZvecAlgorithmKind) meta.algorithm, false);
	}
	else
		alg = NULL;

	if (alg == NULL)
	{
		*indexStartupCost = get_float8_infinity();
		*indexTotalCost = get_float8_infinity();
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	MemSet(&costs, 0, sizeof(costs));
	genericcostestimate(root, path, loop_count, &costs);

	if (ntuples > 0)
		ratio = Min(1.0, alg->scan_tuples(&meta, ntuples) / ntuples);

	*indexStartupCost = costs.indexTotalCost * ratio;
	*indexTotalCost = costs.indexTotalCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}
