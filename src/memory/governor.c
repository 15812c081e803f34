/*-------------------------------------------------------------------------
 *
 * governor.c
 *	  Charge zvec's memory to a cap: accounted contexts and shared counters.
 *
 * Each accounted context has an account (allocated in the context itself)
 * holding what the operation has reserved, what it has pinned, and what is
 * charged for it now.  The charge moves only through GovernorAdjust(), which
 * meters the context with MemoryContextMemAllocated() and admits any growth
 * against zvec.memory_quota and the cap; a reset callback on the context
 * releases the whole charge when the context is reset or deleted, which
 * transaction abort does after an ERROR.
 *
 * A backend's charges add up in backend_charged.  With
 * shared_preload_libraries = 'zvec' a shared-memory block also keeps the
 * cluster total and one slot per process holding that process's charge.
 * Growth is admitted by a compare-and-swap on the total, so two backends
 * cannot both pass the cap with the same bytes.  A process gives its slot
 * back (and takes its charge off the total) in a before_shmem_exit callback,
 * so a backend that ends, even by FATAL, leaves nothing behind; one that
 * dies without running it (SIGKILL, a crash) makes the postmaster restart
 * the cluster, which creates the block afresh with a zero total.  Without
 * preloading there is no block and each backend holds its own charges to
 * the cap.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/memory/governor.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "lib/ilist.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "postmaster/autovacuum.h"
#include "replication/walsender.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "compat.h"
#include "guc.h"
#include "memory/memory.h"
#include "zvec.h"

#define ZVEC_MB		(INT64CONST(1024) * 1024)

/* The test aid allocates in steps of this size. */
#define ZVEC_TEST_CHARGE_STEP	((Size) ZVEC_MB)

/* One process's share of the cluster total. */
typedef struct GovernorSlot
{
	pg_atomic_uint32 pid;		/* owning process; 0 = free */
	pg_atomic_uint64 charged;	/* bytes that process has charged */
} GovernorSlot;

/* The shared block (only with shared_preload_libraries = 'zvec'). */
typedef struct GovernorShared
{
	pg_atomic_uint64 total;		/* sum of all slots' charges */
	int			nslots;
	GovernorSlot slots[FLEXIBLE_ARRAY_MEMBER];
} GovernorShared;

/* The governor's view of one accounted context. */
typedef struct GovernorAccount
{
	dlist_node	node;			/* in governor_accounts */
	MemoryContext context;		/* the accounted context */
	MemoryContextCallback callback; /* releases the charge on reset */
	char	   *operation;		/* e.g. index build "foo" */
	int			flags;			/* GOVERNOR_* */
	int64		baseline;		/* metered bytes when accounting began */
	int64		reserved;		/* the operation's estimate */
	int64		pinned;			/* mlocked bytes outside the context */
	int64		charged;		/* what is charged to the governor now */
} GovernorAccount;

#ifdef ZVEC_HAVE_SHMEM_REQUEST_HOOK
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static GovernorShared *governor_shared = NULL;
static int	governor_nslots = 0;
static GovernorSlot *governor_slot = NULL;	/* ours, once claimed */
static bool governor_exiting = false;

static int64 backend_charged = 0;
static int64 backend_pinned = 0;
static dlist_head governor_accounts = DLIST_STATIC_INIT(governor_accounts);

static MemoryContext governor_test_holds = NULL;

PG_FUNCTION_INFO_V1(zvec_memory_status);
PG_FUNCTION_INFO_V1(zvec_memory_test_charge);
PG_FUNCTION_INFO_V1(zvec_memory_test_release);

/* How many processes may hold a slot (every PGPROC-owning process). */
static int
GovernorSlotCount(void)
{
	if (MaxBackends > 0)
		return MaxBackends + NUM_AUXILIARY_PROCS;
	/* before 15, _PG_init runs before MaxBackends is computed */
	return MaxConnections + autovacuum_max_workers + 1 +
		max_worker_processes + max_wal_senders + NUM_AUXILIARY_PROCS;
}

/* Size of the shared block. */
static Size
GovernorShmemSize(void)
{
	if (governor_nslots == 0)
		governor_nslots = GovernorSlotCount();
	return add_size(offsetof(GovernorShared, slots),
					mul_size(governor_nslots, sizeof(GovernorSlot)));
}

