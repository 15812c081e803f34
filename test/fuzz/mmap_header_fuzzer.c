/*-------------------------------------------------------------------------
 *
 * mmap_header_fuzzer.c
 *	  libFuzzer harness of the side-file checks (src/storage/mmap_file.c).
 *
 * Each input is used four times.
 *
 *	- As a whole side file image, checked for the relfilenode and record
 *	  size below, once as it is and once with its header CRC made right
 *	  (so that mutations reach the checks behind the CRC).  Whatever the
 *	  bytes, the check must not read outside them (ASan), and an image it
 *	  accepts must have every offset and length inside the file; then
 *	  every chunk's CRC is checked, which reads every record and CRC
 *	  through the header's offsets.
 *	- As edits of the header of a valid image (FuzzCheckEditedImage).
 *	- As the records of an image the harness writes itself (its own writer,
 *	  the layout of mmap.c's): that image must be accepted with every chunk
 *	  sound; then one bit, chosen by the input, is flipped, and the check
 *	  must catch it wherever it matters: in the header or the chunk CRCs
 *	  the image is refused, in the records exactly the chunk holding the
 *	  bit fails, in the unused rest of the header page nothing does.  The
 *	  image cut short by a byte, or checked for another relfilenode or
 *	  record size, is refused.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * test/fuzz/mmap_header_fuzzer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "fuzz_common.h"
#include "storage/mmap_file.h"

/* The identity and record size every image is checked against. */
#define FUZZ_SPC		1663
#define FUZZ_DB			5
#define FUZZ_REL		16384
#define FUZZ_RECORD		200

/* Most records of an image written from an input (under one chunk). */
#define FUZZ_MAX_SLOTS	64

/* Records of the image the start-up check writes: three chunks. */
#define FUZZ_BIG_SLOTS	9000

/*
 * Make the header CRC of an image right, where the CRCs it names lie in
 * the image, so that fuzzing reaches the checks behind the CRC (no fuzzer
 * forges a CRC-32C by mutation).
 */
static void
FuzzFixHeaderCrc(char *file, size_t size)
{
	MmapFileHeader *h = (MmapFileHeader *) file;
	pg_crc32c	crc;

	if (size < sizeof(MmapFileHeader) || h->crc_offset > size ||
		h->nchunks > (size - h->crc_offset) / sizeof(pg_crc32c))
		return;
	h->header_crc = 0;
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, h, sizeof(MmapFileHeader));
	COMP_CRC32C(crc, file + h->crc_offset, (size_t) h->nchunks * sizeof(pg_crc32c));
	FIN_CRC32C(crc);
	h->header_crc = crc;
}

/*
 * Check an arbitrary image, as it is and with its header CRC made right;
 * if accepted, its layout must be in bounds.
 */
static void
FuzzCheckRawImage(const uint8_t *data, size_t size, bool fix_crc)
{
	char	   *file = malloc(Max(size, 1));
	const MmapFileHeader *h = (const MmapFileHeader *) file;
	uint32		c;

	FUZZ_CHECK(file != NULL);
	memcpy(file, data, size);
	if (fix_crc)
		FuzzFixHeaderCrc(file, size);
	if (MmapFileCheckHeader(file, size, FUZZ_SPC, FUZZ_DB, FUZZ_REL,
							FUZZ_RECORD) == NULL)
	{
		FUZZ_CHECK(size >= MMAP_DATA_ALIGN);
		FUZZ_CHECK(h->stride >= FUZZ_RECORD && h->stride % MMAP_RECORD_ALIGN == 0);
		FUZZ_CHECK(h->data_offset + h->data_size <= size);
		FUZZ_CHECK(h->crc_offset + (uint64) h->nchunks * sizeof(pg_crc32c) == size);
		FUZZ_CHECK((uint64) h->nchunks * MMAP_CHUNK_SIZE >= h->data_size);
		for (c = 0; c < h->nchunks; c++)
			(void) MmapFileCheckChunk(file, c);
	}
	free(file);
}

