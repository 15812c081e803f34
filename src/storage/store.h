/*-------------------------------------------------------------------------
 *
 * store.h
 *	  The storage interface every zvec index algorithm is written against.
 *
 * A store is an array of fixed-size records, addressed by slot number
 * (0, 1, 2, ...), plus one small metadata area.  The record size is chosen
 * by the algorithm when the index is built and never changes: an HNSW node
 * or an IVF list segment is one record.  Algorithms never see pages, buffers,
 * WAL or file descriptors; they read records, change them through a write
 * batch, and append new ones.  Backends never know what a record means.
 *
 * Heads and tails.  A record that fits in one backend block has no tail: all
 * of it is its head.  A larger record (a 16,000-dimension vector is 64 kB)
 * spans several consecutive blocks; its first block-full of bytes is its
 * head and the rest its tail.  Only the head may be changed in place after
 * the record was first written, and a change to one or more heads (plus
 * the metadata) is atomic and crash-safe.  The tail is written once, when
 * the record is created or a freed slot is reused, so algorithms put what
 * changes (neighbour lists, heap TIDs, flags) first and what never changes
 * (the vector) last.
 *
 * Reads.  StoreRead() returns a pointer to a record and a StoreRef that
 * must be handed back with StoreRelease() before the next read that may
 * block (hold at most a few at a time, never across a write).  Where the
 * backend can, the pointer is into shared memory (zero-copy) and the
 * record is protected by a shared lock until the release; a record with a
 * tail read in full may be assembled in a per-store scratch buffer, valid
 * until the next full read.  StorePrefetch() says which records will be
 * read next, so a backend can start bringing them into the CPU cache.
 *
 * Writes.  StoreWriteBegin() starts a batch; StoreWriteMeta() and
 * StoreWriteHead() lock and return writable images of the metadata and of
 * record heads (at most STORE_MAX_WRITE_HEADS; metadata first, and a batch
 * that changes more than one head must lock the metadata, which serialises
 * such batches); StoreWriteFinish() makes them durable atomically,
 * StoreWriteAbort() forgets them.  StoreWriteExtend() allocates the next
 * slot at the end of the array and StoreWriteTail() fills a new record's
 * tail before its head is published.
 *
 * Build.  StoreBulkBegin/Append/Finish write a whole new index in slot
 * order without per-record crash-safety work, then make it durable in one
 * step (the bufferpool backend logs every page once at the end).
 *
 * Verification.  StoreCheckMeta() checks the metadata page without raising
 * errors, and a backend's optional verify method checks what only it
 * knows (the relation's size against the slot count, page headers, side
 * files); both hand each problem to a StoreReporter, for zvec_verify().
 *
 * The metadata area is the first block of the index relation for every
 * backend: the relation is the source of truth.  It holds the store's own
 * header (record size, slot count) followed by an area owned by the access
 * method (magic, version, algorithm, parameters, algorithm state).
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/storage/store.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_STORE_H
#define ZVEC_STORE_H

#include "postgres.h"

#include "common/relpath.h"
#include "storage/buf.h"
#include "storage/bufpage.h"
#include "utils/rel.h"

/* A record number inside a store. */
typedef uint32 StoreSlot;

#define STORE_INVALID_SLOT		((StoreSlot) 0xFFFFFFFF)

/* Storage backends, as recorded in the metapage; 0 is never valid. */
typedef enum ZvecStorageKind
{
	ZVEC_STORAGE_INVALID = 0,
	ZVEC_STORAGE_BUFFERPOOL = 1,
	ZVEC_STORAGE_MMAP = 2
} ZvecStorageKind;

#define ZVEC_STORAGE_COUNT		3

/* Bytes of the metadata area that belong to the access method. */
#define STORE_META_AREA_SIZE	1024

/* Most record heads one write batch may change (plus the metadata). */
#define STORE_MAX_WRITE_HEADS	3

/* StoreRead() flags: the head is enough, or the whole record is wanted. */
#define STORE_READ_HEAD			0x01
#define STORE_READ_FULL			0x02

/*
 * Every backend keeps at least min(record size, STORE_MIN_HEAD_SIZE) bytes
 * of each record in its head, so algorithms can lay out what they change.
 */
#define STORE_MIN_HEAD_SIZE		4096

/*
 * The largest record that never spans blocks in any backend: an algorithm
 * that packs several items per record sizes its records to fit this, so a
 * read never assembles a record from several blocks.  (How much of a
 * record is head is still store->head_size's to say.)
 */
#define STORE_BLOCK_RECORD_SIZE	((Size) (BLCKSZ - MAXALIGN(SizeOfPageHeaderData)))

/* The largest record a store accepts (a 16,000-dim vector plus headroom). */
#define STORE_MAX_RECORD_SIZE	((Size) 1024 * 1024)

