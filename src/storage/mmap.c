/*-------------------------------------------------------------------------
 *
 * mmap.c
 *	  The "mmap" storage backend: a read-optimised side file over the relation.
 *
 * Durability design.  The WAL-logged relation stays the only source of
 * truth: every write of an mmap store goes through the bufferpool backend
 * (generic WAL, so crash recovery, standbys and base backups need nothing
 * new).  The side file is an immutable image of the records as they were
 * after some number B of record changes; once renamed into place it is
 * never written again, so it can never hold a change whose WAL was lost
 * (no phantom rows) and a reader can never see a torn record.  What changed
 * after the image was taken is known from the relation itself: every mmap
 * write batch also locks the metadata page and appends the slots it changes
 * to a ring of slot numbers kept in the unused tail of that page, with a
 * 64-bit change counter C, in the same generic WAL record as the change.
 * A reader copies the ring entries (B, C] once per store open; records
 * named there, and slots beyond the image, are read through the buffer
 * pool, every other record by pointer into the mapping.  If the ring has
 * wrapped past B, the build identity differs, or the file is missing,
 * truncated, stale or fails its checksums, the store reads everything
 * through the buffer pool and the image is rebuilt from the relation.
 *
 * Why this and not write-through or a WAL resource manager: write-through
 * would make the file run ahead of the WAL (a crash then leaves phantoms
 * unless every restart rebuilds everything) and lets lock-free readers
 * see half-written records; a resource manager must be preloaded on every
 * standby and still cannot make the file crash-consistent without fsyncs
 * per change.  Here crash safety, standbys, promotion and point-in-time
 * recovery all follow from the relation: after any of them the ring and
 * counter are whatever WAL replay left, and an image is only trusted if
 * its B and build id still fit.  Before an image is published the WAL
 * covering every page it copied is flushed (on a standby, the minimum
 * recovery point is advanced instead), so no crash can take the relation
 * back behind an image.  A standby rebuilds its own images from replayed
 * pages.  The price: batches of an mmap index serialise on the metadata
 * page, and after about MMAP_RING_SIZE record changes an image must be
 * rebuilt (one sequential pass), so mmap suits read-mostly indexes.
 *
 * The file: a header page (magic, version, relfilenode, build id, B,
 * record size and count, and a CRC-32C of itself and of the chunk CRCs),
 * the records at a 64-byte stride, then a CRC-32C of every 1 MB chunk of
 * records.  Chunks are checked the first time a backend reads them (all at
 * once under zvec.mmap_warmup = populate).  The file lives in the index's
 * database directory, so DROP DATABASE removes it, and its name starts
 * with "pgsql_tmp" so base backups, pg_checksums and pg_rewind skip it:
 * it is derived data that each server builds for itself.  Side files of
 * relfilenodes that a transaction drops (DROP, TRUNCATE, REINDEX, VACUUM
 * FULL, SET TABLESPACE) or whose creation it rolls back are unlinked by a
 * transaction callback from core's list of pending file deletions; files
 * left behind by a crash are swept when another image is written.
 *
 * Mappings are cached per backend and checked against the file (inode,
 * size, times) on every open; each lives in a memory context whose reset
 * callback unmaps (and unlocks) it, created under the transaction's
 * context and moved to the cache only once complete, so an ERROR never
 * leaks one.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/storage/mmap.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "access/xlogrecovery.h"
#include "catalog/storage.h"
#include "common/relpath.h"
#include "lib/ilist.h"
#include "miscadmin.h"
#include "port/pg_crc32c.h"
#include "storage/bufmgr.h"
#include "storage/fd.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relfilenodemap.h"
#include "utils/timestamp.h"

#include "guc.h"
#include "memory/memory.h"
#include "storage/mmap_file.h"
#include "storage/store.h"
#include "storage/store_int.h"
#include "zvec.h"

/* Where the mmap backend's part of the metadata page starts (contents). */
#define MMAP_META_TAIL_OFFSET	MAXALIGN(STORE_META_AREA_OFFSET + STORE_META_AREA_SIZE)

/* "zRNG": the metadata tail has been initialised by the mmap backend. */
#define MMAP_TAIL_MAGIC			0x7A524E47

/* The heavyweight page lock (on the index) that serialises rebuilds. */
#define MMAP_REBUILD_LOCK_BLOCK	((BlockNumber) 0xFFFFFFFE)

/* Most mappings a backend keeps cached. */
#define MMAP_CACHE_MAX			64

/* Seconds before a backend retries an image write that failed. */
#define MMAP_RETRY_SECS			60

/* Side files older than this may be swept when their index is gone. */
#define MMAP_SWEEP_MIN_AGE_SECS	60

/* Side file names: pgsql_tmp_zvec_<relfilenode>[.tmp] in the database dir. */
#define MMAP_FILE_PREFIX		PG_TEMP_FILE_PREFIX "_zvec_"

/* The mmap backend's part of block 0, after the access method's area. */
typedef struct MmapMetaTail
{
	uint32		magic;			/* MMAP_TAIL_MAGIC */
	uint32		ring_size;		/* entries in ring[] */
	uint64		build_id;		/* random, set by each build */
	uint64		changes;		/* record changes since the build */
	StoreSlot	ring[FLEXIBLE_ARRAY_MEMBER];	/* change c at ring[c % size] */
} MmapMetaTail;

/* Ring entries that fit in the rest of the metadata page. */
#define MMAP_RING_SIZE \
	((STORE_PAGE_USABLE - MMAP_META_TAIL_OFFSET - offsetof(MmapMetaTail, ring)) / \
	 sizeof(StoreSlot))

/* pd_lower of an mmap metadata page: everything is data. */
#define MMAP_META_PD_LOWER \
	(MAXALIGN(SizeOfPageHeaderData) + MMAP_META_TAIL_OFFSET + \
	 offsetof(MmapMetaTail, ring) + MMAP_RING_SIZE * sizeof(StoreSlot))

StaticAssertDecl(MMAP_RING_SIZE >= 1024,
				 "the change ring must hold at least 1024 entries");

/* One mapped side file, cached for the life of the backend. */
typedef struct MmapImage
{
	RelFileNode rnode;
	struct stat st;				/* identity of the file when mapped */
	char	   *addr;			/* the mapping, or NULL */
	Size		map_size;
	const MmapFileHeader *header;
	const pg_crc32c *crcs;		/* one per chunk */
	const char *records;
	Size		stride;
	StoreSlot	nslots;
	uint64		build_id;
	uint64		changes;
	uint8	   *verified;		/* per chunk: 0 unchecked, 1 good */
	bool		corrupt;		/* a chunk failed its CRC */
	int			warmed;			/* ZvecMmapWarmup level applied */
	Size		locked;			/* bytes mlocked and pinned */
	int			pins;			/* open stores of this transaction using it */
	bool		doomed;			/* out of the cache; free when unpinned */
	dlist_node	doomed_node;	/* in mmap_doomed while doomed */
	MemoryContext context;		/* owns this entry; deleting it unmaps */
	MemoryContextCallback callback;
} MmapImage;

/* A small set of slot numbers (open addressing). */
typedef struct MmapSlotSet
{
	MemoryContext context;		/* where keys live: the store's context */
	uint32		mask;
	uint32		count;
	StoreSlot  *keys;
} MmapSlotSet;