/* Write a valid image of nslots records taken cyclically from data. */
static char *
FuzzWriteImage(const uint8_t *data, size_t size, uint32 nslots, size_t *file_size)
{
	size_t		stride = TYPEALIGN(MMAP_RECORD_ALIGN, FUZZ_RECORD);
	size_t		data_size = (size_t) nslots * stride;
	uint32		nchunks = (data_size + MMAP_CHUNK_SIZE - 1) / MMAP_CHUNK_SIZE;
	size_t		total = MMAP_DATA_ALIGN + data_size + nchunks * sizeof(pg_crc32c);
	char	   *file = calloc(1, total);
	MmapFileHeader *h = (MmapFileHeader *) file;
	pg_crc32c  *crcs;
	pg_crc32c	crc;
	uint32		s;
	uint32		c;

	FUZZ_CHECK(file != NULL);
	for (s = 0; s < nslots; s++)
	{
		char	   *rec = file + MMAP_DATA_ALIGN + (size_t) s * stride;
		size_t		i;

		for (i = 0; i < FUZZ_RECORD && size > 0; i++)
			rec[i] = (char) data[((size_t) s * FUZZ_RECORD + i) % size];
	}
	crcs = (pg_crc32c *) (file + MMAP_DATA_ALIGN + data_size);
	for (c = 0; c < nchunks; c++)
	{
		size_t		start = (size_t) c * MMAP_CHUNK_SIZE;
		size_t		len = Min(MMAP_CHUNK_SIZE, data_size - start);

		INIT_CRC32C(crc);
		COMP_CRC32C(crc, file + MMAP_DATA_ALIGN + start, len);
		FIN_CRC32C(crc);
		crcs[c] = crc;
	}
	h->magic = MMAP_FILE_MAGIC;
	h->version = MMAP_FILE_VERSION;
	h->spc_node = FUZZ_SPC;
	h->db_node = FUZZ_DB;
	h->rel_node = FUZZ_REL;
	h->record_size = FUZZ_RECORD;
	h->stride = stride;
	h->nslots = nslots;
	h->build_id = size;
	h->changes = nslots;
	h->lsn = 0;
	h->data_offset = MMAP_DATA_ALIGN;
	h->data_size = data_size;
	h->crc_offset = MMAP_DATA_ALIGN + data_size;
	h->chunk_size = MMAP_CHUNK_SIZE;
	h->nchunks = nchunks;
	h->header_crc = 0;
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, h, sizeof(MmapFileHeader));
	COMP_CRC32C(crc, crcs, nchunks * sizeof(pg_crc32c));
	FIN_CRC32C(crc);
	h->header_crc = crc;
	*file_size = total;
	return file;
}

/* A written image is accepted; each kind of damage to it is caught. */
static void
FuzzCheckWrittenImage(const uint8_t *data, size_t size)
{
	uint32		nslots = 0;
	size_t		file_size;
	char	   *file;
	const MmapFileHeader *h;
	uint64		crc_offset;
	uint32		nchunks;
	uint64		hash = 1469598103934665603ULL;
	size_t		flip;
	uint32		c;
	size_t		i;

	if (size >= 2)
		nslots = ((uint32) data[0] << 8 | data[1]) % (FUZZ_MAX_SLOTS + 1);
	file = FuzzWriteImage(data, size, nslots, &file_size);
	h = (const MmapFileHeader *) file;
	crc_offset = h->crc_offset;
	nchunks = h->nchunks;

	FUZZ_CHECK(MmapFileCheckHeader(file, file_size, FUZZ_SPC, FUZZ_DB, FUZZ_REL,
								   FUZZ_RECORD) == NULL);
	for (c = 0; c < nchunks; c++)
		FUZZ_CHECK(MmapFileCheckChunk(file, c));
	FUZZ_CHECK(MmapFileCheckHeader(file, file_size - 1, FUZZ_SPC, FUZZ_DB,
								   FUZZ_REL, FUZZ_RECORD) != NULL);
	FUZZ_CHECK(MmapFileCheckHeader(file, file_size, FUZZ_SPC, FUZZ_DB,
								   FUZZ_REL + 1, FUZZ_RECORD) != NULL);
	FUZZ_CHECK(MmapFileCheckHeader(file, file_size, FUZZ_SPC, FUZZ_DB,
								   FUZZ_REL, FUZZ_RECORD + 1) != NULL);

	/* flip one bit at a place chosen by the whole input (FNV-1a) */
	for (i = 0; i < size; i++)
		hash = (hash ^ data[i]) * 1099511628211ULL;
	flip = (size_t) (hash % file_size);
	file[flip] ^= (char) (1 << ((hash >> 32) % 8));

	if (flip < sizeof(MmapFileHeader) || flip >= crc_offset)
		FUZZ_CHECK(MmapFileCheckHeader(file, file_size, FUZZ_SPC, FUZZ_DB,
									   FUZZ_REL, FUZZ_RECORD) != NULL);
	else
	{
		FUZZ_CHECK(MmapFileCheckHeader(file, file_size, FUZZ_SPC, FUZZ_DB,
									   FUZZ_REL, FUZZ_RECORD) == NULL);
		for (c = 0; c < nchunks; c++)
		{
			bool		hit = flip >= MMAP_DATA_ALIGN &&
				(flip - MMAP_DATA_ALIGN) / MMAP_CHUNK_SIZE == c;

			FUZZ_CHECK(MmapFileCheckChunk(file, c) == !hit);
		}
	}
	free(file);
}

