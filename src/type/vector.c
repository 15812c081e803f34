/*-------------------------------------------------------------------------
 *
 * vector.c
 *	  The pgvector-compatible "vector" type: I/O, casts, operators, aggregates.
 *
 * Every behaviour a user can see here (text and binary forms, error
 * messages and SQLSTATEs, float rounding of distances) matches pgvector
 * 0.8, so SQL and client code written for pgvector run unchanged.  The
 * distance functions go through the SIMD kernels chosen at load time in
 * distance.c; everything else is plain C over the float4 array.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/type/vector.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "zvec.h"
#include "type/distance.h"
#include "type/vector.h"
#include "type/vector_parse.h"

/* Initial number of elements the text parser makes room for. */
#define ZVEC_VECTOR_PARSE_INITIAL 16

/* Number of vector dimensions held in an aggregate state array. */
#define ZVEC_STATE_DIMS(arr)	(ARR_DIMS(arr)[0] - 1)

/* The kernel a distance function runs (see VectorDistance). */
typedef enum VectorDistanceKind
{
	ZVEC_KERNEL_L2SQ,
	ZVEC_KERNEL_IP,
	ZVEC_KERNEL_COSINE,
	ZVEC_KERNEL_L1
} VectorDistanceKind;

/* The operation an element-wise operator applies (see VectorElementwise). */
typedef enum VectorElementOp
{
	ZVEC_ELEMENT_ADD,
	ZVEC_ELEMENT_SUB,
	ZVEC_ELEMENT_MUL
} VectorElementOp;

/* Choose the distance kernels for this CPU. */
void
VectorInit(void)
{
	DistanceChooseKernels();
}

/* Return the kernel set in use; it is always set once the module loads. */
static inline const DistanceKernels *
VectorKernels(void)
{
	if (distance_kernels == NULL)
		elog(ERROR, "zvec distance kernels are not initialised");
	return distance_kernels;
}

/* Fail unless dim is a dimension count a vector may have. */
void
VectorCheckDim(int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension"),
				 errhint("A vector needs at least one element, as in '[1]'.")));
	if (dim > ZVEC_VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("vector cannot have more than %d dimensions",
						ZVEC_VECTOR_MAX_DIM),
				 errhint("Reduce the number of dimensions, or split the vector with subvector().")));
}

/* Fail unless dim matches the type modifier (-1 means any). */
static inline void
VectorCheckTypmod(int32 typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim),
				 errhint("A value of type vector(%d) must have exactly %d elements.",
						 typmod, typmod)));
}

/* Fail unless two operands have the same number of dimensions. */
void
VectorCheckSameDims(const Vector *a, const Vector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", a->dim, b->dim),
				 errhint("Both operands must have the same number of dimensions.")));
}

/* Report a NaN element. */
static void
pg_attribute_noreturn()
VectorNanError(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("NaN not allowed in vector"),
			 errhint("Replace NaN elements with finite values.")));
}

/* Report an infinite element. */
static void
pg_attribute_noreturn()
VectorInfiniteError(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("infinite value not allowed in vector"),
			 errhint("Replace infinite elements with finite values.")));
}

/* Fail unless an element is finite. */
static inline void
VectorCheckElement(float4 value)
{
	if (isnan(value))
		VectorNanError();
	if (isinf(value))
		VectorInfiniteError();
}

/* Report that an element of a computed vector overflowed float4. */
static void
pg_attribute_noreturn()
VectorOverflowError(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value out of range: overflow"),
			 errdetail("An element of the result is too large for type real.")));
}

/* Report that an element of a computed vector underflowed to zero. */
static void
pg_attribute_noreturn()
VectorUnderflowError(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value out of range: underflow"),
			 errdetail("An element of the result is too small for type real.")));
}

/* Fail if any element of a freshly computed vector is infinite. */
static inline void
VectorCheckOverflow(const Vector *v)
{
	int			i;

	for (i = 0; i < v->dim; i++)
	{
		if (isinf(v->x[i]))
			VectorOverflowError();
	}
}