/* Backend state of one open mmap store. */
typedef struct MmapState
{
	Store		shadow;			/* the bufferpool store underneath */
	bool		prepared;		/* image chosen and ring read */
	MmapImage  *image;			/* the image in use, or NULL: bypass */
	const char *records;		/* image->records, for the hot path */
	Size		stride;
	StoreSlot	image_nslots;
	uint64		base;			/* image->changes */
	uint64		seen;			/* ring read up to this change */
	MmapSlotSet changed;		/* slots changed after the image */
	Store	   *outer;			/* the store the access method holds */
	/* build state */
	struct MmapWriter *writer;
} MmapState;

/* Writes a new side file (build or rebuild) and publishes it. */
typedef struct MmapWriter
{
	char		path[MAXPGPATH];
	char		tmppath[MAXPGPATH];
	int			fd;
	bool		failed;			/* an I/O error was reported; give up */
	pg_crc32c  *crcs;			/* CRC of each chunk written */
	Size		crcs_cap;
	char	   *chunk;			/* the chunk being filled */
	Size		chunk_used;
	uint32		nchunks;
	uint64		data_size;
	Size		stride;
	uint32		nslots;
} MmapWriter;

/* Per-backend cache of mappings. */
static MemoryContext mmap_cache_context = NULL;
static MmapImage *mmap_cache[MMAP_CACHE_MAX];
static int	mmap_cache_count = 0;

/* Images out of the cache but still used by open stores. */
static dlist_head mmap_doomed = DLIST_STATIC_INIT(mmap_doomed);

/* Per-backend memory of failed image writes: (relfilenode, when). */
static RelFileNode mmap_failed_rnode;
static TimestampTz mmap_failed_at = 0;

static bool mmap_callbacks_registered = false;

/* The MmapState that owns a shadow store (write batches carry the shadow). */
static inline MmapState *
MmapStateOfShadow(Store *shadow)
{
	return (MmapState *) ((char *) shadow - offsetof(MmapState, shadow));
}

static void MmapImageUnpin(MmapImage *img);
static void MmapDropFiles(const RelFileNode *rnode);

/* The mmap tail of a metadata page. */
static inline MmapMetaTail *
MmapPageTail(Page page)
{
	return (MmapMetaTail *) (PageGetContents(page) + MMAP_META_TAIL_OFFSET);
}

/* Whether side files apply to this relation (not temporary, main fork). */
static inline bool
MmapRelationHasImage(Relation index, ForkNumber fork)
{
	return fork == MAIN_FORKNUM && !RelationUsesLocalBuffers(index);
}

/* The side file path of a relfilenode (relative to the data directory). */
static void
MmapFilePath(const RelFileNode *rnode, char *path, bool tmp)
{
	char	   *dir = GetDatabasePath(rnode->dbNode, rnode->spcNode);

	snprintf(path, MAXPGPATH, "%s/%s%u%s", dir, MMAP_FILE_PREFIX,
			 rnode->relNode, tmp ? ".tmp" : "");
	pfree(dir);
}

/* ---------------------------------------------------------------------
 * Slot sets
 * ---------------------------------------------------------------------
 */

/* Empty a set, sized for about expected members. */
static void
MmapSlotSetInit(MmapSlotSet *set, uint64 expected)
{
	uint32		cap = 16;

	while (cap < expected * 2 && cap < (1U << 30))
		cap <<= 1;
	if (set->keys != NULL)
		pfree(set->keys);
	set->keys = MemoryContextAlloc(set->context, sizeof(StoreSlot) * cap);
	memset(set->keys, 0xFF, sizeof(StoreSlot) * cap);
	set->mask = cap - 1;
	set->count = 0;
}

/* Hash a slot number into a set. */
static inline uint32
MmapSlotHash(StoreSlot slot)
{
	return slot * 0x9E3779B1U;
}

/* Is the slot in the set? */
static inline bool
MmapSlotSetContains(const MmapSlotSet *set, StoreSlot slot)
{
	uint32		i = MmapSlotHash(slot) & set->mask;

	for (;;)
	{
		StoreSlot	k = set->keys[i];

		if (k == slot)
			return true;
		if (k == STORE_INVALID_SLOT)
			return false;
		i = (i + 1) & set->mask;
	}
}

/* Add a slot to the set, growing it when half full. */
static void
MmapSlotSetAdd(MmapSlotSet *set, StoreSlot slot)
{
	uint32		i;

	if (set->keys == NULL)
		MmapSlotSetInit(set, 8);
	if (slot == STORE_INVALID_SLOT || MmapSlotSetContains(set, slot))
		return;
	if ((set->count + 1) * 2 > set->mask + 1)
	{
		StoreSlot  *old = set->keys;
		uint32		oldcap = set->mask + 1;
		uint32		j;

		set->keys = NULL;
		MmapSlotSetInit(set, oldcap);
		for (j = 0; j < oldcap; j++)
		{
			if (old[j] != STORE_INVALID_SLOT)
				MmapSlotSetAdd(set, old[j]);
		}
		pfree(old);
	}
	i = MmapSlotHash(slot) & set->mask;
	while (set->keys[i] != STORE_INVALID_SLOT)
		i = (i + 1) & set->mask;
	set->keys[i] = slot;
	set->count++;
}

/* ---------------------------------------------------------------------
 * The mapping cache
 * ---------------------------------------------------------------------
 */

/* Reset callback of an image's context: unlock, unpin and unmap it. */
static void
MmapImageRelease(void *arg)
{
	MmapImage  *img = (MmapImage *) arg;

	if (img->addr == NULL)
		return;
	if (img->locked > 0)
	{
		(void) munlock(img->addr, img->map_size);
		GovernorUnpin(img->context, img->locked);
		img->locked = 0;
	}
	(void) munmap(img->addr, img->map_size);
	img->addr = NULL;
}

/*
 * Take an image out of the cache; it is unmapped now, or when the last
 * open store using it lets go (at the latest at transaction end).
 */
static void
MmapCacheRemove(int i)
{
	MmapImage  *img = mmap_cache[i];

	mmap_cache[i] = mmap_cache[--mmap_cache_count];
	if (img->pins > 0)
	{
		img->doomed = true;
		dlist_push_tail(&mmap_doomed, &img->doomed_node);
	}
	else
		MemoryContextDelete(img->context);
}

/* A store stops using an image. */
static void
MmapImageUnpin(MmapImage *img)
{
	Assert(img->pins > 0);
	if (--img->pins > 0 || !img->doomed)
		return;
	dlist_delete(&img->doomed_node);
	MemoryContextDelete(img->context);
}

/*
 * Transaction end: no store survives it, so drop every pin (stores that
 * an ERROR abandoned never unpinned) and unmap the doomed images.
 */
static void
MmapImagesEndXact(void)
{
	int			i;

	for (i = 0; i < mmap_cache_count; i++)
		mmap_cache[i]->pins = 0;
	while (!dlist_is_empty(&mmap_doomed))
	{
		MmapImage  *img = dlist_container(MmapImage, doomed_node,
										  dlist_pop_head_node(&mmap_doomed));

		MemoryContextDelete(img->context);
	}
}

/* The cached image of a relfilenode, if any. */
static int
MmapCacheFind(const RelFileNode *rnode)
{
	int			i;

	for (i = 0; i < mmap_cache_count; i++)
	{
		if (RelFileNodeEquals(mmap_cache[i]->rnode, *rnode))
			return i;
	}
	return -1;
}