/*
 * libFuzzer start-up: an image of several chunks (too big to write per
 * input) is accepted, and damage to one chunk fails that chunk only.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t pattern[] = "zvec side file";
	size_t		file_size;
	char	   *file = FuzzWriteImage(pattern, sizeof(pattern), FUZZ_BIG_SLOTS,
									  &file_size);
	const MmapFileHeader *h = (const MmapFileHeader *) file;
	uint32		nchunks = h->nchunks;
	uint32		bad;
	uint32		c;

	FUZZ_CHECK(nchunks == 3);
	FUZZ_CHECK(MmapFileCheckHeader(file, file_size, FUZZ_SPC, FUZZ_DB, FUZZ_REL,
								   FUZZ_RECORD) == NULL);
	for (bad = 0; bad < nchunks; bad++)
	{
		/* the last byte of each chunk's records */
		size_t		at = MMAP_DATA_ALIGN +
			Min((size_t) (bad + 1) * MMAP_CHUNK_SIZE, (size_t) h->data_size) - 1;

		file[at] ^= 1;
		for (c = 0; c < nchunks; c++)
			FUZZ_CHECK(MmapFileCheckChunk(file, c) == (c != bad));
		file[at] ^= 1;
	}
	free(file);
	return 0;
}

/* A header field the edits below may change: offset and width. */
typedef struct FuzzField
{
	size_t		offset;
	size_t		width;
} FuzzField;

#define FUZZ_FIELD(name) \
	{offsetof(MmapFileHeader, name), sizeof(((MmapFileHeader *) 0)->name)}

static const FuzzField fuzz_fields[] = {
	FUZZ_FIELD(magic), FUZZ_FIELD(version), FUZZ_FIELD(spc_node),
	FUZZ_FIELD(db_node), FUZZ_FIELD(rel_node), FUZZ_FIELD(record_size),
	FUZZ_FIELD(stride), FUZZ_FIELD(nslots), FUZZ_FIELD(build_id),
	FUZZ_FIELD(changes), FUZZ_FIELD(lsn), FUZZ_FIELD(data_offset),
	FUZZ_FIELD(data_size), FUZZ_FIELD(crc_offset), FUZZ_FIELD(chunk_size),
	FUZZ_FIELD(nchunks)
};

/* Read a header field as an unsigned 64-bit number. */
static uint64
FuzzFieldGet(const char *file, const FuzzField *f)
{
	uint32		v32;
	uint64		v64;

	if (f->width == sizeof(uint32))
	{
		memcpy(&v32, file + f->offset, sizeof(v32));
		return v32;
	}
	memcpy(&v64, file + f->offset, sizeof(v64));
	return v64;
}

/* Write a header field (truncated to its width). */
static void
FuzzFieldSet(char *file, const FuzzField *f, uint64 value)
{
	uint32		v32 = (uint32) value;

	if (f->width == sizeof(uint32))
		memcpy(file + f->offset, &v32, sizeof(v32));
	else
		memcpy(file + f->offset, &value, sizeof(value));
}