#ifdef ZVEC_HAVE_SHMEM_REQUEST_HOOK
/* shmem_request_hook: ask for the shared block. */
static void
GovernorShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(GovernorShmemSize());
}
#endif

/* shmem_startup_hook: create (or, after a crash, recreate) the block. */
static void
GovernorShmemStartup(void)
{
	bool		found;
	int			i;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	governor_shared = ShmemInitStruct("zvec memory governor",
									  GovernorShmemSize(), &found);
	if (!found)
	{
		pg_atomic_init_u64(&governor_shared->total, 0);
		governor_shared->nslots = governor_nslots;
		for (i = 0; i < governor_nslots; i++)
		{
			pg_atomic_init_u32(&governor_shared->slots[i].pid, 0);
			pg_atomic_init_u64(&governor_shared->slots[i].charged, 0);
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/* before_shmem_exit: take this process's charge off the cluster total. */
static void
GovernorShmemExit(int code, Datum arg)
{
	if (governor_slot != NULL)
	{
		uint64		mine = pg_atomic_exchange_u64(&governor_slot->charged, 0);

		pg_atomic_fetch_sub_u64(&governor_shared->total, mine);
		pg_atomic_write_u32(&governor_slot->pid, 0);
		governor_slot = NULL;
	}
	governor_exiting = true;
}

/* Claim a free slot for this process (once). */
static void
GovernorClaimSlot(void)
{
	int			i;

	if (governor_slot != NULL)
		return;
	for (i = 0; i < governor_shared->nslots; i++)
	{
		GovernorSlot *slot = &governor_shared->slots[i];
		uint32		expected = 0;

		if (pg_atomic_read_u32(&slot->pid) == 0 &&
			pg_atomic_compare_exchange_u32(&slot->pid, &expected,
										   (uint32) MyProcPid))
		{
			pg_atomic_write_u64(&slot->charged, 0);
			governor_slot = slot;
			before_shmem_exit(GovernorShmemExit, (Datum) 0);
			return;
		}
	}
	elog(ERROR, "no free slot in the zvec memory governor's shared memory");
}

/* True if charges are summed across the cluster. */
bool
GovernorIsShared(void)
{
	return governor_shared != NULL;
}

/* The cap in bytes: zvec.memory_limit, or 80% (rounded down) of the limit. */
int64
GovernorMemoryCap(void)
{
	const CgroupLimits *limits = CgroupGetLimits();
	int64		detected = limits->memory_bytes;

	if (zvec_memory_limit > 0)
		return Min((int64) zvec_memory_limit * ZVEC_MB, detected);
	return detected / 5 * 4 + (detected % 5) * 4 / 5;
}

/* The quota in bytes, or -1 for none. */
int64
GovernorMemoryQuota(void)
{
	if (zvec_memory_quota < 0)
		return -1;
	return (int64) zvec_memory_quota * ZVEC_MB;
}

/*
 * What the cap is, in words: "100MB", "80% of the physical RAM", ...
 * (a static buffer, valid until the next call).
 */
const char *
GovernorDescribeCap(void)
{
	static char buf[64];
	const CgroupLimits *limits = CgroupGetLimits();

	if (zvec_memory_limit > 0)
	{
		if ((int64) zvec_memory_limit * ZVEC_MB > limits->memory_bytes)
			return "clamped to the detected memory limit";
		snprintf(buf, sizeof(buf), "%dMB", zvec_memory_limit);
		return buf;
	}
	switch (limits->memory_kind)
	{
		case CGROUP_LIMIT_V1:
			return "80% of the cgroup v1 memory limit";
		case CGROUP_LIMIT_V2:
			return "80% of the cgroup v2 memory limit";
		case CGROUP_LIMIT_PHYSICAL:
			break;
	}
	return "80% of the physical RAM";
}

/* "N bytes (pretty)" for messages, palloc'd. */
static char *
GovernorFormatBytes(int64 bytes)
{
	char	   *pretty;

	if (bytes < 10 * 1024)
		return psprintf("%lld bytes", (long long) bytes);
	pretty = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
																Int64GetDatum(bytes))));
	return psprintf("%lld bytes (%s)", (long long) bytes, pretty);
}