/* Forget the cached image of a relfilenode, if any. */
static void
MmapCacheForget(const RelFileNode *rnode)
{
	int			i = MmapCacheFind(rnode);

	if (i >= 0)
		MmapCacheRemove(i);
}

/* Whether the file still is what was mapped. */
static inline bool
MmapSameFile(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
		a->st_size == b->st_size &&
		a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
		a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
		a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
		a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Log why a side file is not used, and remove it so it gets rebuilt. */
static void
MmapDiscardFile(const char *path, const char *why)
{
	ereport(LOG,
			(errmsg("zvec side file \"%s\" is not usable: %s", path, why),
			 errdetail("The index is read through the buffer pool until the file is rebuilt.")));
	if (unlink(path) != 0 && errno != ENOENT)
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", path)));
}

/* Check the CRC of one chunk of records; false if it does not match. */
static bool
MmapVerifyChunk(MmapImage *img, uint32 chunk)
{
	if (!MmapFileCheckChunk(img->addr, chunk))
		return false;
	img->verified[chunk] = 1;
	return true;
}

/*
 * Make sure the chunks holding bytes [offset, offset + len) of the records
 * passed their CRC; on a mismatch the image is marked corrupt, its file
 * removed, and false returned.
 */
static bool
MmapImageCheckRange(MmapImage *img, Size offset, Size len)
{
	uint32		first = offset / MMAP_CHUNK_SIZE;
	uint32		last = (offset + len - 1) / MMAP_CHUNK_SIZE;
	uint32		c;

	if (img->corrupt)
		return false;
	for (c = first; c <= last; c++)
	{
		if (img->verified[c])
			continue;
		if (!MmapVerifyChunk(img, c))
		{
			char		path[MAXPGPATH];

			img->corrupt = true;
			MmapFilePath(&img->rnode, path, false);
			MmapDiscardFile(path, psprintf("records chunk %u fails its checksum", c));
			return false;
		}
	}
	return true;
}

/*
 * Apply zvec.mmap_warmup and zvec.mmap_lock to an image (again when the
 * settings changed since).  Returns false if a populate pass found the
 * image corrupt.
 */
static bool
MmapImageApplySettings(MmapImage *img)
{
	if (img->warmed < zvec_mmap_warmup)
	{
		if (zvec_mmap_warmup >= ZVEC_MMAP_WARMUP_PREFETCH)
		{
#ifdef MADV_WILLNEED
			(void) madvise(img->addr, img->map_size, MADV_WILLNEED);
#endif
		}
		if (zvec_mmap_warmup == ZVEC_MMAP_WARMUP_POPULATE && img->header->data_size > 0)
		{
			uint32		c;

			/* reading every chunk for its CRC faults every page in */
			for (c = 0; c < img->header->nchunks; c++)
			{
				CHECK_FOR_INTERRUPTS();
				if (!MmapImageCheckRange(img, (Size) c * MMAP_CHUNK_SIZE, 1))
					return false;
			}
		}
		img->warmed = zvec_mmap_warmup;
	}

	if (zvec_mmap_lock != ZVEC_MMAP_LOCK_OFF && img->locked == 0)
	{
		GovernorPin(img->context, img->map_size);
		if (mlock(img->addr, img->map_size) != 0)
		{
			int			save_errno = errno;

			GovernorUnpin(img->context, img->map_size);
			errno = save_errno;
			ereport(zvec_mmap_lock == ZVEC_MMAP_LOCK_ON ? ERROR : WARNING,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("could not lock %zu bytes of zvec side file for relfilenode %u in memory: %m",
							img->map_size, img->rnode.relNode),
					 errhint("Raise the server's RLIMIT_MEMLOCK (ulimit -l, or LimitMEMLOCK in its systemd unit), grant it CAP_IPC_LOCK, or set zvec.mmap_lock = off.")));
		}
		else
			img->locked = img->map_size;
	}
	else if (zvec_mmap_lock == ZVEC_MMAP_LOCK_OFF && img->locked > 0)
	{
		(void) munlock(img->addr, img->map_size);
		GovernorUnpin(img->context, img->locked);
		img->locked = 0;
	}
	return true;
}

/*
 * Map the side file of a relfilenode and check its header; NULL (after
 * removing the file, if it exists but is not valid) when it cannot be used.
 */
static MmapImage *
MmapImageMap(const RelFileNode *rnode, const char *path, const struct stat *st,
			 Size record_size)
{
	MemoryContext context;
	MmapImage  *img;
	const MmapFileHeader *h;
	int			fd;
	void	   *addr;
	const char *why;

	if (st->st_size < (off_t) sizeof(MmapFileHeader))
	{
		MmapDiscardFile(path, "it is shorter than its header");
		return NULL;
	}

	/* A transaction-lifetime parent until the image is complete. */
	context = GovernorContextCreate(CurTransactionContext, "zvec mmap image",
									psprintf("side file of relfilenode %u", rnode->relNode), 0);
	img = MemoryContextAllocZero(context, sizeof(MmapImage));
	img->context = context;
	img->rnode = *rnode;
	img->st = *st;
	img->callback.func = MmapImageRelease;
	img->callback.arg = img;
	MemoryContextRegisterResetCallback(context, &img->callback);

	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not open file \"%s\": %m", path)));
		MemoryContextDelete(context);
		return NULL;
	}
	addr = mmap(NULL, (size_t) st->st_size, PROT_READ, MAP_SHARED, fd, 0);
	CloseTransientFile(fd);
	if (addr == MAP_FAILED)
	{
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not map file \"%s\": %m", path)));
		MemoryContextDelete(context);
		return NULL;
	}
	img->addr = addr;
	img->map_size = (Size) st->st_size;
	h = (const MmapFileHeader *) addr;

	/* Header: identity, arithmetic, then its CRC. */
	why = MmapFileCheckHeader(addr, (uint64) st->st_size, rnode->spcNode,
							  rnode->dbNode, rnode->relNode, record_size);
	if (why != NULL)
	{
		MemoryContextDelete(context);
		MmapDiscardFile(path, why);
		return NULL;
	}

	img->header = h;
	img->crcs = (const pg_crc32c *) ((const char *) addr + h->crc_offset);
	img->records = (const char *) addr + h->data_offset;
	img->stride = h->stride;
	img->nslots = h->nslots;
	img->build_id = h->build_id;
	img->changes = h->changes;
	img->verified = MemoryContextAllocZero(context, Max(h->nchunks, 1));
	img->warmed = ZVEC_MMAP_WARMUP_OFF;

	if (!MmapImageApplySettings(img))
	{
		MemoryContextDelete(context);
		return NULL;
	}

	/* Complete: hand it to the cache, evicting the oldest if full. */
	if (mmap_cache_context == NULL)
		mmap_cache_context = AllocSetContextCreate(TopMemoryContext,
												   "zvec mmap images",
												   ALLOCSET_SMALL_SIZES);
	if (mmap_cache_count == MMAP_CACHE_MAX)
	{
		int			victim = 0;
		int			i;

		/* the first image no open store uses, else the first one */
		for (i = 0; i < mmap_cache_count; i++)
		{
			if (mmap_cache[i]->pins == 0)
			{
				victim = i;
				break;
			}
		}
		MmapCacheRemove(victim);
	}
	MemoryContextSetParent(context, mmap_cache_context);
	mmap_cache[mmap_cache_count++] = img;
	return img;
}

/*
 * The current image of a relfilenode: the cached mapping if the file is
 * unchanged, else a fresh mapping; NULL if there is no usable file.
 */
