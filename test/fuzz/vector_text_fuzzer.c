/*-------------------------------------------------------------------------
 *
 * vector_text_fuzzer.c
 *	  libFuzzer harness of the vector text parser (src/type/vector_parse.c).
 *
 * Each input, NUL-terminated as a cstring reaches vector_in, is parsed
 * into a buffer that starts small and is grown exactly as vector_in grows
 * it, so the parser's resumption is exercised at every size.  Beyond "no
 * crash, no out-of-bounds access, no undefined behaviour" (ASan, UBSan),
 * the harness checks:
 *
 *	- every failure points at text that explains it (the character or the
 *	  token the status names);
 *	- differential: for an accepted vector, cutting the text at its commas
 *	  and brackets and reading each piece with strtof() alone gives the
 *	  same floats, bit for bit;
 *	- round trip: writing the floats in shortest-decimal form, as
 *	  vector_out does, and parsing that again gives the same floats.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * test/fuzz/vector_text_fuzzer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <errno.h>
#include <math.h>

#include "common/shortest_dec.h"

#include "fuzz_common.h"
#include "type/vector_parse.h"

/* Whether ch is whitespace of the text form. */
static bool
FuzzIsSpace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' ||
		ch == '\r' || ch == '\v' || ch == '\f';
}

/* Parse text as vector_in does: grow the buffer while the parser asks. */
static VectorParseStatus
FuzzParse(const char *text, int capacity, VectorTextParser *p, float **values)
{
	VectorParseStatus status;

	VectorTextParserInit(p, text);
	*values = malloc(sizeof(float) * capacity);
	FUZZ_CHECK(*values != NULL);
	while ((status = VectorParseText(p, *values, capacity)) == ZVEC_PARSE_MORE)
	{
		FUZZ_CHECK(p->dim == capacity && capacity < ZVEC_VECTOR_MAX_DIM);
		capacity = Min(capacity * 2, ZVEC_VECTOR_MAX_DIM);
		*values = realloc(*values, sizeof(float) * capacity);
		FUZZ_CHECK(*values != NULL);
	}
	return status;
}

/* The failure at p->pos must be what the status says it is. */
static void
FuzzCheckFailure(const char *text, size_t len, VectorParseStatus status,
				 const VectorTextParser *p)
{
	const char *at = text + p->pos;
	char	   *end;
	float		value;

	FUZZ_CHECK(p->pos <= len);
	FUZZ_CHECK(p->dim >= 0 && p->dim <= ZVEC_VECTOR_MAX_DIM);
	switch (status)
	{
		case ZVEC_PARSE_NO_OPEN:
			FUZZ_CHECK(*at != '[' && !FuzzIsSpace(*at) && p->dim == 0);
			break;
		case ZVEC_PARSE_EMPTY:
			FUZZ_CHECK(*at == ']' && p->dim == 0);
			break;
		case ZVEC_PARSE_TOO_MANY:
			FUZZ_CHECK(p->dim == ZVEC_VECTOR_MAX_DIM);
			break;
		case ZVEC_PARSE_NO_CLOSE:
			FUZZ_CHECK(*at == '\0');
			break;
		case ZVEC_PARSE_NOT_NUMBER:
			FUZZ_CHECK(*at != '\0' && !FuzzIsSpace(*at));
			(void) strtof(at, &end);
			FUZZ_CHECK(end == at);
			break;
		case ZVEC_PARSE_OUT_OF_RANGE:
			FUZZ_CHECK(p->pos < p->end && p->end <= len);
			errno = 0;
			value = strtof(at, &end);
			FUZZ_CHECK(end == text + p->end && errno == ERANGE && isinf(value));
			break;
		case ZVEC_PARSE_NAN:
			value = strtof(at, &end);
			FUZZ_CHECK(end == text + p->end && isnan(value));
			break;
		case ZVEC_PARSE_INFINITE:
			value = strtof(at, &end);
			FUZZ_CHECK(end == text + p->end && isinf(value));
			break;
		case ZVEC_PARSE_NO_COMMA:
			FUZZ_CHECK(*at != ',' && *at != ']' && *at != '\0' && !FuzzIsSpace(*at));
			FUZZ_CHECK(p->dim >= 1);
			break;
		case ZVEC_PARSE_JUNK:
			FUZZ_CHECK(*at != '\0' && !FuzzIsSpace(*at) && p->dim >= 1);
			break;
		default:
			FUZZ_CHECK(!"unexpected status");
	}
}

/*
 * Differential check of an accepted text: split it at "[", "," and "]",
 * read each piece with strtof() alone, compare bit for bit.
 */
static void
FuzzCheckTokens(const char *text, const float *values, int dim)
{
	const char *s = text;
	int			i;

	while (FuzzIsSpace(*s))
		s++;
	FUZZ_CHECK(*s == '[');
	s++;
	for (i = 0; i < dim; i++)
	{
		const char *stop = s;
		char	   *end;
		float		value;

		while (*stop != ',' && *stop != ']')
		{
			FUZZ_CHECK(*stop != '\0');
			stop++;
		}
		errno = 0;
		value = strtof(s, &end);
		FUZZ_CHECK(end > s && end <= stop);
		while (end < stop)
			FUZZ_CHECK(FuzzIsSpace(*end++));
		FUZZ_CHECK(memcmp(&value, &values[i], sizeof(float)) == 0);
		FUZZ_CHECK(*stop == (i == dim - 1 ? ']' : ','));
		s = stop + 1;
	}
	while (FuzzIsSpace(*s))
		s++;
	FUZZ_CHECK(*s == '\0');
}

/* Round trip: shortest-decimal output parses back to the same floats. */
static void
FuzzCheckRoundTrip(const float *values, int dim)
{
	char	   *buf = malloc((size_t) dim * FLOAT_SHORTEST_DECIMAL_LEN + 3);
	char	   *pos = buf;
	VectorTextParser p;
	float	   *again;
	int			i;

	FUZZ_CHECK(buf != NULL);
	*pos++ = '[';
	for (i = 0; i < dim; i++)
	{
		if (i > 0)
			*pos++ = ',';
		pos += float_to_shortest_decimal_bufn(values[i], pos);
	}
	*pos++ = ']';
	*pos = '\0';

	FUZZ_CHECK(FuzzParse(buf, ZVEC_VECTOR_MAX_DIM, &p, &again) == ZVEC_PARSE_OK);
	FUZZ_CHECK(p.dim == dim);
	FUZZ_CHECK(memcmp(again, values, sizeof(float) * dim) == 0);
	free(again);
	free(buf);
}

/* libFuzzer entry point: one input, as a cstring. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	size_t		len;
	VectorTextParser p;
	VectorParseStatus status;
	float	   *values;
	int			i;

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	len = strlen(text);

	/* a small first buffer, varied with the input, as vector_in's grows */
	status = FuzzParse(text, 1 + (int) (size % 7), &p, &values);
	if (status == ZVEC_PARSE_OK)
	{
		FUZZ_CHECK(p.dim >= 1 && p.dim <= ZVEC_VECTOR_MAX_DIM);
		FUZZ_CHECK(p.pos == len);
		for (i = 0; i < p.dim; i++)
			FUZZ_CHECK(isfinite(values[i]));
		FuzzCheckTokens(text, values, p.dim);
		FuzzCheckRoundTrip(values, p.dim);
	}
	else
		FuzzCheckFailure(text, len, status, &p);

	free(values);
	free(text);
	return 0;
}