/* Allocate a zeroed vector of dim dimensions. */
Vector *
VectorAllocate(int dim)
{
	Size		size = ZVEC_VECTOR_SIZE(dim);
	Vector	   *result;

	result = (Vector *) palloc0(size);
	SET_VARSIZE(result, size);
	result->dim = (int16) dim;
	result->unused = 0;
	return result;
}

/* Order vectors element by element, then by dimension count. */
int
VectorCompare(const Vector *a, const Vector *b)
{
	int			n = Min(a->dim, b->dim);
	int			i;

	for (i = 0; i < n; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	if (a->dim < b->dim)
		return -1;
	if (a->dim > b->dim)
		return 1;
	return 0;
}

/* Raise the generic syntax error for text input, with a detail. */
static void
pg_attribute_noreturn()
VectorSyntaxError(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type vector: \"%s\"", input),
			 errdetail_internal("%s", detail)));
}

/*
 * Text input: '[' number (',' number)* ']', whitespace allowed around every
 * token.  vector_parse.c reads the text; this turns what it found into the
 * matching error, or into a vector.
 */
PG_FUNCTION_INFO_V1(vector_in);
Datum
vector_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	VectorTextParser parser;
	VectorParseStatus status;
	float4	   *values;
	int			capacity = ZVEC_VECTOR_PARSE_INITIAL;
	Vector	   *result;

	VectorTextParserInit(&parser, input);
	values = (float4 *) palloc(sizeof(float4) * capacity);
	while ((status = VectorParseText(&parser, values, capacity)) == ZVEC_PARSE_MORE)
	{
		capacity = Min(capacity * 2, ZVEC_VECTOR_MAX_DIM);
		values = (float4 *) repalloc(values, sizeof(float4) * capacity);
	}

	switch (status)
	{
		case ZVEC_PARSE_OK:
			break;
		case ZVEC_PARSE_NO_OPEN:
			VectorSyntaxError(input, _("Vector contents must start with \"[\"."));
			break;
		case ZVEC_PARSE_EMPTY:
			/* the dimension check's own errors, for none and too many */
			VectorCheckDim(0);
			break;
		case ZVEC_PARSE_TOO_MANY:
			VectorCheckDim(ZVEC_VECTOR_MAX_DIM + 1);
			break;
		case ZVEC_PARSE_NO_CLOSE:
			VectorSyntaxError(input, _("Vector contents must end with \"]\"."));
			break;
		case ZVEC_PARSE_NOT_NUMBER:
			VectorSyntaxError(input, psprintf(_("Element %d is not a number."),
											  parser.dim + 1));
			break;
		case ZVEC_PARSE_OUT_OF_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%s\" is out of range for type vector",
							pnstrdup(input + parser.pos, parser.end - parser.pos)),
					 errdetail("Vector elements must fit in type real.")));
			break;
		case ZVEC_PARSE_NAN:
			VectorNanError();
			break;
		case ZVEC_PARSE_INFINITE:
			VectorInfiniteError();
			break;
		case ZVEC_PARSE_NO_COMMA:
			VectorSyntaxError(input, _("Vector elements must be separated by \",\"."));
			break;
		case ZVEC_PARSE_JUNK:
			VectorSyntaxError(input, _("Junk after closing right brace."));
			break;
		default:
			elog(ERROR, "unexpected vector text parse status %d", (int) status);
	}

	VectorCheckDim(parser.dim);
	VectorCheckTypmod(typmod, parser.dim);

	result = VectorAllocate(parser.dim);
	memcpy(result->x, values, sizeof(float4) * parser.dim);
	pfree(values);

	PG_RETURN_VECTOR_P(result);
}