static MmapImage *
MmapImageGet(const RelFileNode *rnode, Size record_size)
{
	char		path[MAXPGPATH];
	struct stat st;
	int			i;

	MmapFilePath(rnode, path, false);
	i = MmapCacheFind(rnode);
	if (stat(path, &st) != 0)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not stat file \"%s\": %m", path)));
		if (i >= 0)
			MmapCacheRemove(i);
		return NULL;
	}
	if (i >= 0)
	{
		MmapImage  *img = mmap_cache[i];

		if (MmapSameFile(&img->st, &st) && !img->corrupt &&
			img->header->record_size == record_size)
		{
			if (!MmapImageApplySettings(img))
			{
				MmapCacheRemove(i);
				return NULL;
			}
			return img;
		}
		MmapCacheRemove(i);
	}
	return MmapImageMap(rnode, path, &st, record_size);
}

/* ---------------------------------------------------------------------
 * Writing side files
 * ---------------------------------------------------------------------
 */

/* Report a failed write of a side file once and give up on it. */
static void
MmapWriterFail(MmapWriter *mw, const char *what)
{
	if (!mw->failed)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not %s zvec side file \"%s\": %m", what, mw->tmppath),
				 errdetail("The index stays correct and is read through the buffer pool.")));
	mw->failed = true;
}

/* Start writing a side file for records of record_size bytes. */
static MmapWriter *
MmapWriterBegin(const RelFileNode *rnode, Size record_size)
{
	MmapWriter *mw = palloc0(sizeof(MmapWriter));

	MmapFilePath(rnode, mw->path, false);
	MmapFilePath(rnode, mw->tmppath, true);
	mw->stride = TYPEALIGN(MMAP_RECORD_ALIGN, record_size);
	mw->crcs_cap = 64;
	mw->crcs = palloc(mw->crcs_cap * sizeof(pg_crc32c));
	mw->chunk = palloc0(MMAP_CHUNK_SIZE);
	mw->fd = OpenTransientFilePerm(mw->tmppath, O_CREAT | O_TRUNC | O_WRONLY | PG_BINARY,
								   S_IRUSR | S_IWUSR);
	if (mw->fd < 0)
		MmapWriterFail(mw, "create");
	return mw;
}

/* Write bytes at an offset of the side file (once failed, do nothing). */
static void
MmapWriterWrite(MmapWriter *mw, const void *data, Size len, uint64 offset)
{
	if (mw->failed)
		return;
	errno = 0;
	if (pg_pwrite(mw->fd, data, len, (off_t) offset) != (ssize_t) len)
	{
		if (errno == 0)
			errno = ENOSPC;
		MmapWriterFail(mw, "write");
	}
}

/* Write out the chunk being filled and keep its CRC. */
static void
MmapWriterFlushChunk(MmapWriter *mw)
{
	pg_crc32c	crc;

	if (mw->chunk_used == 0)
		return;
	if (mw->nchunks == mw->crcs_cap)
	{
		mw->crcs_cap *= 2;
		mw->crcs = repalloc(mw->crcs, mw->crcs_cap * sizeof(pg_crc32c));
	}
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, mw->chunk, mw->chunk_used);
	FIN_CRC32C(crc);
	mw->crcs[mw->nchunks] = crc;
	MmapWriterWrite(mw, mw->chunk, mw->chunk_used,
					MMAP_DATA_ALIGN + (uint64) mw->nchunks * MMAP_CHUNK_SIZE);
	mw->nchunks++;
	mw->chunk_used = 0;
}

/* Append one record (padded to the image stride) to the side file. */
static void
MmapWriterAppend(MmapWriter *mw, const char *record, Size record_size)
{
	Size		done = 0;

	while (done < mw->stride)
	{
		Size		n = Min(mw->stride - done, MMAP_CHUNK_SIZE - mw->chunk_used);

		if (done < record_size)
		{
			Size		c = Min(n, record_size - done);

			memcpy(mw->chunk + mw->chunk_used, record + done, c);
			if (c < n)
				memset(mw->chunk + mw->chunk_used + c, 0, n - c);
		}
		else
			memset(mw->chunk + mw->chunk_used, 0, n);
		mw->chunk_used += n;
		done += n;
		if (mw->chunk_used == MMAP_CHUNK_SIZE)
			MmapWriterFlushChunk(mw);
	}
	mw->data_size += mw->stride;
	mw->nslots++;
}

/* Free a writer's memory (its file must be finished or abandoned). */
static void
MmapWriterFree(MmapWriter *mw)
{
	pfree(mw->crcs);
	pfree(mw->chunk);
	pfree(mw);
}

/* Close and remove an unfinished side file. */
static void
MmapWriterAbandon(MmapWriter *mw)
{
	if (mw->fd >= 0)
		CloseTransientFile(mw->fd);
	mw->fd = -1;
	(void) unlink(mw->tmppath);
}

/*
 * The end of all WAL inserted so far, as a flush target.
 *
 * GetXLogInsertRecPtr() gives where the next record would start; when the
 * last record ended exactly at a page boundary that is just past the next
 * page's header, where no WAL exists yet, and XLogFlush() of it fails with
 * "xlog flush request ... is not satisfied".  Back up to the page start,
 * which is the end of the last record, in that case.
 */
static XLogRecPtr
MmapInsertedWalEnd(void)
{
	XLogRecPtr	ptr = GetXLogInsertRecPtr();
	uint32		off = (uint32) (ptr % XLOG_BLCKSZ);

	if (XLogSegmentOffset(ptr, wal_segment_size) == SizeOfXLogLongPHD ||
		(off == SizeOfXLogShortPHD &&
		 XLogSegmentOffset(ptr, wal_segment_size) != SizeOfXLogShortPHD))
		ptr -= off;
	return ptr;
}

/*
 * Finish a side file: the chunk CRCs after the records, the header in
 * front; flush the WAL up to flush_lsn, so that no crash can take the
 * relation back behind the image; rename the file into place.  Returns
 * true if the image was published.
 */
static bool
MmapWriterFinish(MmapWriter *mw, const RelFileNode *rnode, Size record_size,
				 uint64 build_id, uint64 changes, XLogRecPtr flush_lsn)
{
	char	   *page;
	MmapFileHeader *h;
	pg_crc32c	crc;

	MmapWriterFlushChunk(mw);
	MmapWriterWrite(mw, mw->crcs, (Size) mw->nchunks * sizeof(pg_crc32c),
					MMAP_DATA_ALIGN + mw->data_size);

	page = palloc0(MMAP_DATA_ALIGN);
	h = (MmapFileHeader *) page;
	h->magic = MMAP_FILE_MAGIC;
	h->version = MMAP_FILE_VERSION;
	h->spc_node = rnode->spcNode;
	h->db_node = rnode->dbNode;
	h->rel_node = rnode->relNode;
	h->record_size = (uint32) record_size;
	h->stride = (uint32) mw->stride;
	h->nslots = mw->nslots;
	h->build_id = build_id;
	h->changes = changes;
	h->lsn = flush_lsn;
	h->data_offset = MMAP_DATA_ALIGN;
	h->data_size = mw->data_size;
	h->crc_offset = MMAP_DATA_ALIGN + mw->data_size;
	h->chunk_size = MMAP_CHUNK_SIZE;
	h->nchunks = mw->nchunks;
	h->header_crc = 0;
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, h, sizeof(MmapFileHeader));
	COMP_CRC32C(crc, mw->crcs, (Size) mw->nchunks * sizeof(pg_crc32c));
	FIN_CRC32C(crc);
	h->header_crc = crc;
	MmapWriterWrite(mw, page, MMAP_DATA_ALIGN, 0);
	pfree(page);

	if (mw->failed)
	{
		MmapWriterAbandon(mw);
		return false;
	}
	if (CloseTransientFile(mw->fd) != 0)
	{
		mw->fd = -1;
		MmapWriterFail(mw, "close");
		(void) unlink(mw->tmppath);
		return false;
	}
	mw->fd = -1;

	if (!XLogRecPtrIsInvalid(flush_lsn))
		XLogFlush(flush_lsn);

	if (durable_rename(mw->tmppath, mw->path, LOG) != 0)
	{
		(void) unlink(mw->tmppath);
		return false;
	}
	return true;
}

