/*-------------------------------------------------------------------------
 *
 * options.c
 *	  Reloptions of zvec indexes: algorithm, storage, m, ef_construction, lists.
 *
 * Every choice is frozen into the metapage at build time.  The numeric
 * options default to 0, which means "not given": that is how an option
 * that does not apply to the chosen algorithm is detected and rejected,
 * and the real defaults are filled in by ZvecResolveParams().
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/am/options.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/reloptions.h"
#include "storage/lockdefs.h"

#include "am/am.h"

static relopt_kind zvec_relopt_kind;

/* Reject an algorithm name other than those the AM knows. */
static void
ZvecValidateAlgorithmOption(const char *value)
{
	if (value == NULL || ZvecParseAlgorithm(value) == ZVEC_ALGORITHM_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for zvec option \"algorithm\": \"%s\"",
						value ? value : ""),
				 errdetail("Valid values are \"hnsw\" and \"ivf\".")));
}

/* Reject a storage name other than those the store layer knows. */
static void
ZvecValidateStorageOption(const char *value)
{
	if (value == NULL || StoreParseKind(value) == ZVEC_STORAGE_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for zvec option \"storage\": \"%s\"",
						value ? value : ""),
				 errdetail("Valid values are \"bufferpool\" and \"mmap\".")));
}

/* Register zvec's reloptions; called once, from _PG_init(). */
void
ZvecInitReloptions(void)
{
	zvec_relopt_kind = add_reloption_kind();
	add_string_reloption(zvec_relopt_kind, "algorithm",
						 "Index algorithm: hnsw or ivf",
						 "hnsw", ZvecValidateAlgorithmOption,
						 AccessExclusiveLock);
	add_string_reloption(zvec_relopt_kind, "storage",
						 "Storage backend: bufferpool or mmap",
						 "bufferpool", ZvecValidateStorageOption,
						 AccessExclusiveLock);
	add_int_reloption(zvec_relopt_kind, "m",
					  "HNSW: maximum neighbours per node on upper layers",
					  0, ZVEC_MIN_M, ZVEC_MAX_M, AccessExclusiveLock);
	add_int_reloption(zvec_relopt_kind, "ef_construction",
					  "HNSW: size of the candidate list while building",
					  0, ZVEC_MIN_EF_CONSTRUCTION, ZVEC_MAX_EF_CONSTRUCTION,
					  AccessExclusiveLock);
	add_int_reloption(zvec_relopt_kind, "lists",
					  "IVF: number of inverted lists",
					  0, ZVEC_MIN_LISTS, ZVEC_MAX_LISTS, AccessExclusiveLock);
}

/* Fill params from parsed options, checking how the options combine. */
static void
ZvecResolveParams(const ZvecOptions *opts, ZvecParams *params, bool validate)
{
	const char *algorithm = "hnsw";
	const char *storage = "bufferpool";
	const ZvecAlgorithm *alg;

	if (opts != NULL && opts->algorithm_offset != 0)
		algorithm = (const char *) opts + opts->algorithm_offset;
	if (opts != NULL && opts->storage_offset != 0)
		storage = (const char *) opts + opts->storage_offset;

	memset(params, 0, sizeof(ZvecParams));
	params->algorithm = ZvecParseAlgorithm(algorithm);
	params->storage = StoreParseKind(storage);
	if (params->algorithm == ZVEC_ALGORITHM_INVALID)
		ZvecValidateAlgorithmOption(algorithm);
	if (params->storage == ZVEC_STORAGE_INVALID)
		ZvecValidateStorageOption(storage);

	params->m = (opts != NULL && opts->m != 0) ? opts->m : ZVEC_DEFAULT_M;
	params->ef_construction = (opts != NULL && opts->ef_construction != 0) ?
		opts->ef_construction : ZVEC_DEFAULT_EF_CONSTRUCTION;
	params->lists = (opts != NULL) ? opts->lists : 0;

	if (!validate)
		return;

	/* Options that do not apply to the algorithm are errors. */
	alg = ZvecAlgorithmByKind(params->algorithm, false);
	if (alg != NULL)
		alg->check_params(params,
						  opts != NULL && opts->m != 0,
						  opts != NULL && opts->ef_construction != 0,
						  opts != NULL && opts->lists != 0);
	else if (opts != NULL && (opts->m != 0 || opts->ef_construction != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"m\" and \"ef_construction\" do not apply to algorithm \"%s\"",
						ZvecAlgorithmName(params->algorithm)),
				 errhint("Remove them, or use algorithm = 'hnsw'.")));
}

/* The amoptions callback: parse, and when validating, cross-check. */
bytea *
zvecoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"algorithm", RELOPT_TYPE_STRING, offsetof(ZvecOptions, algorithm_offset)},
		{"storage", RELOPT_TYPE_STRING, offsetof(ZvecOptions, storage_offset)},
		{"m", RELOPT_TYPE_INT, offsetof(ZvecOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT, offsetof(ZvecOptions, ef_construction)},
		{"lists", RELOPT_TYPE_INT, offsetof(ZvecOptions, lists)},
	};
	ZvecOptions *opts;

	opts = (ZvecOptions *) build_reloptions(reloptions, validate,
											zvec_relopt_kind,
											sizeof(ZvecOptions),
											tab, lengthof(tab));
	if (validate)
	{
		ZvecParams	params;

		ZvecResolveParams(opts, &params, true);
	}
	return (bytea *) opts;
}

/* The validated parameters of an index about to be built. */
void
ZvecGetParams(Relation index, ZvecParams *params)
{
	ZvecResolveParams((ZvecOptions *) index->rd_options, params, true);
}