/* Text output: '[x1,x2,...]', each the shortest text that reads back exactly. */
PG_FUNCTION_INFO_V1(vector_out);
Datum
vector_out(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);
	char	   *buf;
	char	   *pos;
	int			i;

	/* each number needs at most FLOAT_SHORTEST_DECIMAL_LEN - 1 bytes */
	buf = (char *) palloc((Size) v->dim * FLOAT_SHORTEST_DECIMAL_LEN + 3);
	pos = buf;
	*pos++ = '[';
	for (i = 0; i < v->dim; i++)
	{
		if (i > 0)
			*pos++ = ',';
		pos += float_to_shortest_decimal_bufn(v->x[i], pos);
	}
	*pos++ = ']';
	*pos = '\0';

	PG_FREE_IF_COPY(v, 0);
	PG_RETURN_CSTRING(buf);
}

/* Type modifier input: vector(n) with 1 <= n <= ZVEC_VECTOR_MAX_DIM. */
PG_FUNCTION_INFO_V1(vector_typmod_in);
Datum
vector_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *mods = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *values;
	int			n;

	values = ArrayGetIntegerTypmods(mods, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errdetail("Type vector takes one modifier, the number of dimensions.")));
	if (values[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type vector must be at least 1"),
				 errhint("Write the number of dimensions, as in vector(3).")));
	if (values[0] > ZVEC_VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type vector cannot exceed %d",
						ZVEC_VECTOR_MAX_DIM),
				 errhint("Reduce the number of dimensions to %d or fewer.",
						 ZVEC_VECTOR_MAX_DIM)));

	PG_RETURN_INT32(values[0]);
}

/* Report a binary vector that ends inside a field, as pq_getmsgint() does. */
static void
pg_attribute_noreturn()
VectorRecvShortError(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROTOCOL_VIOLATION),
			 errmsg("insufficient data left in message")));
}

/*
 * Binary input: int16 dim, int16 unused (0), dim big-endian float4s, read
 * by vector_parse.c from the unread part of the message.
 */
PG_FUNCTION_INFO_V1(vector_recv);
Datum
vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	VectorBinaryParser parser;
	VectorParseStatus status;
	Vector	   *result;

	VectorBinaryParserInit(&parser, buf->data + buf->cursor,
						   (size_t) (buf->len - buf->cursor));
	if (VectorParseBinaryHeader(&parser) != ZVEC_PARSE_OK)
		VectorRecvShortError();

	VectorCheckDim(parser.dim);
	VectorCheckTypmod(typmod, parser.dim);
	if (parser.unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected unused to be 0, not %d", parser.unused),
				 errdetail("The reserved field of a binary vector must be zero.")));

	result = VectorAllocate(parser.dim);
	status = VectorParseBinaryValues(&parser, result->x);
	if (status == ZVEC_PARSE_SHORT)
		VectorRecvShortError();
	else if (status == ZVEC_PARSE_NAN)
		VectorNanError();
	else if (status == ZVEC_PARSE_INFINITE)
		VectorInfiniteError();
	else if (status != ZVEC_PARSE_OK)
		elog(ERROR, "unexpected vector binary parse status %d", (int) status);
	buf->cursor += (int) parser.pos;

	PG_RETURN_VECTOR_P(result);
}

/* Binary output: int16 dim, int16 unused, dim big-endian float4s. */
PG_FUNCTION_INFO_V1(vector_send);
Datum
vector_send(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, (uint16) v->dim);
	pq_sendint16(&buf, (uint16) v->unused);
	for (i = 0; i < v->dim; i++)
		pq_sendfloat4(&buf, v->x[i]);

	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Length coercion vector -> vector(n): check the dimension count. */
PG_FUNCTION_INFO_V1(vector_coerce);
Datum
vector_coerce(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	VectorCheckTypmod(typmod, v->dim);

	PG_RETURN_VECTOR_P(v);
}