/* Remember that writing an image for rnode failed, to retry only later. */
static void
MmapNoteFailure(const RelFileNode *rnode)
{
	mmap_failed_rnode = *rnode;
	mmap_failed_at = GetCurrentTimestamp();
}

/* Whether an image write for rnode failed in this backend lately. */
static bool
MmapFailedRecently(const RelFileNode *rnode)
{
	return mmap_failed_at != 0 &&
		RelFileNodeEquals(mmap_failed_rnode, *rnode) &&
		!TimestampDifferenceExceeds(mmap_failed_at, GetCurrentTimestamp(),
									MMAP_RETRY_SECS * 1000);
}

/*
 * Remove side files in a database directory whose relfilenode no longer
 * belongs to any relation: leftovers of a crash between a DROP's commit
 * and its unlink, or of a prepared transaction.  Only files untouched for
 * a while are considered, so images of indexes still being created in
 * other transactions are left alone (removing one would only cost a
 * rebuild: they are derived data).
 */
static void
MmapSweepDirectory(const RelFileNode *rnode)
{
	char	   *dir = GetDatabasePath(rnode->dbNode, rnode->spcNode);
	DIR		   *d;
	struct dirent *de;
	time_t		now = time(NULL);
	Size		plen = strlen(MMAP_FILE_PREFIX);

	if (rnode->dbNode != MyDatabaseId || !IsTransactionState())
	{
		pfree(dir);
		return;
	}
	d = AllocateDir(dir);
	if (d == NULL)
	{
		pfree(dir);
		return;
	}
	while ((de = ReadDirExtended(d, dir, LOG)) != NULL)
	{
		char		path[MAXPGPATH];
		char	   *end;
		unsigned long relnode;
		struct stat st;

		if (strncmp(de->d_name, MMAP_FILE_PREFIX, plen) != 0)
			continue;
		errno = 0;
		relnode = strtoul(de->d_name + plen, &end, 10);
		if (errno != 0 || end == de->d_name + plen)
			continue;
		if (*end != '\0' && strcmp(end, ".tmp") != 0)
			continue;
		if ((Oid) relnode == rnode->relNode)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || now - st.st_mtime < MMAP_SWEEP_MIN_AGE_SECS)
			continue;
		if (OidIsValid(RelidByRelfilenode(rnode->spcNode, (Oid) relnode)))
			continue;
		if (unlink(path) == 0)
			ereport(DEBUG1,
					(errmsg_internal("removed orphaned zvec side file \"%s\"", path)));
	}
	FreeDir(d);
	pfree(dir);
}

/* Stop reading from the image: everything goes through the buffer pool. */
static void
MmapStopImage(MmapState *ms)
{
	if (ms->image != NULL)
		MmapImageUnpin(ms->image);
	ms->image = NULL;
	ms->records = NULL;
}

/* ---------------------------------------------------------------------
 * Choosing the image and reading the ring
 * ---------------------------------------------------------------------
 */

/* Copy the metadata tail's scalars and the ring entries (from, to]. */
static void
MmapCopyRing(const MmapMetaTail *tail, uint64 from, MmapSlotSet *set)
{
	uint64		c;

	for (c = from + 1; c <= tail->changes; c++)
		MmapSlotSetAdd(set, tail->ring[c % tail->ring_size]);
}

/*
 * Rebuild the side file of a store from the relation, if no other backend
 * is doing it; readers and writers carry on meanwhile.  The image is the
 * relation after the change count read first: every record changed while
 * copying is in the ring after that point, so its copy is never used.
 */
