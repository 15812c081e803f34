/*-------------------------------------------------------------------------
 *
 * cgroup.c
 *	  Detect the memory and CPU limits this backend runs under.
 *
 * The process's own cgroup comes from /proc/self/cgroup.  Each line there is
 * "hierarchy-id:controller-list:path".  A cgroup v1 line whose controller
 * list holds "memory" puts the memory limit in
 * /sys/fs/cgroup/<controller-list>/<path>/memory.limit_in_bytes; the v2
 * line, "0::<path>", puts it in /sys/fs/cgroup/<path>/memory.max.  The limit
 * of a cgroup applies to everything below it, so the file is read in the
 * cgroup's own directory and in every ancestor up to the hierarchy's root,
 * and the tightest value wins.  In a hybrid layout (v1 controllers plus a v2
 * line) the memory controller belongs to v1, so a v1 memory line is used
 * whenever there is one and the v2 line only when there is not.  CPU works
 * the same way: v1 cpu.cfs_quota_us / cpu.cfs_period_us of the hierarchy
 * holding "cpu", or v2 cpu.max ("quota period"), tightest wins, never more
 * than the online CPUs.
 *
 * "No limit" is v2 "max", v1 -1 (CPU) or a v1 memory value of 2^62 or more
 * (the kernel reports its page-counter maximum, 9223372036854771712 with
 * 4 kB pages).  A directory that does not exist is skipped quietly: without
 * a cgroup namespace a container sees its own cgroup mounted as the
 * hierarchy's root while /proc/self/cgroup names the host's path.  Anything
 * odd (an unreadable or unparsable file, no cgroup at all) is reported with
 * a LOG line and the level is ignored; with no limit anywhere the memory
 * limit is the physical RAM and the CPU limit the online CPUs.  A limit
 * above the physical RAM is no limit in practice, so the smaller wins.
 *
 * All paths are looked up under zvec.cgroup_root (default "/"), so tests
 * point the detection at fake trees in test/fixtures/cgroup/.  The result
 * is cached per process and recomputed when zvec.cgroup_root changes.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/memory/cgroup.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <errno.h>
#include <unistd.h>

#include "storage/fd.h"

#include "guc.h"
#include "memory/memory.h"

/* A v1 memory limit at or above this is the kernel's "no limit". */
#define ZVEC_CGROUP_V1_UNLIMITED	(INT64CONST(1) << 62)

/* Longest line of /proc/self/cgroup or of a limit file we accept. */
#define ZVEC_CGROUP_LINE_MAX		(MAXPGPATH + 256)

/* What /proc/self/cgroup says about this process. */
typedef struct CgroupMembership
{
	bool		have_v1_memory; /* a v1 line with "memory" */
	char		v1_memory_mount[NAMEDATALEN];	/* its controller list */
	char		v1_memory_path[MAXPGPATH];
	bool		have_v1_cpu;	/* a v1 line with "cpu" */
	char		v1_cpu_mount[NAMEDATALEN];
	char		v1_cpu_path[MAXPGPATH];
	bool		have_v2;		/* the "0::" line */
	char		v2_path[MAXPGPATH];
} CgroupMembership;

/* Outcome of reading one limit file. */
typedef enum CgroupRead
{
	CGROUP_READ_OK,				/* a value (possibly "no limit") */
	CGROUP_READ_MISSING,		/* no such file or directory */
	CGROUP_READ_BAD				/* unreadable or unparsable; logged */
} CgroupRead;

/* Result of walking one hierarchy for one kind of limit. */
typedef struct CgroupWalk
{
	bool		found_file;		/* at least one level had a valid file */
	bool		found_bad;		/* at least one level was odd */
	bool		limited;		/* some level set a limit */
	double		limit;			/* the tightest limit seen */
	char		limit_file[MAXPGPATH];	/* where it was found */
} CgroupWalk;

/* The kind of limit a walk looks for. */
typedef enum CgroupResource
{
	CGROUP_MEMORY_V1,
	CGROUP_MEMORY_V2,
	CGROUP_CPU_V1,
	CGROUP_CPU_V2
} CgroupResource;

static CgroupLimits cgroup_cache;
static bool cgroup_cache_valid = false;
static char cgroup_cache_root[MAXPGPATH];