/* The accounted context that is context or its nearest ancestor, or NULL. */
static GovernorAccount *
GovernorLookup(MemoryContext context)
{
	MemoryContext c;
	dlist_iter	iter;

	for (c = context; c != NULL; c = c->parent)
	{
		dlist_foreach(iter, &governor_accounts)
		{
			GovernorAccount *acct = dlist_container(GovernorAccount, node, iter.cur);

			if (acct->context == c)
				return acct;
		}
	}
	return NULL;
}

/* The account of context (or of an ancestor); an error if there is none. */
static GovernorAccount *
GovernorFind(MemoryContext context)
{
	GovernorAccount *acct = GovernorLookup(context);

	if (acct == NULL)
		elog(ERROR, "memory context \"%s\" is not accounted by the zvec memory governor",
			 context->name);
	return acct;
}

/*
 * Bytes allocated in the account's context and its children, less those of
 * accounted contexts nested inside it (they are charged on their own).
 */
static int64
GovernorMeterRaw(GovernorAccount *acct)
{
	int64		bytes = (int64) MemoryContextMemAllocated(acct->context, true);
	dlist_iter	iter;

	dlist_foreach(iter, &governor_accounts)
	{
		GovernorAccount *other = dlist_container(GovernorAccount, node, iter.cur);

		if (other != acct && other->context->parent != NULL &&
			GovernorLookup(other->context->parent) == acct)
			bytes -= (int64) MemoryContextMemAllocated(other->context, true);
	}
	return bytes;
}

/* What the account's context holds now, beyond what it held at the start. */
static int64
GovernorMeter(GovernorAccount *acct)
{
	return Max(GovernorMeterRaw(acct) - acct->baseline, 0);
}

/* Take delta bytes off this backend's charge (and the cluster's). */
static void
GovernorRelease(int64 delta)
{
	backend_charged -= delta;
	Assert(backend_charged >= 0);
	if (governor_slot != NULL)
	{
		pg_atomic_fetch_sub_u64(&governor_shared->total, (uint64) delta);
		pg_atomic_write_u64(&governor_slot->charged, (uint64) backend_charged);
	}
}

/*
 * Add delta (> 0) bytes to this backend's charge if the total stays within
 * cap; otherwise set *in_use to the total charged against the cap and
 * return false.
 */
static bool
GovernorAdmit(int64 delta, int64 cap, int64 *in_use)
{
	if (governor_shared != NULL && !governor_exiting)
	{
		uint64		old;

		GovernorClaimSlot();
		old = pg_atomic_read_u64(&governor_shared->total);
		for (;;)
		{
			if ((int64) old + delta > cap)
			{
				*in_use = (int64) old;
				return false;
			}
			if (pg_atomic_compare_exchange_u64(&governor_shared->total, &old,
											   old + (uint64) delta))
				break;
		}
		backend_charged += delta;
		pg_atomic_write_u64(&governor_slot->charged, (uint64) backend_charged);
		return true;
	}
	if (backend_charged + delta > cap)
	{
		*in_use = backend_charged;
		return false;
	}
	backend_charged += delta;
	return true;
}

/* Raise SQLSTATE 53200 for an operation over zvec.memory_quota. */
static void
GovernorReportQuota(GovernorAccount *acct, int64 needed, int64 quota)
{
	long long	want_mb = (acct->charged + needed + ZVEC_MB - 1) / ZVEC_MB;

	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("zvec %s needs more memory than allowed", acct->operation),
			 errdetail("The operation needs %s more, but zvec.memory_quota allows %s per operation, and it already uses %s.",
					   GovernorFormatBytes(needed),
					   GovernorFormatBytes(quota),
					   GovernorFormatBytes(acct->charged)),
			 (acct->flags & GOVERNOR_SUGGEST_MMAP) ?
			 errhint("Set zvec.memory_quota to at least %lldMB, or build the index with storage = 'mmap'.",
					 want_mb) :
			 errhint("Set zvec.memory_quota to at least %lldMB, or to -1 to be bounded only by zvec.memory_limit.",
					 want_mb)));
}