static void
MmapRebuild(MmapState *ms)
{
	Store	   *shadow = &ms->shadow;
	Relation	index = shadow->index;
	Buffer		buf;
	Page		page;
	MmapMetaTail *tail;
	uint64		build_id;
	uint64		changes;
	StoreSlot	nslots;
	StoreSlot	slot;
	MmapWriter *mw;
	XLogRecPtr	flush;
	bool		ok;

	if (MmapFailedRecently(&index->rd_node))
		return;
	if (!ConditionalLockPage(index, MMAP_REBUILD_LOCK_BLOCK, ExclusiveLock))
		return;

	buf = ReadBuffer(index, STORE_META_BLOCK);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	tail = MmapPageTail(page);
	if (tail->magic != MMAP_TAIL_MAGIC || tail->ring_size != MMAP_RING_SIZE)
	{
		UnlockReleaseBuffer(buf);
		UnlockPage(index, MMAP_REBUILD_LOCK_BLOCK, ExclusiveLock);
		return;
	}
	build_id = tail->build_id;
	changes = tail->changes;
	nslots = StorePageHeader(page)->nslots;
	UnlockReleaseBuffer(buf);

	MmapSweepDirectory(&index->rd_node);

	mw = MmapWriterBegin(&index->rd_node, shadow->record_size);
	for (slot = 0; slot < nslots && !mw->failed; slot++)
	{
		StoreRef	ref;
		const char *rec;

		if ((slot & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		rec = BufferpoolStoreMethods.read(shadow, slot, STORE_READ_FULL, &ref);
		MmapWriterAppend(mw, rec, shadow->record_size);
		if (ref.held)
			BufferpoolStoreMethods.release(shadow, &ref);
	}

	/*
	 * Every page copied is at most as new as the WAL inserted (or, on a
	 * standby, replayed) by now.
	 */
	flush = RecoveryInProgress() ? GetXLogReplayRecPtr(NULL) : MmapInsertedWalEnd();
	if (!RelationNeedsWAL(index))
		flush = InvalidXLogRecPtr;
	ok = MmapWriterFinish(mw, &index->rd_node, shadow->record_size, build_id,
						  changes, flush);
	UnlockPage(index, MMAP_REBUILD_LOCK_BLOCK, ExclusiveLock);
	if (!ok)
		MmapNoteFailure(&index->rd_node);
	else
		ereport(DEBUG1,
				(errmsg_internal("zvec rebuilt side file \"%s\": %u records after change %llu",
								 mw->path, nslots, (unsigned long long) changes)));
	MmapWriterFree(mw);
}

/*
 * Decide, once per open store, which image to read from: read the change
 * counter and the ring from the metadata page, check the image against
 * them, rebuild it if it does not fit, and collect the slots changed since.
 */
static void
MmapPrepare(MmapState *ms)
{
	Store	   *shadow = &ms->shadow;
	Relation	index = shadow->index;
	int			attempt;

	ms->prepared = true;
	MmapStopImage(ms);
	if (!MmapRelationHasImage(index, shadow->fork))
		return;

	for (attempt = 0; attempt < 2; attempt++)
	{
		MmapImage  *img = MmapImageGet(&index->rd_node, shadow->record_size);
		Buffer		buf;
		Page		page;
		MmapMetaTail *tail;
		bool		fits = false;

		buf = ReadBuffer(index, STORE_META_BLOCK);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		tail = MmapPageTail(page);
		if (tail->magic == MMAP_TAIL_MAGIC && tail->ring_size == MMAP_RING_SIZE &&
			img != NULL && img->build_id == tail->build_id &&
			img->changes <= tail->changes &&
			tail->changes - img->changes <= tail->ring_size &&
			img->nslots <= StorePageHeader(page)->nslots)
		{
			fits = true;
			MmapSlotSetInit(&ms->changed, tail->changes - img->changes);
			MmapCopyRing(tail, img->changes, &ms->changed);
			ms->seen = tail->changes;
		}
		UnlockReleaseBuffer(buf);

		if (fits)
		{
			img->pins++;
			ms->image = img;
			ms->records = img->records;
			ms->stride = img->stride;
			ms->image_nslots = img->nslots;
			ms->base = img->changes;
			return;
		}
		if (attempt == 0)
			MmapRebuild(ms);
	}
}

/* ---------------------------------------------------------------------
 * The StoreMethods
 * ---------------------------------------------------------------------
 */

/* Set up the bufferpool store underneath; the image is chosen lazily. */
static void
MmapOpen(Store *store)
{
	MmapState  *ms = palloc0(sizeof(MmapState));

	ms->changed.context = CurrentMemoryContext;
	memcpy(&ms->shadow, store, sizeof(Store));
	ms->shadow.methods = &MmapStoreMethods;
	BufferpoolStoreMethods.open(&ms->shadow);
	store->head_size = ms->shadow.head_size;
	ms->outer = store;
	store->private = ms;
}

/* Release the store (the mapping stays cached for the backend). */
static void
MmapClose(Store *store)
{
	MmapState  *ms = (MmapState *) store->private;

	if (ms->writer != NULL)
	{
		MmapWriterAbandon(ms->writer);
		MmapWriterFree(ms->writer);
	}
	if (ms->image != NULL)
		MmapImageUnpin(ms->image);
	BufferpoolStoreMethods.close(&ms->shadow);
	if (ms->changed.keys != NULL)
		pfree(ms->changed.keys);
	pfree(ms);
	store->private = NULL;
}

/*
 * Start a build: the bufferpool backend creates the metadata page; the
 * tail of that page is set up here (new build id, empty ring) before the
 * build logs it, and the side file is written alongside.
 */
static void
MmapBulkBegin(Store *store)
{
	MmapState  *ms = (MmapState *) store->private;
	Buffer		buf;
	Page		page;
	MmapMetaTail *tail;
	uint64		build_id;

	BufferpoolStoreMethods.bulk_begin(&ms->shadow);
	store->nslots = ms->shadow.nslots;

	if (!pg_strong_random(&build_id, sizeof(build_id)))
		build_id = ((uint64) GetCurrentTimestamp()) ^ ((uint64) MyProcPid << 40);

	buf = ReadBufferExtended(store->index, store->fork, STORE_META_BLOCK,
							 RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	((PageHeader) page)->pd_lower = MMAP_META_PD_LOWER;
	tail = MmapPageTail(page);
	memset(tail, 0, offsetof(MmapMetaTail, ring) + MMAP_RING_SIZE * sizeof(StoreSlot));
	tail->magic = MMAP_TAIL_MAGIC;
	tail->ring_size = MMAP_RING_SIZE;
	tail->build_id = build_id;
	tail->changes = 0;
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);

	if (MmapRelationHasImage(store->index, store->fork))
	{
		MmapCacheForget(&store->index->rd_node);
		ms->writer = MmapWriterBegin(&store->index->rd_node, store->record_size);
	}
}

/* Append a record to the relation and to the side file. */
static void
MmapBulkAppend(Store *store, const char *record)
{
	MmapState  *ms = (MmapState *) store->private;

	BufferpoolStoreMethods.bulk_append(&ms->shadow, record);
	store->nslots = ms->shadow.nslots;
	if (ms->writer != NULL && !ms->writer->failed)
		MmapWriterAppend(ms->writer, record, store->record_size);
}

/* Finish the relation (metadata, WAL), then publish the side file. */
static void
MmapBulkFinish(Store *store, const char *meta_area)
{
	MmapState  *ms = (MmapState *) store->private;
	Buffer		buf;
	uint64		build_id;
	MmapWriter *mw = ms->writer;

	BufferpoolStoreMethods.bulk_finish(&ms->shadow, meta_area);
	store->nslots = ms->shadow.nslots;
	if (mw == NULL)
		return;
	ms->writer = NULL;

	buf = ReadBufferExtended(store->index, store->fork, STORE_META_BLOCK,
							 RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	build_id = MmapPageTail(BufferGetPage(buf))->build_id;
	UnlockReleaseBuffer(buf);

	MmapSweepDirectory(&store->index->rd_node);
	if (!MmapWriterFinish(mw, &store->index->rd_node, store->record_size,
						  build_id, 0,
						  RelationNeedsWAL(store->index) ? MmapInsertedWalEnd() :
						  InvalidXLogRecPtr))
		MmapNoteFailure(&store->index->rd_node);
	MmapWriterFree(mw);
}

/*
 * Read a record: by pointer into the image when the image holds its
 * current version, else through the buffer pool.
 */
static const char *
MmapRead(Store *store, StoreSlot slot, int flags, StoreRef *ref)
{
	MmapState  *ms = (MmapState *) store->private;

	if (unlikely(!ms->prepared))
		MmapPrepare(ms);
	if (likely(ms->records != NULL) && slot < ms->image_nslots &&
		(ms->changed.count == 0 || !MmapSlotSetContains(&ms->changed, slot)))
	{
		Size		offset = (Size) slot * ms->stride;

		if (likely(ms->image->verified[offset / MMAP_CHUNK_SIZE] &&
				   ms->image->verified[(offset + store->record_size - 1) / MMAP_CHUNK_SIZE]) ||
			MmapImageCheckRange(ms->image, offset, store->record_size))
		{
			ref->data = ms->records + offset;
			ref->buffer = InvalidBuffer;
			ref->held = false;
			return ref->data;
		}
		/* corrupt: read everything through the buffer pool from now on */
		MmapStopImage(ms);
	}
	return BufferpoolStoreMethods.read(&ms->shadow, slot, flags, ref);
}

/* Release a record read through the buffer pool. */
static void
MmapRelease(Store *store, StoreRef *ref)
{
	MmapState  *ms = (MmapState *) store->private;

	BufferpoolStoreMethods.release(&ms->shadow, ref);
}

/*
 * Prefetch a record: from the image when it holds the slot (a changed
 * record is then prefetched needlessly, which does no harm), else through
 * the buffer pool.
 */
static void
MmapPrefetch(Store *store, StoreSlot slot, Size offset, Size len)
{
	MmapState  *ms = (MmapState *) store->private;

	if (likely(ms->records != NULL) && slot < ms->image_nslots)
	{
		if (offset < store->record_size)
			StorePrefetchMemory(ms->records + (Size) slot * ms->stride + offset,
								Min(len, store->record_size - offset));
	}
	else if (ms->prepared)
		BufferpoolStoreMethods.prefetch(&ms->shadow, slot, offset, len);
}

/*
 * Start a write batch.  Every batch of an mmap store locks the metadata
 * page first, to log the ring entries with the change; the ring entries
 * other backends added since this store was prepared are taken in, so
 * this backend reads the current version of what it is about to change.
 */
static void
MmapWriteBegin(Store *store, StoreWrite *w)
{
	MmapState  *ms = (MmapState *) store->private;
	MmapMetaTail *tail;

	if (unlikely(!ms->prepared))
		MmapPrepare(ms);
	BufferpoolStoreMethods.write_begin(&ms->shadow, w);
	(void) BufferpoolStoreMethods.write_meta(w);
	Assert(w->nbuffers == 1);
	tail = MmapPageTail((Page) w->pages[0]);
	if (tail->magic != MMAP_TAIL_MAGIC || tail->ring_size != MMAP_RING_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has no valid mmap change ring on its metapage",
						RelationGetRelationName(store->index)),
				 errhint("REINDEX the index.")));
	if (ms->records != NULL)
	{
		if (tail->changes - ms->base > tail->ring_size)
		{
			/* the ring has moved past the image: stop using it */
			MmapStopImage(ms);
		}
		else
			MmapCopyRing(tail, ms->seen, &ms->changed);
	}
	ms->seen = tail->changes;
}

/* The access method's metadata area (locked by MmapWriteBegin). */
static char *
MmapWriteMeta(StoreWrite *w)
{
	return BufferpoolStoreMethods.write_meta(w);
}

/* Lock a record head for change. */
static char *
MmapWriteHead(StoreWrite *w, StoreSlot slot)
{
	return BufferpoolStoreMethods.write_head(w, slot);
}

/* Allocate a new slot at the end. */
static StoreSlot
MmapWriteExtend(StoreWrite *w)
{
	MmapState  *ms = MmapStateOfShadow(w->store);
	StoreSlot	slot = BufferpoolStoreMethods.write_extend(w);

	ms->outer->nslots = ms->shadow.nslots;
	return slot;
}

/* Write a new record's tail. */
static void
MmapWriteTail(StoreWrite *w, StoreSlot slot, const char *record)
{
	BufferpoolStoreMethods.write_tail(w, slot, record);
}

/*
 * Log the batch: first append its record slots to the ring in the
 * metadata image, so the change and the fact that the image no longer
 * holds these records are one WAL record.
 */
static void
MmapWriteFinish(StoreWrite *w)
{
	MmapState  *ms = MmapStateOfShadow(w->store);
	MmapMetaTail *tail = MmapPageTail((Page) w->pages[0]);
	int			i;

	for (i = 0; i < w->nheads; i++)
	{
		tail->changes++;
		tail->ring[tail->changes % tail->ring_size] = w->heads[i];
		if (ms->records != NULL)
			MmapSlotSetAdd(&ms->changed, w->heads[i]);
	}
	if (ms->records != NULL && tail->changes - ms->base > tail->ring_size)
	{
		MmapStopImage(ms);
	}
	ms->seen = tail->changes;
	BufferpoolStoreMethods.write_finish(w);
}

/* Forget the batch. */
static void
MmapWriteAbort(StoreWrite *w)
{
	BufferpoolStoreMethods.write_abort(w);
}

/* Nothing beyond what the relation needs: the side file is derived. */
static void
MmapSync(Store *store)
{
	MmapState  *ms = (MmapState *) store->private;

	BufferpoolStoreMethods.sync(&ms->shadow);
}

/* Bring the image into memory (or the pages, when bypassing it). */
static void
MmapWarmup(Store *store)
{
	MmapState  *ms = (MmapState *) store->private;
	uint32		c;

	if (!ms->prepared)
		MmapPrepare(ms);
	if (ms->image == NULL)
	{
		BufferpoolStoreMethods.warmup(&ms->shadow);
		return;
	}
#ifdef MADV_WILLNEED
	(void) madvise(ms->image->addr, ms->image->map_size, MADV_WILLNEED);
#endif
	for (c = 0; c < ms->image->header->nchunks; c++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!MmapImageCheckRange(ms->image, (Size) c * MMAP_CHUNK_SIZE, 1))
		{
			MmapStopImage(ms);
			BufferpoolStoreMethods.warmup(&ms->shadow);
			return;
		}
	}
}