/* What a reader holds until StoreRelease(). */
typedef struct StoreRef
{
	const char *data;			/* the record's bytes */
	Buffer		buffer;			/* backend-private: the locked buffer */
	bool		held;			/* backend-private: something to release */
} StoreRef;

struct Store;
struct StoreWrite;

/*
 * Where verification (zvec_verify(), src/am/verify.c) sends each problem
 * it finds: a kind (a short fixed word), where (a slot, a block, a file)
 * and a sentence of detail.  stable says writers are locked out, so checks
 * that would race with concurrent changes may run too.
 */
typedef struct StoreReporter
{
	void		(*report) (struct StoreReporter *rep, const char *kind,
						   const char *location, const char *detail);
	bool		stable;
	int64		nproblems;		/* reported so far */
} StoreReporter;

/* The operations a storage backend provides; see the file header. */
typedef struct StoreMethods
{
	const char *name;

	/* attach backend state to an open store (after the header is read) */
	void		(*open) (struct Store *store);

	/* release everything the store holds (pins, mappings, scratch) */
	void		(*close) (struct Store *store);

	/* whole-index build, in slot order, made durable once at the end */
	void		(*bulk_begin) (struct Store *store);
	void		(*bulk_append) (struct Store *store, const char *record);
	void		(*bulk_finish) (struct Store *store, const char *meta_area);

	/* read one record (head or full); the pointer stays valid until release */
	const char *(*read) (struct Store *store, StoreSlot slot, int flags,
						 StoreRef *ref);
	void		(*release) (struct Store *store, StoreRef *ref);

	/* optional hint: bytes [offset, offset + len) will be read soon */
	void		(*prefetch) (struct Store *store, StoreSlot slot, Size offset,
							 Size len);

	/* crash-safe changes after the build */
	void		(*write_begin) (struct Store *store, struct StoreWrite *w);
	char	   *(*write_meta) (struct StoreWrite *w);
	char	   *(*write_head) (struct StoreWrite *w, StoreSlot slot);
	StoreSlot	(*write_extend) (struct StoreWrite *w);
	void		(*write_tail) (struct StoreWrite *w, StoreSlot slot,
							   const char *record);
	void		(*write_finish) (struct StoreWrite *w);
	void		(*write_abort) (struct StoreWrite *w);

	/* force everything written so far to durable storage */
	void		(*sync) (struct Store *store);

	/* bring the store's data into memory ahead of queries */
	void		(*warmup) (struct Store *store);

	/* bytes the store occupies */
	uint64		(*size) (struct Store *store);

	/* remove what the backend keeps outside the relation, if anything */
	void		(*drop) (struct Store *store);

	/*
	 * optional: check the backend's own structures (relation size, pages,
	 * side files) and report what is wrong, raising no error for what it
	 * can report; false if the records cannot be read safely
	 */
	bool		(*verify) (struct Store *store, StoreReporter *rep);
} StoreMethods;

/* The store's own part of the metadata area. */
typedef struct StoreHeader
{
	uint32		magic;			/* STORE_HEADER_MAGIC */
	uint16		storage;		/* ZvecStorageKind */
	uint16		unused;
	uint32		record_size;	/* bytes per record, MAXALIGNed */
	uint32		nslots;			/* slots allocated so far */
} StoreHeader;

#define STORE_HEADER_MAGIC		0x7A535452	/* "zSTR" */

/* An open store. */
typedef struct Store
{
	const StoreMethods *methods;
	Relation	index;
	ForkNumber	fork;			/* MAIN_FORKNUM, or INIT_FORKNUM when building it */
	ZvecStorageKind storage;
	Size		record_size;	/* bytes per record */
	Size		head_size;		/* bytes of a record that can change in place */
	StoreSlot	nslots;			/* slots allocated, as of open or the build */
	void	   *private;		/* backend state */
} Store;

/* A write batch; lives on the caller's stack between Begin and Finish. */
typedef struct StoreWrite
{
	Store	   *store;
	void	   *state;			/* backend state (e.g. a GenericXLogState) */
	int			nheads;
	StoreSlot	heads[STORE_MAX_WRITE_HEADS];
	char	   *head_images[STORE_MAX_WRITE_HEADS];
	char	   *meta_image;		/* the access method's area, or NULL */
	StoreHeader *header_image;	/* the store header in the batch, or NULL */
	/* backend-private: the blocks locked for the batch and their images */
	int			nbuffers;
	Buffer		buffers[STORE_MAX_WRITE_HEADS + 1];
	char	   *pages[STORE_MAX_WRITE_HEADS + 1];
} StoreWrite;

/* The backends (one entry each in store.c's table). */
extern const StoreMethods BufferpoolStoreMethods;
extern const StoreMethods MmapStoreMethods;

/* Where the metadata area lives: block 0 of the relation's main fork. */
#define STORE_META_BLOCK		0

/* store.c: opening, creating and reading the metadata area */
extern Store *StoreCreate(Relation index, ForkNumber fork,
						  ZvecStorageKind storage, Size record_size);