/* Cast integer[], real[], double precision[] or numeric[] to vector. */
PG_FUNCTION_INFO_V1(array_to_vector);
Datum
array_to_vector(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int32		typmod = PG_GETARG_INT32(1);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	int			n;
	int			i;
	Vector	   *result;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be 1-D"),
				 errdetail("The array has %d dimensions.", ARR_NDIM(array))));
	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls"),
				 errhint("Replace NULL elements, for example with coalesce(), before the cast.")));

	switch (elemtype)
	{
		case INT4OID:
			typlen = sizeof(int32);
			typbyval = true;
			typalign = TYPALIGN_INT;
			break;
		case FLOAT4OID:
			typlen = sizeof(float4);
			typbyval = true;
			typalign = TYPALIGN_INT;
			break;
		case FLOAT8OID:
			typlen = sizeof(float8);
			typbyval = FLOAT8PASSBYVAL;
			typalign = TYPALIGN_DOUBLE;
			break;
		case NUMERICOID:
			typlen = -1;
			typbyval = false;
			typalign = TYPALIGN_INT;
			break;
		default:
			elog(ERROR, "array_to_vector: unsupported element type %u", elemtype);
			pg_unreachable();
	}

	deconstruct_array(array, elemtype, typlen, typbyval, typalign,
					  &elems, NULL, &n);

	VectorCheckDim(n);
	VectorCheckTypmod(typmod, n);

	result = VectorAllocate(n);
	for (i = 0; i < n; i++)
	{
		switch (elemtype)
		{
			case INT4OID:
				result->x[i] = (float4) DatumGetInt32(elems[i]);
				break;
			case FLOAT4OID:
				result->x[i] = DatumGetFloat4(elems[i]);
				break;
			case FLOAT8OID:
				result->x[i] = (float4) DatumGetFloat8(elems[i]);
				break;
			default:
				result->x[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4,
																  elems[i]));
				break;
		}
		VectorCheckElement(result->x[i]);
	}
	pfree(elems);

	PG_RETURN_VECTOR_P(result);
}

/* Cast vector to real[]. */
PG_FUNCTION_INFO_V1(vector_to_float4);
Datum
vector_to_float4(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);
	Datum	   *elems;
	ArrayType  *result;
	int			i;

	elems = (Datum *) palloc(sizeof(Datum) * v->dim);
	for (i = 0; i < v->dim; i++)
		elems[i] = Float4GetDatum(v->x[i]);
	result = construct_array(elems, v->dim, FLOAT4OID, sizeof(float4), true,
							 TYPALIGN_INT);
	pfree(elems);

	PG_RETURN_ARRAYTYPE_P(result);
}

/*
 * Fetch the two vector arguments of a distance function, check that their
 * dimensions match and run the kernel for kind.
 */
static inline double
VectorDistance(FunctionCallInfo fcinfo, VectorDistanceKind kind)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	const DistanceKernels *k;

	VectorCheckSameDims(a, b);
	k = VectorKernels();
	switch (kind)
	{
		case ZVEC_KERNEL_L2SQ:
			return (double) k->l2sq(a->x, b->x, a->dim);
		case ZVEC_KERNEL_IP:
			return (double) k->ip(a->x, b->x, a->dim);
		case ZVEC_KERNEL_COSINE:
			return k->cosine(a->x, b->x, a->dim);
		case ZVEC_KERNEL_L1:
			return (double) k->l1(a->x, b->x, a->dim);
	}
	pg_unreachable();
}

/* Squared Euclidean distance, which orders like <-> without the sqrt. */
PG_FUNCTION_INFO_V1(vector_l2_squared_distance);
Datum
vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(VectorDistance(fcinfo, ZVEC_KERNEL_L2SQ));
}

/* Euclidean distance, the <-> operator. */
PG_FUNCTION_INFO_V1(l2_distance);
Datum
l2_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(sqrt(VectorDistance(fcinfo, ZVEC_KERNEL_L2SQ)));
}

/* Inner (dot) product. */
PG_FUNCTION_INFO_V1(inner_product);
Datum
inner_product(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(VectorDistance(fcinfo, ZVEC_KERNEL_IP));
}