/* Bytes of the relation (the side file is a derived copy). */
static uint64
MmapSize(Store *store)
{
	MmapState  *ms = (MmapState *) store->private;

	return BufferpoolStoreMethods.size(&ms->shadow);
}

/* Remove the side file. */
static void
MmapDrop(Store *store)
{
	MmapDropFiles(&store->index->rd_node);
}

/* ---------------------------------------------------------------------
 * Verification
 * ---------------------------------------------------------------------
 */

/* A read-only mapping of a side file for verification, unmapped with its context. */
typedef struct MmapVerifyMapping
{
	char	   *addr;
	Size		size;
	MemoryContextCallback callback;
} MmapVerifyMapping;

/* Unmap a verification mapping (a memory context reset callback). */
static void
MmapVerifyUnmap(void *arg)
{
	MmapVerifyMapping *vm = (MmapVerifyMapping *) arg;

	if (vm->addr != NULL)
		(void) munmap(vm->addr, vm->size);
	vm->addr = NULL;
}

/*
 * Copy the change counter of the metadata tail and add the ring entries
 * after from to set; false if the tail is not an initialised ring.
 */
static bool
MmapVerifyReadTail(Relation index, uint64 from, MmapSlotSet *set,
				   uint64 *build_id, uint64 *changes, StoreSlot *nslots)
{
	Buffer		buf;
	Page		page;
	MmapMetaTail *tail;
	bool		ok;

	buf = ReadBuffer(index, STORE_META_BLOCK);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	tail = MmapPageTail(page);
	ok = tail->magic == MMAP_TAIL_MAGIC && tail->ring_size == MMAP_RING_SIZE;
	if (ok)
	{
		*build_id = tail->build_id;
		*changes = tail->changes;
		*nslots = StorePageHeader(page)->nslots;
		if (set != NULL && from < tail->changes &&
			tail->changes - from <= tail->ring_size)
			MmapCopyRing(tail, from, set);
	}
	UnlockReleaseBuffer(buf);
	return ok;
}

/*
 * Check what the mmap backend adds to the relation: the change ring on the
 * metadata page, and the side file, if there is one (a missing file is not
 * a problem: the index is read through the buffer pool until it is
 * rebuilt; nor is a stale one, whose changes fell out of the ring).  The
 * file must pass mmap.c's own header and chunk checks, be no newer than
 * the relation, and hold, for every record not changed since it was taken,
 * exactly the relation's bytes; a difference is re-checked against the
 * ring, since a concurrent write may have changed the record meanwhile.
 */
