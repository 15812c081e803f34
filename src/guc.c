/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  Every zvec configuration parameter (zvec.*), with its hooks.
 *
 * The parameters are grouped by the layer that reads them; each group
 * explains why its parameters have the context they have.  Checks live in
 * check hooks, so a bad value is refused by SET, ALTER SYSTEM and a reload
 * alike, and the prefix is reserved at the end so a misspelt zvec.* name is
 * an error rather than a silent placeholder.  To add a parameter, add its
 * variable to guc.h and its definition to the right group below.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/guc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#ifndef WIN32
#include <sys/mman.h>
#endif

#include "utils/guc.h"

#include "compat.h"
#include "guc.h"
#include "memory/memory.h"
#include "zvec.h"

#define ZVEC_MB		(INT64CONST(1024) * 1024)

int			zvec_memory_limit = -1;
int			zvec_memory_quota = -1;
int			zvec_mmap_warmup = ZVEC_MMAP_WARMUP_OFF;
int			zvec_mmap_lock = ZVEC_MMAP_LOCK_OFF;
char	   *zvec_cgroup_root = NULL;
int			zvec_ef_search = 40;
int			zvec_probes = 1;
int			zvec_iterative_scan = ZVEC_ITERATIVE_OFF;
int			zvec_max_scan_tuples = 20000;

static const struct config_enum_entry zvec_iterative_scan_options[] = {
	{"off", ZVEC_ITERATIVE_OFF, false},
	{"relaxed_order", ZVEC_ITERATIVE_RELAXED, false},
	{"strict_order", ZVEC_ITERATIVE_STRICT, false},
	{NULL, 0, false}
};

/* Values of zvec.mmap_warmup. */
static const struct config_enum_entry zvec_mmap_warmup_options[] = {
	{"off", ZVEC_MMAP_WARMUP_OFF, false},
	{"prefetch", ZVEC_MMAP_WARMUP_PREFETCH, false},
	{"populate", ZVEC_MMAP_WARMUP_POPULATE, false},
	{NULL, 0, false}
};

/* Values of zvec.mmap_lock (spelt like huge_pages). */
static const struct config_enum_entry zvec_mmap_lock_options[] = {
	{"off", ZVEC_MMAP_LOCK_OFF, false},
	{"try", ZVEC_MMAP_LOCK_TRY, false},
	{"on", ZVEC_MMAP_LOCK_ON, false},
	{NULL, 0, false}
};

/* zvec.cgroup_root must be an absolute path; store it canonicalised. */
static bool
ZvecCheckCgroupRoot(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL)
		return true;
	if (!is_absolute_path(*newval))
	{
		GUC_check_errdetail("zvec.cgroup_root must be an absolute path.");
		return false;
	}
	if (strlen(*newval) >= MAXPGPATH / 2)
	{
		GUC_check_errdetail("zvec.cgroup_root must be shorter than %d bytes.",
							MAXPGPATH / 2);
		return false;
	}
	canonicalize_path(*newval);
	return true;
}

/* A new zvec.cgroup_root: detect the limits again on next use. */
static void
ZvecAssignCgroupRoot(const char *newval, void *extra)
{
	CgroupInvalidate();
}

/*
 * zvec.memory_limit is -1 or a positive size no larger than the detected
 * memory limit (under the zvec.cgroup_root in force when it is checked).
 */
static bool
ZvecCheckMemoryLimit(int *newval, void **extra, GucSource source)
{
	const CgroupLimits *limits;

	if (*newval == 0)
	{
		GUC_check_errdetail("zvec.memory_limit must be -1 (80%% of the detected memory limit) or at least 1MB.");
		return false;
	}
	if (*newval < 0)
		return true;

	limits = CgroupGetLimits();
	if ((int64) *newval * ZVEC_MB > limits->memory_bytes)
	{
		GUC_check_errdetail("%dMB is more than the memory limit zvec detected, %lld bytes.",
							*newval, (long long) limits->memory_bytes);
		GUC_check_errhint("Use at most %lldMB, or -1 for 80%% of the detected limit; zvec_memory_status() shows where the limit comes from.",
						  (long long) (limits->memory_bytes / ZVEC_MB));
		return false;
	}
	return true;
}

/* SHOW zvec.memory_limit: the setting plus the cap in effect, in bytes. */
static const char *
ZvecShowMemoryLimit(void)
{
	static char buf[MAXPGPATH + 128];

	if (zvec_memory_limit < 0)
		snprintf(buf, sizeof(buf), "-1 (%lld bytes, %s)",
				 (long long) GovernorMemoryCap(), GovernorDescribeCap());
	else if (GovernorMemoryCap() < (int64) zvec_memory_limit * ZVEC_MB)
		snprintf(buf, sizeof(buf), "%dMB (%lld bytes, %s)",
				 zvec_memory_limit, (long long) GovernorMemoryCap(),
				 GovernorDescribeCap());
	else
		snprintf(buf, sizeof(buf), "%dMB", zvec_memory_limit);
	return buf;
}

/* zvec.memory_quota is -1 or a positive size. */
static bool
ZvecCheckMemoryQuota(int *newval, void **extra, GucSource source)
{
	if (*newval == 0)
	{
		GUC_check_errdetail("zvec.memory_quota must be -1 (no quota) or at least 1MB.");
		return false;
	}
	return true;
}