/* Negative inner product, the <#> operator (smaller is closer). */
PG_FUNCTION_INFO_V1(vector_negative_inner_product);
Datum
vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(-VectorDistance(fcinfo, ZVEC_KERNEL_IP));
}

/* Cosine distance, the <=> operator; NaN when either vector is zero. */
PG_FUNCTION_INFO_V1(cosine_distance);
Datum
cosine_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(VectorDistance(fcinfo, ZVEC_KERNEL_COSINE));
}

/* Taxicab (L1) distance, the <+> operator. */
PG_FUNCTION_INFO_V1(l1_distance);
Datum
l1_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(VectorDistance(fcinfo, ZVEC_KERNEL_L1));
}

/* Number of dimensions. */
PG_FUNCTION_INFO_V1(vector_dims);
Datum
vector_dims(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);

	PG_RETURN_INT32(v->dim);
}

/* Sum of squares in double precision, shared by norm and normalize. */
static double
VectorSumSquares(const Vector *v)
{
	double		sum = 0.0;
	int			i;

	for (i = 0; i < v->dim; i++)
		sum += (double) v->x[i] * (double) v->x[i];
	return sum;
}

/* Euclidean norm, accumulated in double precision. */
PG_FUNCTION_INFO_V1(vector_norm);
Datum
vector_norm(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);

	PG_RETURN_FLOAT8(sqrt(VectorSumSquares(v)));
}

/* Scale to unit Euclidean norm; a zero vector stays zero. */
PG_FUNCTION_INFO_V1(l2_normalize);
Datum
l2_normalize(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);
	double		norm = sqrt(VectorSumSquares(v));
	Vector	   *result = VectorAllocate(v->dim);
	int			i;

	if (norm > 0)
	{
		for (i = 0; i < v->dim; i++)
			result->x[i] = (float4) (v->x[i] / norm);
		VectorCheckOverflow(result);
	}

	PG_RETURN_VECTOR_P(result);
}

/*
 * A fresh vector of a[i] op b[i], after checking that the dimensions match.
 * Fails if an element overflows or, for a product of nonzero elements,
 * underflows to zero.
 */
static inline Vector *
VectorElementwise(const Vector *a, const Vector *b, VectorElementOp op)
{
	Vector	   *result;
	int			i;

	VectorCheckSameDims(a, b);
	result = VectorAllocate(a->dim);
	for (i = 0; i < a->dim; i++)
	{
		switch (op)
		{
			case ZVEC_ELEMENT_ADD:
				result->x[i] = a->x[i] + b->x[i];
				break;
			case ZVEC_ELEMENT_SUB:
				result->x[i] = a->x[i] - b->x[i];
				break;
			case ZVEC_ELEMENT_MUL:
				result->x[i] = a->x[i] * b->x[i];
				break;
		}
	}
	if (op != ZVEC_ELEMENT_MUL)
	{
		VectorCheckOverflow(result);
		return result;
	}
	for (i = 0; i < a->dim; i++)
	{
		if (isinf(result->x[i]))
			VectorOverflowError();
		if (result->x[i] == 0 && a->x[i] != 0 && b->x[i] != 0)
			VectorUnderflowError();
	}
	return result;
}

/* Element-wise sum, the + operator. */
PG_FUNCTION_INFO_V1(vector_add);
Datum
vector_add(PG_FUNCTION_ARGS)
{
	PG_RETURN_VECTOR_P(VectorElementwise(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1),
										 ZVEC_ELEMENT_ADD));
}

/* Element-wise difference, the - operator. */
PG_FUNCTION_INFO_V1(vector_sub);
Datum
vector_sub(PG_FUNCTION_ARGS)
{
	PG_RETURN_VECTOR_P(VectorElementwise(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1),
										 ZVEC_ELEMENT_SUB));
}