static bool
MmapVerify(Store *store, StoreReporter *rep)
{
	MmapState  *ms = (MmapState *) store->private;
	Relation	index = store->index;
	bool		ok;
	char		path[MAXPGPATH];
	struct stat st;
	MemoryContext context;
	MemoryContext old;
	MmapVerifyMapping *vm;
	const MmapFileHeader *h;
	const char *why;
	const char *records;
	uint8	   *bad_chunk;
	MmapSlotSet changed;
	uint64		build_id;
	uint64		changes;
	StoreSlot	nslots;
	StoreSlot	slot;
	uint32		c;
	int			fd;
	int			save_errno;

	ok = BufferpoolStoreMethods.verify(&ms->shadow, rep);
	if (!MmapRelationHasImage(index, store->fork))
		return ok;
	if (!MmapVerifyReadTail(index, 0, NULL, &build_id, &changes, &nslots))
	{
		StoreReport(rep, "bad_metapage", "block 0",
					"The metadata page of an mmap index has no change ring.");
		return ok;
	}

	MmapFilePath(&index->rd_node, path, false);
	if (stat(path, &st) != 0)
	{
		if (errno != ENOENT)
			StoreReport(rep, "side_file", path,
						"The side file cannot be examined: %m.");
		return ok;
	}
	if (st.st_size < (off_t) sizeof(MmapFileHeader))
	{
		StoreReport(rep, "side_file", path,
					"The side file is not usable: it is shorter than its header.");
		return ok;
	}

	context = AllocSetContextCreate(CurrentMemoryContext, "zvec mmap verify",
									ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(context);
	vm = palloc0(sizeof(MmapVerifyMapping));
	vm->callback.func = MmapVerifyUnmap;
	vm->callback.arg = vm;
	MemoryContextRegisterResetCallback(context, &vm->callback);
	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	save_errno = errno;
	if (fd >= 0)
	{
		void	   *addr = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_SHARED, fd, 0);

		save_errno = errno;
		if (addr != MAP_FAILED)
		{
			vm->addr = addr;
			vm->size = (Size) st.st_size;
		}
		CloseTransientFile(fd);
	}
	if (vm->addr == NULL)
	{
		errno = save_errno;
		if (errno != ENOENT)
			StoreReport(rep, "side_file", path,
						"The side file cannot be read: %m.");
		MemoryContextSwitchTo(old);
		MemoryContextDelete(context);
		return ok;
	}

	/* The file as mmap.c would judge it when opening the index. */
	why = MmapFileCheckHeader(vm->addr, (uint64) vm->size, index->rd_node.spcNode,
							  index->rd_node.dbNode, index->rd_node.relNode,
							  store->record_size);
	if (why != NULL)
	{
		StoreReport(rep, "side_file", path, "The side file is not usable: %s.", why);
		MemoryContextSwitchTo(old);
		MemoryContextDelete(context);
		return ok;
	}
	h = (const MmapFileHeader *) vm->addr;
	records = vm->addr + h->data_offset;
	bad_chunk = palloc0(Max(h->nchunks, 1));
	for (c = 0; c < h->nchunks; c++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!MmapFileCheckChunk(vm->addr, c))
		{
			bad_chunk[c] = 1;
			StoreReport(rep, "side_file", path,
						"Records chunk %u of the side file fails its checksum.", c);
		}
	}

	/* In step with the relation? */
	if (h->build_id != build_id)
		StoreReport(rep, "side_file", path,
					"The side file was taken from another build of the index (build %llx, the relation's is %llx).",
					(unsigned long long) h->build_id, (unsigned long long) build_id);
	else if (h->changes > changes)
		StoreReport(rep, "side_file", path,
					"The side file is the relation after change %llu, but the relation has had only %llu changes.",
					(unsigned long long) h->changes, (unsigned long long) changes);
	else if (h->nslots > nslots)
		StoreReport(rep, "side_file", path,
					"The side file holds %u records, but the relation only %u.",
					h->nslots, nslots);
	else if (changes - h->changes <= MMAP_RING_SIZE)
	{
		changed.context = context;
		changed.keys = NULL;
		MmapSlotSetInit(&changed, changes - h->changes);
		(void) MmapVerifyReadTail(index, h->changes, &changed, &build_id,
								  &changes, &nslots);
		for (slot = 0; slot < h->nslots; slot++)
		{
			Size		offset = (Size) slot * h->stride;
			StoreRef	ref;
			const char *rec;
			bool		same;
			uint64		seen = changes;

			if ((slot & 255) == 0)
				CHECK_FOR_INTERRUPTS();
			if (bad_chunk[offset / MMAP_CHUNK_SIZE] ||
				bad_chunk[(offset + store->record_size - 1) / MMAP_CHUNK_SIZE] ||
				MmapSlotSetContains(&changed, slot))
				continue;
			rec = BufferpoolStoreMethods.read(&ms->shadow, slot, STORE_READ_FULL, &ref);
			same = memcmp(rec, records + offset, store->record_size) == 0;
			if (ref.held)
				BufferpoolStoreMethods.release(&ms->shadow, &ref);
			if (same)
				continue;

			/* A change made since the ring was read is in the ring now. */
			(void) MmapVerifyReadTail(index, seen, &changed, &build_id,
									  &changes, &nslots);
			if (changes - h->changes > MMAP_RING_SIZE)
				break;			/* stale now: it will be rebuilt */
			if (!MmapSlotSetContains(&changed, slot))
				StoreReport(rep, "side_file", psprintf("%s, slot %u", path, slot),
							"The side file's copy of the record differs from the relation's, and the record was not changed since the file was taken.");
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(context);
	return ok;
}

const StoreMethods MmapStoreMethods = {
	.name = "mmap",
	.open = MmapOpen,
	.close = MmapClose,
	.bulk_begin = MmapBulkBegin,
	.bulk_append = MmapBulkAppend,
	.bulk_finish = MmapBulkFinish,
	.read = MmapRead,
	.release = MmapRelease,
	.prefetch = MmapPrefetch,
	.write_begin = MmapWriteBegin,
	.write_meta = MmapWriteMeta,
	.write_head = MmapWriteHead,
	.write_extend = MmapWriteExtend,
	.write_tail = MmapWriteTail,
	.write_finish = MmapWriteFinish,
	.write_abort = MmapWriteAbort,
	.sync = MmapSync,
	.warmup = MmapWarmup,
	.size = MmapSize,
	.drop = MmapDrop,
	.verify = MmapVerify,
};

/* ---------------------------------------------------------------------
 * Lifecycle: no side file outlives its relfilenode
 * ---------------------------------------------------------------------
 */

/* Remove the side file (and any unfinished one) of a relfilenode. */
static void
MmapDropFiles(const RelFileNode *rnode)
{
	char		path[MAXPGPATH];

	MmapCacheForget(rnode);
	MmapFilePath(rnode, path, false);
	if (unlink(path) != 0 && errno != ENOENT)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", path)));
	MmapFilePath(rnode, path, true);
	(void) unlink(path);
}

/* Remove the side files of the relfilenodes core deletes at this point. */
static void
MmapDropPending(bool at_commit)
{
	RelFileNode *rnodes;
	int			n;
	int			i;

	n = smgrGetPendingDeletes(at_commit, &rnodes);
	for (i = 0; i < n; i++)
		MmapDropFiles(&rnodes[i]);
	if (n > 0)
		pfree(rnodes);
}

/* Transaction end: files dropped at commit, or created and rolled back. */
static void
MmapXactCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			MmapImagesEndXact();
			break;
		default:
			break;
	}
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			MmapDropPending(true);
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			MmapDropPending(false);
			break;
		default:
			break;
	}
}

/* Subtransaction abort: relations it created are deleted right away. */
static void
MmapSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		MmapDropPending(false);
}

/* Register the lifecycle callbacks; called from _PG_init(). */
void
MmapStoreInit(void)
{
	if (mmap_callbacks_registered)
		return;
	RegisterXactCallback(MmapXactCallback, NULL);
	RegisterSubXactCallback(MmapSubXactCallback, NULL);
	mmap_callbacks_registered = true;
}