/* Build "<zvec.cgroup_root>/<relpath>" into buf; false if it is too long. */
static bool
CgroupMakePath(char *buf, const char *relpath)
{
	const char *root = zvec_cgroup_root ? zvec_cgroup_root : "/";
	size_t		rootlen = strlen(root);
	int			n;

	while (rootlen > 0 && root[rootlen - 1] == '/')
		rootlen--;
	while (*relpath == '/')
		relpath++;
	n = snprintf(buf, MAXPGPATH, "%.*s/%s", (int) rootlen, root, relpath);
	return n > 0 && n < MAXPGPATH;
}

/* Strip trailing white space (the newline of a sysfs file) in place. */
static void
CgroupTrim(char *s)
{
	size_t		len = strlen(s);

	while (len > 0 && isspace((unsigned char) s[len - 1]))
		s[--len] = '\0';
}

/*
 * Read the first line of a file into buf.  Missing files are reported as
 * such without noise; other failures are logged.
 */
static CgroupRead
CgroupReadLine(const char *path, char *buf, int buflen)
{
	FILE	   *file;
	bool		got;

	file = AllocateFile(path, "r");
	if (file == NULL)
	{
		if (errno == ENOENT || errno == ENOTDIR)
			return CGROUP_READ_MISSING;
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not open cgroup file \"%s\": %m", path),
				 errdetail("zvec ignores this file when detecting its limits.")));
		return CGROUP_READ_BAD;
	}
	got = (fgets(buf, buflen, file) != NULL);
	if (ferror(file))
	{
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not read cgroup file \"%s\": %m", path),
				 errdetail("zvec ignores this file when detecting its limits.")));
		FreeFile(file);
		return CGROUP_READ_BAD;
	}
	FreeFile(file);
	if (!got)
		buf[0] = '\0';
	CgroupTrim(buf);
	return CGROUP_READ_OK;
}

/* Log a limit file whose contents make no sense; the level is ignored. */
static void
CgroupLogGarbage(const char *path, const char *contents)
{
	ereport(LOG,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("could not parse cgroup file \"%s\"", path),
			 errdetail("The file contains \"%s\"; zvec ignores it when detecting its limits.",
					   contents)));
}

/* Parse a whole string as a non-negative decimal integer. */
static bool
CgroupParseInt64(const char *s, int64 *result)
{
	char	   *end;
	long long	value;

	if (!isdigit((unsigned char) *s))
		return false;
	errno = 0;
	value = strtoll(s, &end, 10);
	if (errno == ERANGE)
	{
		/* v1 limits can exceed 2^63 - 1 on some kernels: still "no limit" */
		value = PG_INT64_MAX;
	}
	else if (errno != 0)
		return false;
	if (*end != '\0')
		return false;
	*result = (int64) value;
	return true;
}

/*
 * Parse the contents of the limit file at path for the given resource.
 * Returns false, after logging, for garbage; otherwise sets *limited and
 * *limit (bytes, or CPUs).  v1 CPU needs a second file, the period, read
 * from dir.
 */
static bool
CgroupParseLimit(CgroupResource resource, const char *dir, const char *path,
				 const char *contents, bool *limited, double *limit)
{
	int64		value;

	*limited = false;
	*limit = 0;
	switch (resource)
	{
		case CGROUP_MEMORY_V2:
			if (strcmp(contents, "max") == 0)
				return true;
			if (!CgroupParseInt64(contents, &value))
				break;
			*limited = true;
			*limit = (double) value;
			return true;

		case CGROUP_MEMORY_V1:
			if (!CgroupParseInt64(contents, &value))
				break;
			if (value >= ZVEC_CGROUP_V1_UNLIMITED)
				return true;
			*limited = true;
			*limit = (double) value;
			return true;

		case CGROUP_CPU_V2:
			{
				char		quota[64];
				int64		period;
				const char *space = strchr(contents, ' ');

				if (space == NULL || space - contents >= (int) sizeof(quota))
					break;
				memcpy(quota, contents, space - contents);
				quota[space - contents] = '\0';
				if (!CgroupParseInt64(space + 1, &period) || period <= 0)
					break;
				if (strcmp(quota, "max") == 0)
					return true;
				if (!CgroupParseInt64(quota, &value) || value <= 0)
					break;
				*limited = true;
				*limit = (double) value / (double) period;
				return true;
			}

		case CGROUP_CPU_V1:
			{
				char		ppath[MAXPGPATH];
				char		line[ZVEC_CGROUP_LINE_MAX];
				int64		period;

				if (strcmp(contents, "-1") == 0)
					return true;
				if (!CgroupParseInt64(contents, &value) || value <= 0)
					break;
				if (snprintf(ppath, sizeof(ppath), "%s/cpu.cfs_period_us", dir) >= (int) sizeof(ppath))
					return false;
				switch (CgroupReadLine(ppath, line, sizeof(line)))
				{
					case CGROUP_READ_OK:
						break;
					case CGROUP_READ_MISSING:
						ereport(LOG,
								(errmsg("cgroup file \"%s\" is missing", ppath),
								 errdetail("zvec ignores this cgroup level when detecting its limits.")));
						return false;
					case CGROUP_READ_BAD:
						return false;
				}
				if (!CgroupParseInt64(line, &period) || period <= 0)
				{
					CgroupLogGarbage(ppath, line);
					return false;
				}
				*limited = true;
				*limit = (double) value / (double) period;
				return true;
			}
	}
	CgroupLogGarbage(path, contents);
	return false;
}