/* Element-wise product, the * operator; fails on overflow or underflow. */
PG_FUNCTION_INFO_V1(vector_mul);
Datum
vector_mul(PG_FUNCTION_ARGS)
{
	PG_RETURN_VECTOR_P(VectorElementwise(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1),
										 ZVEC_ELEMENT_MUL));
}

/* Concatenation, the || operator. */
PG_FUNCTION_INFO_V1(vector_concat);
Datum
vector_concat(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	VectorCheckDim(a->dim + b->dim);
	result = VectorAllocate(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(float4) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(float4) * b->dim);

	PG_RETURN_VECTOR_P(result);
}

/*
 * subvector(v, start, count): count elements from 1-based position start,
 * clipped to the vector like substring() clips to a string.
 */
PG_FUNCTION_INFO_V1(subvector);
Datum
subvector(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);
	int32		start = PG_GETARG_INT32(1);
	int32		count = PG_GETARG_INT32(2);
	int32		stop;
	Vector	   *result;

	if (count < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension"),
				 errdetail("The count argument of subvector() is %d; it must be at least 1.",
						   count)));

	/* one past the last element wanted; compared so as not to overflow */
	if (start > v->dim - count)
		stop = v->dim + 1;
	else
		stop = start + count;

	if (start < 1)
		start = 1;
	else if (start > v->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension"),
				 errdetail("Start position %d is past the end of a vector of %d dimensions.",
						   start, v->dim)));

	if (stop - start < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension"),
				 errdetail("The requested range ends before the first element.")));

	result = VectorAllocate(stop - start);
	memcpy(result->x, v->x + (start - 1), sizeof(float4) * (stop - start));

	PG_RETURN_VECTOR_P(result);
}

/* Less than. */
PG_FUNCTION_INFO_V1(vector_lt);
Datum
vector_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCompare(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1)) < 0);
}

/* Less than or equal. */
PG_FUNCTION_INFO_V1(vector_le);
Datum
vector_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCompare(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1)) <= 0);
}

/* Equal. */
PG_FUNCTION_INFO_V1(vector_eq);
Datum
vector_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCompare(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1)) == 0);
}

/* Not equal. */
PG_FUNCTION_INFO_V1(vector_ne);
Datum
vector_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCompare(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1)) != 0);
}

/* Greater than or equal. */
PG_FUNCTION_INFO_V1(vector_ge);
Datum
vector_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCompare(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1)) >= 0);
}

/* Greater than. */
PG_FUNCTION_INFO_V1(vector_gt);
Datum
vector_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VectorCompare(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1)) > 0);
}

/* Three-way comparison, the btree support function. */
PG_FUNCTION_INFO_V1(vector_cmp);
Datum
vector_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VectorCompare(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1)));
}

/* Validate an avg() state array {count, sum1, ..., sumN}; return its data. */
static float8 *
VectorStateValues(ArrayType *state, const char *caller)
{
	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] < 1 ||
		ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: expected state array", caller),
				 errdetail("The state must be a one-dimensional double precision array without NULLs, holding a count followed by one sum per dimension.")));
	return (float8 *) ARR_DATA_PTR(state);
}

/* Fail unless a vector fits the dimension count of an avg() state. */
static inline void
VectorCheckStateDim(int statedim, int dim)
{
	if (statedim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", statedim, dim),
				 errhint("All vectors averaged together must have the same number of dimensions.")));
}