/*
 * Raise SQLSTATE 53200 for an operation over the cap.  in_use is the
 * cluster total when preloaded, else this backend's total; the message
 * reads the same either way (zvec_memory_status() tells the mode).
 */
static void
GovernorReportCap(GovernorAccount *acct, int64 needed, int64 cap, int64 in_use)
{
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("zvec %s needs more memory than allowed", acct->operation),
			 errdetail("The operation needs %s more, but zvec memory is capped at %s, and %s are already in use.",
					   GovernorFormatBytes(needed),
					   GovernorFormatBytes(cap),
					   GovernorFormatBytes(in_use)),
			 (acct->flags & GOVERNOR_SUGGEST_MMAP) ?
			 errhint("Raise zvec.memory_limit (now %s), build the index with storage = 'mmap', or retry when other zvec operations have finished.",
					 GovernorDescribeCap()) :
			 errhint("Raise zvec.memory_limit (now %s), or retry when other zvec operations have finished.",
					 GovernorDescribeCap())));
}

/*
 * Move the account's charge to max(reserved, metered + grow) + pinned,
 * admitting any increase against the quota and the cap.  On success the
 * new reservation and pinned bytes are kept and true is returned; if the
 * increase does not fit, nothing changes and we return false, or raise
 * 53200 when error is true.
 */
static bool
GovernorAdjust(GovernorAccount *acct, int64 reserved, int64 grow,
			   int64 pinned, bool error)
{
	int64		target = Max(reserved, GovernorMeter(acct) + grow) + pinned;
	int64		delta = target - acct->charged;

	if (delta > 0)
	{
		int64		quota = GovernorMemoryQuota();
		int64		cap;
		int64		in_use;

		if ((acct->flags & GOVERNOR_QUOTA) && quota >= 0 && target > quota)
		{
			if (error)
				GovernorReportQuota(acct, delta, quota);
			return false;
		}
		cap = GovernorMemoryCap();
		if (!GovernorAdmit(delta, cap, &in_use))
		{
			if (error)
				GovernorReportCap(acct, delta, cap, in_use);
			return false;
		}
	}
	else if (delta < 0)
		GovernorRelease(-delta);

	acct->charged = target;
	acct->reserved = reserved;
	backend_pinned += pinned - acct->pinned;
	acct->pinned = pinned;
	return true;
}

/* Reset callback: the context is going away, so is its charge. */
static void
GovernorAccountReset(void *arg)
{
	GovernorAccount *acct = (GovernorAccount *) arg;

	if (acct->charged > 0)
		GovernorRelease(acct->charged);
	backend_pinned -= acct->pinned;
	acct->charged = 0;
	acct->pinned = 0;
	dlist_delete(&acct->node);
}

/*
 * Start accounting an existing context for an operation (a phrase such as
 * index build "foo", used in error messages).  Whatever the context already
 * holds is not charged; everything it gains from now on is.
 */
void
GovernorAttachContext(MemoryContext context, const char *operation, int flags)
{
	GovernorAccount *acct;
	dlist_iter	iter;

	dlist_foreach(iter, &governor_accounts)
	{
		if (dlist_container(GovernorAccount, node, iter.cur)->context == context)
			elog(ERROR, "memory context \"%s\" is already accounted by the zvec memory governor",
				 context->name);
	}

	acct = MemoryContextAllocZero(context, sizeof(GovernorAccount));
	acct->context = context;
	acct->operation = MemoryContextStrdup(context, operation);
	acct->flags = flags;
	acct->callback.func = GovernorAccountReset;
	acct->callback.arg = acct;
	dlist_push_head(&governor_accounts, &acct->node);
	acct->baseline = GovernorMeterRaw(acct);
	MemoryContextRegisterResetCallback(context, &acct->callback);
	if (context->ident == NULL)
		MemoryContextSetIdentifier(context, acct->operation);
}

/*
 * Create an AllocSet context under parent and account it for operation.
 * name must be a string constant, as for AllocSetContextCreate().
 */
MemoryContext
GovernorContextCreate(MemoryContext parent, const char *name,
					  const char *operation, int flags)
{
	MemoryContext context;

	context = AllocSetContextCreateInternal(parent, name,
											ALLOCSET_DEFAULT_MINSIZE,
											ALLOCSET_DEFAULT_INITSIZE,
											ALLOCSET_DEFAULT_MAXSIZE);
	GovernorAttachContext(context, operation, flags);
	return context;
}