/*
 * Read the limit file of a resource in the cgroup at cgpath and in each of
 * its ancestors up to the root of the hierarchy mounted at mount (relative
 * to zvec.cgroup_root), keeping the tightest limit.
 */
static void
CgroupWalkHierarchy(CgroupResource resource, const char *mount,
					const char *cgpath, CgroupWalk *walk)
{
	const char *file;
	char		level[MAXPGPATH];

	memset(walk, 0, sizeof(*walk));
	switch (resource)
	{
		case CGROUP_MEMORY_V1:
			file = "memory.limit_in_bytes";
			break;
		case CGROUP_MEMORY_V2:
			file = "memory.max";
			break;
		case CGROUP_CPU_V1:
			file = "cpu.cfs_quota_us";
			break;
		default:
			file = "cpu.max";
			break;
	}

	strlcpy(level, cgpath, sizeof(level));
	for (;;)
	{
		char		rel[MAXPGPATH];
		char		dir[MAXPGPATH];
		char		path[MAXPGPATH];
		char		line[ZVEC_CGROUP_LINE_MAX];
		char	   *slash;
		bool		limited;
		double		limit;
		bool		ok;

		ok = snprintf(rel, sizeof(rel), "%s%s", mount, level) < (int) sizeof(rel) &&
			CgroupMakePath(dir, rel) &&
			snprintf(path, sizeof(path), "%s/%s", dir, file) < (int) sizeof(path);
		if (!ok)
		{
			ereport(LOG,
					(errmsg("cgroup path \"%s\" is too long", level),
					 errdetail("zvec ignores this cgroup level when detecting its limits.")));
			walk->found_bad = true;
		}
		else
		{
			switch (CgroupReadLine(path, line, sizeof(line)))
			{
				case CGROUP_READ_OK:
					if (CgroupParseLimit(resource, dir, path, line, &limited, &limit))
					{
						walk->found_file = true;
						if (limited && (!walk->limited || limit < walk->limit))
						{
							walk->limited = true;
							walk->limit = limit;
							strlcpy(walk->limit_file, path, sizeof(walk->limit_file));
						}
					}
					else
						walk->found_bad = true;
					break;
				case CGROUP_READ_MISSING:
					break;
				case CGROUP_READ_BAD:
					walk->found_bad = true;
					break;
			}
		}

		/* go up one level; "/" is the last */
		if (strcmp(level, "/") == 0 || level[0] == '\0')
			break;
		slash = strrchr(level, '/');
		if (slash == NULL || slash == level)
			strcpy(level, "/");
		else
			*slash = '\0';
	}
}