/* Build a state array from a count and dim sums. */
static ArrayType *
VectorStateBuild(float8 count, const float8 *sums, int dim)
{
	Datum	   *elems = (Datum *) palloc(sizeof(Datum) * (dim + 1));
	ArrayType  *result;
	int			i;

	elems[0] = Float8GetDatum(count);
	for (i = 0; i < dim; i++)
		elems[i + 1] = Float8GetDatum(sums[i]);
	result = construct_array(elems, dim + 1, FLOAT8OID, sizeof(float8),
							 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(elems);
	return result;
}

/* Add src into the running sums dst, failing on overflow. */
static inline void
VectorStateAdd(float8 *dst, const float8 *src, int dim)
{
	int			i;

	for (i = 0; i < dim; i++)
	{
		dst[i] += src[i];
		if (isinf(dst[i]))
			VectorOverflowError();
	}
}

/* avg() transition: count one more vector and add it to the sums. */
PG_FUNCTION_INFO_V1(vector_accum);
Datum
vector_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	Vector	   *v = PG_GETARG_VECTOR_P(1);
	float8	   *values = VectorStateValues(state, "vector_accum");
	int			dim = ZVEC_STATE_DIMS(state);
	float8	   *sums;
	int			i;
	ArrayType  *result;

	if (dim == 0)
	{
		/* first vector: its values are the sums */
		sums = (float8 *) palloc(sizeof(float8) * v->dim);
		for (i = 0; i < v->dim; i++)
			sums[i] = (float8) v->x[i];
		result = VectorStateBuild(values[0] + 1.0, sums, v->dim);
		pfree(sums);
		PG_RETURN_ARRAYTYPE_P(result);
	}

	VectorCheckStateDim(dim, v->dim);

	/* inside an aggregate the state is ours to update in place */
	if (AggCheckCallContext(fcinfo, NULL))
		result = state;
	else
		result = VectorStateBuild(values[0], values + 1, dim);

	values = (float8 *) ARR_DATA_PTR(result);
	values[0] += 1.0;
	for (i = 0; i < dim; i++)
	{
		values[i + 1] += (float8) v->x[i];
		if (isinf(values[i + 1]))
			VectorOverflowError();
	}

	PG_RETURN_ARRAYTYPE_P(result);
}

/* avg() combine: merge two partial states from parallel workers. */
PG_FUNCTION_INFO_V1(vector_combine);
Datum
vector_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state1 = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *state2 = PG_GETARG_ARRAYTYPE_P(1);
	float8	   *values1 = VectorStateValues(state1, "vector_combine");
	float8	   *values2 = VectorStateValues(state2, "vector_combine");
	int			dim1 = ZVEC_STATE_DIMS(state1);
	int			dim2 = ZVEC_STATE_DIMS(state2);
	ArrayType  *result;

	if (dim2 == 0)
		PG_RETURN_ARRAYTYPE_P(VectorStateBuild(values1[0] + values2[0],
											   values1 + 1, dim1));
	if (dim1 == 0)
		PG_RETURN_ARRAYTYPE_P(VectorStateBuild(values1[0] + values2[0],
											   values2 + 1, dim2));

	VectorCheckDim(dim1);
	VectorCheckStateDim(dim1, dim2);

	if (AggCheckCallContext(fcinfo, NULL))
		result = state1;
	else
		result = VectorStateBuild(values1[0], values1 + 1, dim1);

	values1 = (float8 *) ARR_DATA_PTR(result);
	values1[0] += values2[0];
	VectorStateAdd(values1 + 1, values2 + 1, dim1);

	PG_RETURN_ARRAYTYPE_P(result);
}

/* avg() final: divide the sums by the count; NULL when nothing was seen. */
PG_FUNCTION_INFO_V1(vector_avg);
Datum
vector_avg(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	float8	   *values = VectorStateValues(state, "vector_avg");
	int			dim = ZVEC_STATE_DIMS(state);
	Vector	   *result;
	int			i;

	if (values[0] == 0.0)
		PG_RETURN_NULL();

	VectorCheckDim(dim);
	result = VectorAllocate(dim);
	for (i = 0; i < dim; i++)
	{
		result->x[i] = (float4) (values[i + 1] / values[0]);
		VectorCheckElement(result->x[i]);
	}

	PG_RETURN_VECTOR_P(result);
}

/* Name of the distance kernel set this backend uses. */
PG_FUNCTION_INFO_V1(zvec_distance_kernel);
Datum
zvec_distance_kernel(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(VectorKernels()->name));
}