/* zvec.mmap_warmup = prefetch needs madvise(). */
static bool
ZvecCheckMmapWarmup(int *newval, void **extra, GucSource source)
{
#if !defined(MADV_WILLNEED) && !defined(POSIX_MADV_WILLNEED)
	if (*newval == ZVEC_MMAP_WARMUP_PREFETCH)
	{
		GUC_check_errdetail("zvec.mmap_warmup = prefetch needs madvise(), which this platform lacks.");
		GUC_check_errhint("Use populate instead.");
		return false;
	}
#endif
	return true;
}

/* zvec.mmap_lock = try or on needs mlock(). */
static bool
ZvecCheckMmapLock(int *newval, void **extra, GucSource source)
{
#ifdef WIN32
	if (*newval != ZVEC_MMAP_LOCK_OFF)
	{
		GUC_check_errdetail("zvec.mmap_lock needs mlock(), which this platform lacks.");
		return false;
	}
#endif
	return true;
}

/* Define zvec's GUCs and reserve the "zvec" prefix. */
void
ZvecDefineGucs(void)
{
	/*
	 * Memory governor (src/memory/).
	 *
	 * zvec.cgroup_root comes first: the check of zvec.memory_limit reads the
	 * limits under it.  It names files the server reads, so only superusers
	 * may change it (SUSET); tests set it per session to use fake trees.
	 *
	 * zvec.memory_limit is the cluster-wide cap, so every backend must agree
	 * on it: it is set in postgresql.conf or by ALTER SYSTEM and takes
	 * effect on reload (SIGHUP), like max_wal_size.  It does not size shared
	 * memory, so it needs no restart.
	 *
	 * zvec.memory_quota bounds one operation within that cap, the way
	 * maintenance_work_mem bounds one maintenance command, so any user may
	 * set it (USERSET): whatever they choose, the cap still holds.
	 */
	DefineCustomStringVariable("zvec.cgroup_root",
							   "Directory under which zvec looks up /proc/self/cgroup and /sys/fs/cgroup.",
							   "Only for tests that point zvec at fake cgroup trees.",
							   &zvec_cgroup_root,
							   "/",
							   PGC_SUSET,
							   0,
							   ZvecCheckCgroupRoot, ZvecAssignCgroupRoot, NULL);

	DefineCustomIntVariable("zvec.memory_limit",
							"Cluster-wide cap on memory used by zvec.",
							"-1 means 80% of the memory limit detected from the cgroup, or of the physical RAM.",
							&zvec_memory_limit,
							-1, -1, INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_MB,
							ZvecCheckMemoryLimit, NULL, ZvecShowMemoryLimit);

	DefineCustomIntVariable("zvec.memory_quota",
							"Most memory one zvec index build may use.",
							"-1 means no quota: a build is bounded only by zvec.memory_limit.",
							&zvec_memory_quota,
							-1, -1, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MB,
							ZvecCheckMemoryQuota, NULL, NULL);

	/*
	 * mmap storage (src/storage/mmap.c).
	 *
	 * zvec.mmap_warmup only changes when this session's reads fault pages in,
	 * so any user may choose it (USERSET).  zvec.mmap_lock pins pages of the
	 * page cache for the whole machine; that is a resource decision for a
	 * superuser or the server configuration (SUSET), and pinned bytes also
	 * count against zvec.memory_limit.
	 */
	DefineCustomEnumVariable("zvec.mmap_warmup",
							 "How a mapped zvec index file is brought into memory when it is opened.",
							 "off faults pages in on demand, prefetch asks the kernel to read ahead (madvise WILLNEED), populate faults every page in before the first query.",
							 &zvec_mmap_warmup,
							 ZVEC_MMAP_WARMUP_OFF,
							 zvec_mmap_warmup_options,
							 PGC_USERSET,
							 0,
							 ZvecCheckMmapWarmup, NULL, NULL);

	DefineCustomEnumVariable("zvec.mmap_lock",
							 "Whether a mapped zvec index file is pinned in memory with mlock.",
							 "try falls back with a WARNING when mlock fails (RLIMIT_MEMLOCK, CAP_IPC_LOCK); on fails the statement instead.",
							 &zvec_mmap_lock,
							 ZVEC_MMAP_LOCK_OFF,
							 zvec_mmap_lock_options,
							 PGC_SUSET,
							 0,
							 ZvecCheckMmapLock, NULL, NULL);

	/*
	 * Index scans.  Per-session knobs read when a scan starts, like
	 * pgvector's hnsw.ef_search and ivfflat.probes: any user may trade
	 * speed for recall.
	 */
	DefineCustomIntVariable("zvec.ef_search",
							"Sets the size of the candidate list of HNSW scans.",
							"Larger values find more of the true nearest neighbours, more slowly.",
							&zvec_ef_search,
							40, 1, 1000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("zvec.probes",
							"Sets the number of lists an IVF scan probes.",
							"Larger values find more of the true nearest neighbours, more slowly; a scan probes at most the index's number of lists.",
							&zvec_probes,
							1, 1, 32768,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomEnumVariable("zvec.iterative_scan",
							 "Continues index scans past their first batch when a filter needs more rows.",
							 "off returns at most one batch; relaxed_order continues in batches that are each in order; strict_order also drops rows that would break the order.",
							 &zvec_iterative_scan,
							 ZVEC_ITERATIVE_OFF,
							 zvec_iterative_scan_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("zvec.max_scan_tuples",
							"Sets how many index entries an iterative scan may visit.",
							NULL,
							&zvec_max_scan_tuples,
							20000, 1, INT_MAX,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("zvec");
}