/* True if the comma-separated controller list holds the given controller. */
static bool
CgroupHasController(const char *list, const char *controller)
{
	size_t		len = strlen(controller);
	const char *p = list;

	while (*p)
	{
		const char *comma = strchr(p, ',');
		size_t		itemlen = comma ? (size_t) (comma - p) : strlen(p);

		if (itemlen == len && strncmp(p, controller, len) == 0)
			return true;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return false;
}

/*
 * Parse <root>/proc/self/cgroup.  Returns false (after logging) if the file
 * cannot be read; malformed lines are logged and skipped.
 */
static bool
CgroupReadMembership(CgroupMembership *m, char *why, int whylen)
{
	char		path[MAXPGPATH];
	char		line[ZVEC_CGROUP_LINE_MAX];
	FILE	   *file;
	bool		logged_bad = false;

	memset(m, 0, sizeof(*m));
	if (!CgroupMakePath(path, "proc/self/cgroup"))
	{
		snprintf(why, whylen, "zvec.cgroup_root is too long");
		return false;
	}
	file = AllocateFile(path, "r");
	if (file == NULL)
	{
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\": %m", path),
				 errdetail("zvec falls back to the physical RAM and the online CPUs as its limits.")));
		snprintf(why, whylen, "could not read %s", path);
		return false;
	}
	while (fgets(line, sizeof(line), file) != NULL)
	{
		char	   *first;
		char	   *second;
		char	   *cgpath;
		char	   *p;
		bool		ok;

		CgroupTrim(line);
		if (line[0] == '\0')
			continue;
		first = strchr(line, ':');
		second = first ? strchr(first + 1, ':') : NULL;
		ok = (first != NULL && second != NULL && first > line &&
			  second[1] == '/' && strlen(second + 1) < MAXPGPATH &&
			  second - first - 1 < NAMEDATALEN);
		for (p = line; ok && p < first; p++)
			ok = isdigit((unsigned char) *p);
		if (!ok)
		{
			if (!logged_bad)
				ereport(LOG,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("could not parse line \"%s\" of file \"%s\"", line, path),
						 errdetail("zvec ignores the line when detecting its limits.")));
			logged_bad = true;
			continue;
		}
		*first = '\0';
		*second = '\0';
		cgpath = second + 1;

		if (strcmp(line, "0") == 0 && first[1] == '\0')
		{
			m->have_v2 = true;
			strlcpy(m->v2_path, cgpath, sizeof(m->v2_path));
			continue;
		}
		if (!m->have_v1_memory && CgroupHasController(first + 1, "memory"))
		{
			m->have_v1_memory = true;
			strlcpy(m->v1_memory_mount, first + 1, sizeof(m->v1_memory_mount));
			strlcpy(m->v1_memory_path, cgpath, sizeof(m->v1_memory_path));
		}
		if (!m->have_v1_cpu && CgroupHasController(first + 1, "cpu"))
		{
			m->have_v1_cpu = true;
			strlcpy(m->v1_cpu_mount, first + 1, sizeof(m->v1_cpu_mount));
			strlcpy(m->v1_cpu_path, cgpath, sizeof(m->v1_cpu_path));
		}
	}
	if (ferror(file))
	{
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not read file \"%s\": %m", path),
				 errdetail("zvec falls back to the physical RAM and the online CPUs as its limits.")));
		FreeFile(file);
		snprintf(why, whylen, "could not read %s", path);
		return false;
	}
	FreeFile(file);
	return true;
}

/* The physical RAM in bytes, or 0 if the system will not say. */
static int64
CgroupPhysicalMemory(void)
{
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
	long		pages = sysconf(_SC_PHYS_PAGES);
	long		pagesize = sysconf(_SC_PAGESIZE);

	if (pages > 0 && pagesize > 0)
		return (int64) pages * (int64) pagesize;
#endif
	return 0;
}

/* The online CPUs, at least 1. */
static double
CgroupOnlineCpus(void)
{
#ifdef _SC_NPROCESSORS_ONLN
	long		n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n > 0)
		return (double) n;
#endif
	return 1.0;
}

/* Work out the memory limit from the membership into limits. */
static void
CgroupDetectMemory(const CgroupMembership *m, CgroupLimits *limits)
{
	CgroupWalk	walk;
	const char *version;
	const char *cgpath;
	const char *file;
	char		mount[NAMEDATALEN + 32];

	limits->memory_kind = CGROUP_LIMIT_PHYSICAL;
	limits->memory_bytes = limits->physical_bytes;

	if (m->have_v1_memory)
	{
		version = "v1";
		cgpath = m->v1_memory_path;
		file = "memory.limit_in_bytes";
		snprintf(mount, sizeof(mount), "sys/fs/cgroup/%s", m->v1_memory_mount);
		CgroupWalkHierarchy(CGROUP_MEMORY_V1, mount, cgpath, &walk);
	}
	else if (m->have_v2)
	{
		version = "v2";
		cgpath = m->v2_path;
		file = "memory.max";
		strlcpy(mount, "sys/fs/cgroup", sizeof(mount));
		CgroupWalkHierarchy(CGROUP_MEMORY_V2, mount, cgpath, &walk);
	}
	else
	{
		char		path[MAXPGPATH];

		if (!CgroupMakePath(path, "proc/self/cgroup"))
			strlcpy(path, "/proc/self/cgroup", sizeof(path));
		ereport(LOG,
				(errmsg("no memory cgroup found in \"%s\"", path),
				 errdetail("zvec uses the physical RAM as its memory limit.")));
		snprintf(limits->memory_source, sizeof(limits->memory_source),
				 "physical RAM (no memory cgroup in /proc/self/cgroup)");
		return;
	}

	if (walk.limited && (int64) walk.limit < limits->physical_bytes)
	{
		limits->memory_kind = m->have_v1_memory ? CGROUP_LIMIT_V1 : CGROUP_LIMIT_V2;
		limits->memory_bytes = (int64) walk.limit;
		snprintf(limits->memory_source, sizeof(limits->memory_source),
				 "cgroup %s %s", version, walk.limit_file);
	}
	else if (walk.limited)
		snprintf(limits->memory_source, sizeof(limits->memory_source),
				 "physical RAM (cgroup %s limit in %s is larger)",
				 version, walk.limit_file);
	else if (walk.found_file)
		snprintf(limits->memory_source, sizeof(limits->memory_source),
				 "physical RAM (cgroup %s %s has no memory limit)",
				 version, cgpath);
	else
	{
		if (!walk.found_bad)
			ereport(LOG,
					(errmsg("no %s found for cgroup %s \"%s\"", file, version, cgpath),
					 errdetail("zvec uses the physical RAM as its memory limit.")));
		snprintf(limits->memory_source, sizeof(limits->memory_source),
				 "physical RAM (no usable %s for cgroup %s %s)",
				 file, version, cgpath);
	}
}