extern Store *StoreOpen(Relation index, char *meta_area);
extern void StoreClose(Store *store);
extern void StoreReadMeta(Relation index, char *meta_area);
extern ZvecStorageKind StoreParseKind(const char *name);
extern const char *StoreKindName(ZvecStorageKind kind);
extern void StoreCheckAvailable(ZvecStorageKind kind);
extern void StoreCheckRecordSize(Size record_size);
extern bool StoreCheckMeta(Relation index, StoreReporter *rep,
						   StoreHeader *header, char *meta_area);
extern StoreSlot StoreReadSlotCount(Relation index);
extern void StoreReport(StoreReporter *rep, const char *kind,
						const char *location, const char *fmt,...) pg_attribute_printf(4, 5);

/* The wrappers algorithms call; each forwards to the backend. */

/* Begin a whole-index build into an empty relation fork. */
static inline void
StoreBulkBegin(Store *store)
{
	store->methods->bulk_begin(store);
}

/* Append the next record of a build; its slot is the previous nslots. */
static inline StoreSlot
StoreBulkAppend(Store *store, const char *record)
{
	StoreSlot	slot = store->nslots;

	store->methods->bulk_append(store, record);
	return slot;
}

/* Write the metadata and make the built index durable. */
static inline void
StoreBulkFinish(Store *store, const char *meta_area)
{
	store->methods->bulk_finish(store, meta_area);
}

/* Read a record; see the file header for how long the pointer lives. */
static inline const char *
StoreRead(Store *store, StoreSlot slot, int flags, StoreRef *ref)
{
	return store->methods->read(store, slot, flags, ref);
}

/* Give back what StoreRead() took. */
static inline void
StoreRelease(Store *store, StoreRef *ref)
{
	if (ref->held)
		store->methods->release(store, ref);
}

/*
 * Ask the CPU to bring len bytes at addr into its cache (a hint).  The
 * backends' prefetch methods use it, and so does an HNSW build for the
 * vectors of its in-memory graph.
 */
static inline void
StorePrefetchMemory(const char *addr, Size len)
{
#if defined(__GNUC__) || defined(__clang__)
	Size		off;

	for (off = 0; off < len; off += PG_CACHE_LINE_SIZE)
		__builtin_prefetch(addr + off, 0, 3);
#else
	(void) addr;
	(void) len;
#endif
}

/*
 * Say that bytes [offset, offset + len) of a record's head will be read
 * soon, so that the backend can start bringing them into the CPU cache.
 * Only a hint: it takes nothing that needs releasing.
 */
static inline void
StorePrefetch(Store *store, StoreSlot slot, Size offset, Size len)
{
	if (store->methods->prefetch != NULL)
		store->methods->prefetch(store, slot, offset, len);
}

/* Start a crash-safe write batch. */
static inline void
StoreWriteBegin(Store *store, StoreWrite *w)
{
	store->methods->write_begin(store, w);
}

/* Lock the metadata for change; returns the access method's area. */
static inline char *
StoreWriteMeta(StoreWrite *w)
{
	return w->store->methods->write_meta(w);
}

/* Lock a record head for change; returns its writable image. */
static inline char *
StoreWriteHead(StoreWrite *w, StoreSlot slot)
{
	return w->store->methods->write_head(w, slot);
}

/* Allocate a new slot at the end (the metadata must be in the batch). */
static inline StoreSlot
StoreWriteExtend(StoreWrite *w)
{
	return w->store->methods->write_extend(w);
}

/* Fill the tail of a record whose head is in the batch. */
static inline void
StoreWriteTail(StoreWrite *w, StoreSlot slot, const char *record)
{
	w->store->methods->write_tail(w, slot, record);
}

/* Make the batch's changes durable and release its locks. */
static inline void
StoreWriteFinish(StoreWrite *w)
{
	w->store->methods->write_finish(w);
}

/* Drop the batch's changes and release its locks. */
static inline void
StoreWriteAbort(StoreWrite *w)
{
	w->store->methods->write_abort(w);
}

/* Force the store's data to durable storage. */
static inline void
StoreSync(Store *store)
{
	store->methods->sync(store);
}

/* Bring the store's data into memory. */
static inline void
StoreWarmup(Store *store)
{
	store->methods->warmup(store);
}

/* Bytes the store occupies. */
static inline uint64
StoreSize(Store *store)
{
	return store->methods->size(store);
}

/* Remove the backend's state outside the relation. */
static inline void
StoreDrop(Store *store)
{
	store->methods->drop(store);
}

/*
 * Check the backend's own structures, if it has a check; false if the
 * records cannot be read safely.
 */
static inline bool
StoreVerify(Store *store, StoreReporter *rep)
{
	if (store->methods->verify == NULL)
		return true;
	return store->methods->verify(store, rep);
}

#endif							/* ZVEC_STORE_H */