/*
 * Structure-aware edits of a valid image: the input, 4 bytes per edit
 * after the first two, says which header field to change and how (add a
 * small signed delta, scale it, copy another field into it, or set it to
 * a small value), or changes the file's size (by a delta, or to what the
 * header claims).  The CRC is
 * then made right, so only the arithmetic checks stand between an edited
 * header and the reads mmap.c would do through it: an accepted image must
 * be in bounds, and its chunks are read (ASan watches).
 */
static void
FuzzCheckEditedImage(const uint8_t *data, size_t size)
{
	uint32		nslots = 0;
	size_t		file_size;
	size_t		new_size;
	char	   *file;
	char	   *edited;
	const MmapFileHeader *h;
	size_t		i;
	uint32		c;

	if (size >= 2)
		nslots = ((uint32) data[0] << 8 | data[1]) % (FUZZ_MAX_SLOTS + 1);
	file = FuzzWriteImage(data, size, nslots, &file_size);
	new_size = file_size;
	for (i = 2; i + 4 <= size; i += 4)
	{
		const FuzzField *f = &fuzz_fields[data[i] % lengthof(fuzz_fields)];
		const FuzzField *g = &fuzz_fields[data[i + 2] % lengthof(fuzz_fields)];
		int			delta = (int) (int8) data[i + 3];
		uint64		v = FuzzFieldGet(file, f);

		switch (data[i + 1] % 6)
		{
			case 0:
				FuzzFieldSet(file, f, v + (uint64) (int64) delta);
				break;
			case 1:
				FuzzFieldSet(file, f, v * (uint64) (data[i + 3] % 5));
				break;
			case 2:
				FuzzFieldSet(file, f, FuzzFieldGet(file, g));
				break;
			case 3:
				FuzzFieldSet(file, f, (uint64) data[i + 2] << (data[i + 3] % 64));
				break;
			case 4:
				/* grow or cut the file by up to 32 kB */
				new_size = (size_t) Max((int64) sizeof(MmapFileHeader),
										(int64) file_size + delta * 256 +
										(int) data[i + 2] - 128);
				break;
			case 5:
				/* the size the header claims, if not absurd */
				{
					const MmapFileHeader *eh = (const MmapFileHeader *) file;
					uint64		claim = eh->crc_offset +
						(uint64) eh->nchunks * sizeof(pg_crc32c);

					if (claim >= sizeof(MmapFileHeader) && claim <= 4 * file_size + 65536)
						new_size = (size_t) claim;
				}
				break;
		}
	}

	edited = calloc(1, new_size);
	FUZZ_CHECK(edited != NULL);
	memcpy(edited, file, Min(file_size, new_size));
	free(file);
	FuzzFixHeaderCrc(edited, new_size);
	h = (const MmapFileHeader *) edited;
	if (MmapFileCheckHeader(edited, new_size, FUZZ_SPC, FUZZ_DB, FUZZ_REL,
							FUZZ_RECORD) == NULL)
	{
		FUZZ_CHECK(h->stride >= FUZZ_RECORD && h->stride % MMAP_RECORD_ALIGN == 0);
		FUZZ_CHECK(h->data_offset >= sizeof(MmapFileHeader));
		FUZZ_CHECK(h->data_offset + h->data_size <= h->crc_offset);
		FUZZ_CHECK(h->crc_offset + (uint64) h->nchunks * sizeof(pg_crc32c) == new_size);
		FUZZ_CHECK((uint64) h->nchunks * h->chunk_size >= h->data_size);
		FUZZ_CHECK(h->data_size >= (uint64) h->nslots * FUZZ_RECORD);
		for (c = 0; c < h->nchunks; c++)
			(void) MmapFileCheckChunk(edited, c);
	}
	free(edited);
}

/* libFuzzer entry point: one image, and one written from its bytes. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzCheckRawImage(data, size, false);
	FuzzCheckRawImage(data, size, true);
	FuzzCheckWrittenImage(data, size);
	FuzzCheckEditedImage(data, size);
	return 0;
}