/*
 * The contexts of one index scan: an accounted context for the operation
 * index scan "relname", and under it the context returned, where the scan
 * keeps its per-query state and which it may reset at each rescan without
 * ending the accounting (GovernorGrow() and GovernorRefresh() on it charge
 * the parent).  Delete both with GovernorScanContextDelete().
 */
MemoryContext
GovernorScanContextCreate(const char *name, Relation index)
{
	MemoryContext account;

	account = GovernorContextCreate(CurrentMemoryContext, name,
									psprintf("index scan \"%s\"",
											 RelationGetRelationName(index)),
									0);
	return AllocSetContextCreateInternal(account, name,
										 ALLOCSET_DEFAULT_MINSIZE,
										 ALLOCSET_DEFAULT_INITSIZE,
										 ALLOCSET_DEFAULT_MAXSIZE);
}

/* End a scan's accounting and free its memory. */
void
GovernorScanContextDelete(MemoryContext context)
{
	MemoryContextDelete(context->parent);
}

/*
 * Reserve the operation's estimated total before it starts work: ERROR 53200
 * at once if the estimate cannot fit.  Growth up to the reservation is then
 * already paid for.
 */
void
GovernorReserve(MemoryContext context, Size bytes)
{
	GovernorAccount *acct = GovernorFind(context);

	(void) GovernorAdjust(acct, (int64) bytes, 0, acct->pinned, true);
}

/*
 * May the operation grow by bytes?  If so the bytes are charged now (so no
 * other backend can take them) and true is returned; if not, false, with
 * nothing changed.
 */
bool
GovernorMayGrow(MemoryContext context, Size bytes)
{
	GovernorAccount *acct = GovernorFind(context);

	return GovernorAdjust(acct, acct->reserved, (int64) bytes, acct->pinned, false);
}

/* As GovernorMayGrow(), but ERROR 53200 when the growth does not fit. */
void
GovernorGrow(MemoryContext context, Size bytes)
{
	GovernorAccount *acct = GovernorFind(context);

	(void) GovernorAdjust(acct, acct->reserved, (int64) bytes, acct->pinned, true);
}

/* Re-meter the context; ERROR 53200 if what it holds now does not fit. */
void
GovernorRefresh(MemoryContext context)
{
	GovernorAccount *acct = GovernorFind(context);

	(void) GovernorAdjust(acct, acct->reserved, 0, acct->pinned, true);
}

/*
 * Charge bytes pinned (mlocked) outside the context to the operation;
 * ERROR 53200 if they do not fit.  Call before pinning.
 */
void
GovernorPin(MemoryContext context, Size bytes)
{
	GovernorAccount *acct = GovernorFind(context);

	(void) GovernorAdjust(acct, acct->reserved, 0,
						  acct->pinned + (int64) bytes, true);
}

/* Release bytes pinned earlier with GovernorPin() (after unpinning). */
void
GovernorUnpin(MemoryContext context, Size bytes)
{
	GovernorAccount *acct = GovernorFind(context);
	int64		pinned = Max(acct->pinned - (int64) bytes, 0);

	/* lowering a charge always succeeds */
	(void) GovernorAdjust(acct, acct->reserved, 0, pinned, false);
	if (acct->pinned != pinned)
	{
		/* the context has outgrown its charge: keep the old one, drop the pin */
		backend_pinned -= acct->pinned - pinned;
		acct->pinned = pinned;
	}
}

/* What is charged for the context's operation now. */
int64
GovernorContextCharged(MemoryContext context)
{
	return GovernorFind(context)->charged;
}

/* Bytes charged by this backend, pinned bytes included. */
int64
GovernorBackendCharged(void)
{
	return backend_charged;
}

/* Bytes this backend has pinned (mlocked) and charged. */
int64
GovernorBackendPinned(void)
{
	return backend_pinned;
}

/* Bytes charged in the whole cluster, or -1 without the shared block. */
int64
GovernorClusterCharged(void)
{
	if (governor_shared == NULL)
		return -1;
	return (int64) pg_atomic_read_u64(&governor_shared->total);
}