/* Work out the CPU limit from the membership into limits. */
static void
CgroupDetectCpu(const CgroupMembership *m, CgroupLimits *limits)
{
	CgroupWalk	walk;
	double		online = CgroupOnlineCpus();
	char		mount[NAMEDATALEN + 32];

	limits->cpus = online;
	if (m->have_v1_cpu)
	{
		snprintf(mount, sizeof(mount), "sys/fs/cgroup/%s", m->v1_cpu_mount);
		CgroupWalkHierarchy(CGROUP_CPU_V1, mount, m->v1_cpu_path, &walk);
	}
	else if (m->have_v2)
		CgroupWalkHierarchy(CGROUP_CPU_V2, "sys/fs/cgroup", m->v2_path, &walk);
	else
	{
		snprintf(limits->cpu_source, sizeof(limits->cpu_source),
				 "online CPUs (no cpu cgroup)");
		return;
	}

	if (walk.limited && walk.limit < online)
	{
		limits->cpus = walk.limit;
		snprintf(limits->cpu_source, sizeof(limits->cpu_source),
				 "cgroup %s %s", m->have_v1_cpu ? "v1" : "v2", walk.limit_file);
	}
	else
		snprintf(limits->cpu_source, sizeof(limits->cpu_source),
				 "online CPUs");
}

/* Detect all limits under the current zvec.cgroup_root into limits. */
static void
CgroupDetect(CgroupLimits *limits)
{
	CgroupMembership m;
	char		why[MAXPGPATH + 64];

	memset(limits, 0, sizeof(*limits));
	limits->physical_bytes = CgroupPhysicalMemory();
	if (limits->physical_bytes <= 0)
	{
		ereport(LOG,
				(errmsg("could not determine the physical RAM of this machine"),
				 errdetail("zvec's memory cap is then bounded only by zvec.memory_limit or a cgroup limit.")));
		limits->physical_bytes = ZVEC_CGROUP_V1_UNLIMITED;
	}

	if (!CgroupReadMembership(&m, why, sizeof(why)))
	{
		limits->memory_kind = CGROUP_LIMIT_PHYSICAL;
		limits->memory_bytes = limits->physical_bytes;
		snprintf(limits->memory_source, sizeof(limits->memory_source),
				 "physical RAM (%s)", why);
		limits->cpus = CgroupOnlineCpus();
		snprintf(limits->cpu_source, sizeof(limits->cpu_source),
				 "online CPUs (%s)", why);
		return;
	}
	CgroupDetectMemory(&m, limits);
	CgroupDetectCpu(&m, limits);
}

/*
 * The limits of this process, detected on first use and again whenever
 * zvec.cgroup_root has changed.  Never fails: oddities are logged.
 */
const CgroupLimits *
CgroupGetLimits(void)
{
	const char *root = zvec_cgroup_root ? zvec_cgroup_root : "/";

	if (!cgroup_cache_valid || strcmp(cgroup_cache_root, root) != 0)
	{
		CgroupDetect(&cgroup_cache);
		strlcpy(cgroup_cache_root, root, sizeof(cgroup_cache_root));
		cgroup_cache_valid = true;
	}
	return &cgroup_cache;
}

/* Forget the cached limits (zvec.cgroup_root was assigned). */
void
CgroupInvalidate(void)
{
	cgroup_cache_valid = false;
}
