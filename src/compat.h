/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  The one place where differences between PostgreSQL 13 and 17 live.
 *
 * zvec is written to PostgreSQL 15.  Anything that needs an #if on
 * PG_VERSION_NUM is wrapped here, so the rest of the tree reads as if there
 * were a single server version.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_COMPAT_H
#define ZVEC_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 130000
#error "zvec requires PostgreSQL 13 or later"
#endif

/* MarkGUCPrefixReserved() replaced EmitWarningsOnPlaceholders() in 15. */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/*
 * shmem_request_hook appeared in 15; before it, extensions requested
 * shared memory directly from _PG_init().
 */
#if PG_VERSION_NUM >= 150000
#define ZVEC_HAVE_SHMEM_REQUEST_HOOK 1
#endif

/* vacuum_delay_point() takes an "is_analyze" argument from 18 on. */
#if PG_VERSION_NUM >= 180000
#define ZvecVacuumDelayPoint() vacuum_delay_point(false)
#else
#define ZvecVacuumDelayPoint() vacuum_delay_point()
#endif

/*
 * ReadRecentBuffer() (pin a buffer if it still holds a given block)
 * appeared in 14; before, every hint is treated as stale.
 */
#if PG_VERSION_NUM >= 140000
#define ZVEC_HAVE_READ_RECENT_BUFFER 1
#define ZvecReadRecentBuffer(rel, fork, block, buffer) \
	ReadRecentBuffer((rel)->rd_node, (fork), (block), (buffer))
#else
#define ZVEC_HAVE_READ_RECENT_BUFFER 0
#define ZvecReadRecentBuffer(rel, fork, block, buffer) false
#endif

#endif							/* ZVEC_COMPAT_H */
