/*-------------------------------------------------------------------------
 *
 * fuzz_common.h
 *	  What every zvec libFuzzer harness shares: a checked-property macro.
 *
 * A harness fails by aborting, which libFuzzer reports as a crash and
 * saves the input as an artifact.  FUZZ_CHECK says which property broke
 * before it aborts, so an artifact explains itself when replayed.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * test/fuzz/fuzz_common.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_FUZZ_COMMON_H
#define ZVEC_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

/* Abort with a message unless cond holds. */
#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "%s:%d: property failed: %s\n", \
					__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* The libFuzzer entry points: every harness defines the first. */
extern int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern int	LLVMFuzzerInitialize(int *argc, char ***argv);

#endif							/* ZVEC_FUZZ_COMMON_H */