/*
 * Set up the governor.  Preloaded, it asks for its shared block and detects
 * the limits once in the postmaster, so every backend inherits them.
 */
void
GovernorInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;

#ifdef ZVEC_HAVE_SHMEM_REQUEST_HOOK
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = GovernorShmemRequest;
#else
	RequestAddinShmemSpace(GovernorShmemSize());
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = GovernorShmemStartup;

	(void) CgroupGetLimits();
}

/*
 * zvec_memory_status(): the detected limits, the cap and quota, and what is
 * charged in this backend and in the cluster.
 */
Datum
zvec_memory_status(PG_FUNCTION_ARGS)
{
	const CgroupLimits *limits = CgroupGetLimits();
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9];
	int64		quota = GovernorMemoryQuota();

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int64GetDatum(limits->memory_bytes);
	values[1] = CStringGetTextDatum(limits->memory_source);
	values[2] = Float8GetDatum(limits->cpus);
	values[3] = Int64GetDatum(GovernorMemoryCap());
	values[4] = Int64GetDatum(quota);
	nulls[4] = (quota < 0);
	values[5] = Int64GetDatum(backend_charged);
	values[6] = Int64GetDatum(GovernorClusterCharged());
	nulls[6] = (governor_shared == NULL);
	values[7] = CStringGetTextDatum(governor_shared ? "shared" : "per-backend");
	values[8] = Int64GetDatum(backend_pinned);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* Refuse the test aids to anyone but a superuser. */
static void
GovernorTestCheckPrivilege(const char *function)
{
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function %s", function),
				 errdetail("Only superusers may charge memory for tests.")));
}

/*
 * zvec_memory_test_charge(bytes, estimate, hold): a test aid that behaves
 * like an index build.  It opens an accounted context with the build's
 * flags, reserves estimate (default: bytes) before any work, then allocates
 * bytes in 1 MB steps, asking the governor before each step.  With hold the
 * context (and its charge) is kept until zvec_memory_test_release() or the
 * end of the session; otherwise it is deleted at once.  Returns the bytes
 * charged for it at the end.
 */
Datum
zvec_memory_test_charge(PG_FUNCTION_ARGS)
{
	int64		bytes;
	int64		estimate;
	bool		hold;
	int64		done;
	int64		charged;
	MemoryContext context;

	GovernorTestCheckPrivilege("zvec_memory_test_charge");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("bytes and hold must not be null")));
	bytes = PG_GETARG_INT64(0);
	estimate = PG_ARGISNULL(1) ? bytes : PG_GETARG_INT64(1);
	hold = PG_GETARG_BOOL(2);
	if (bytes < 0 || estimate < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bytes and estimate must not be negative")));

	context = GovernorContextCreate(CurrentMemoryContext,
									"zvec memory test charge",
									"memory test charge",
									GOVERNOR_QUOTA);
	GovernorReserve(context, (Size) estimate);
	for (done = 0; done < bytes;)
	{
		Size		step = (Size) Min(bytes - done, (int64) ZVEC_TEST_CHARGE_STEP);

		CHECK_FOR_INTERRUPTS();
		GovernorGrow(context, step);
		(void) MemoryContextAlloc(context, step);
		done += step;
	}
	GovernorRefresh(context);
	charged = GovernorContextCharged(context);

	if (hold)
	{
		if (governor_test_holds == NULL)
			governor_test_holds = AllocSetContextCreate(TopMemoryContext,
														"zvec memory test holds",
														ALLOCSET_SMALL_SIZES);
		MemoryContextSetParent(context, governor_test_holds);
	}
	else
		MemoryContextDelete(context);

	PG_RETURN_INT64(charged);
}

/*
 * zvec_memory_test_release(): drop every charge held by
 * zvec_memory_test_charge(..., hold => true); returns the bytes released.
 */
Datum
zvec_memory_test_release(PG_FUNCTION_ARGS)
{
	int64		before = backend_charged;

	GovernorTestCheckPrivilege("zvec_memory_test_release");
	if (governor_test_holds != NULL)
		MemoryContextDeleteChildren(governor_test_holds);
	PG_RETURN_INT64(before - backend_charged);
}
