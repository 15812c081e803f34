-- vector_io: the text form of type vector, and every text-input error.
-- pg_regress test; zvec is already created in this database.

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

-- accepted forms
SELECT '[1,2,3]'::vector;
SELECT '[-1,-2,-3]'::vector;
SELECT '[1.,2.,3.]'::vector;
SELECT ' [ 1,  2 ,    3  ] '::vector;
SELECT (E'\t[\n1\r,\f2' || chr(11) || E']\n')::vector;
SELECT '[1,2.5,-3e-2]'::vector;
SELECT '[+1,1E2,0x10]'::vector;
SELECT '[1.23456]'::vector;
SELECT '[1.5e38,-1.5e38]'::vector;
SELECT '[1.5e+38,-1.5e+38]'::vector;
SELECT '[1.5e-38,-1.5e-38]'::vector;
-- underflow to zero is accepted, as in float4in
SELECT '[1e-46,1]'::vector;
SELECT '[-1e-46,1]'::vector;
-- the smallest subnormal and the largest finite float4
SELECT '[1e-45,3.4028235e38]'::vector;

-- output is the shortest text that reads back to the same float4
SELECT '[0.1,0.2,0.3]'::vector;
SELECT '[0.333333333333,100000000,1e-7,123456789]'::vector;
SELECT '[0,-0]'::vector;

-- output reads back to the same bits, for many values
SELECT setseed(0.5);
SELECT count(*) AS mismatches
FROM (SELECT array_agg(((random() - 0.5) * 10 ^ (random() * 60 - 30))::real) AS a
      FROM generate_series(1, 5000) i
      GROUP BY i % 500) s
WHERE a::vector::text::vector::real[] IS DISTINCT FROM a;

-- the parser's buffer grows past its first allocation, up to 16000 values
SELECT vector_dims(('[' || array_to_string(array_fill(7, ARRAY[17]), ',') || ']')::vector);
SELECT v::text = '[' || array_to_string(array_fill(7, ARRAY[16000]), ',') || ']' AS same,
       vector_dims(v)
FROM (SELECT ('[' || array_to_string(array_fill(7, ARRAY[16000]), ',') || ']')::vector AS v) s;
SELECT (('[' || string_agg(i::text, ',') || ']')::vector)::real[] = array_agg(i::real)
FROM generate_series(1, 1000) i;

-- malformed input: 22P02 with a detail
SELECT q AS input, pg_temp.err(format('SELECT %L::vector', q)) AS error
FROM (VALUES
	('[hello,1]'),
	('[1,2,3'),
	('[1,2,3]9'),
	('[1,2,3] ]'),
	('1,2,3'),
	(''),
	('  '),
	('{1,2,3}'),
	('['),
	('[ '),
	('[,'),
	('[,]'),
	('[1,]'),
	('[1a]'),
	('[1 2]'),
	('[1,,3]'),
	('[1, ,3]'),
	('[1;2]')
) t(q);

-- empty, non-finite and out-of-range elements
SELECT q AS input, pg_temp.err(format('SELECT %L::vector', q)) AS error
FROM (VALUES
	('[]'),
	('[ ]'),
	('[NaN,1]'),
	('[1,nan]'),
	('[Infinity,1]'),
	('[-Infinity,1]'),
	('[1,inf]'),
	('[4e38,1]'),
	('[-4e38,1]'),
	('[1,1e39]')
) t(q);

-- more than 16000 dimensions: 54000
SELECT pg_temp.err(format('SELECT %L::vector',
	'[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')) AS error;
SELECT pg_temp.err(format('SELECT %L::vector',
	'[' || array_to_string(array_fill(1, ARRAY[20000]), ',') || ']')) AS error;

-- typed input in a table, and NULL
CREATE TABLE vector_io_t (id int, v vector);
INSERT INTO vector_io_t VALUES (1, '[1,2,3]'), (2, ' [4 , 5] '), (3, NULL);
SELECT id, v, vector_dims(v) FROM vector_io_t ORDER BY id;
SELECT pg_typeof(v), format_type(atttypid, atttypmod)
FROM vector_io_t, pg_attribute
WHERE attrelid = 'vector_io_t'::regclass AND attname = 'v' AND id = 1;
DROP TABLE vector_io_t;

-- large values are stored out of line (STORAGE external) and read back intact
CREATE TABLE vector_io_toast (v vector);
INSERT INTO vector_io_toast
SELECT array_agg((i % 97) * 0.5 - 20)::vector FROM generate_series(1, 16000) i;
SELECT pg_column_size(v) AS stored_bytes, vector_dims(v),
       v = (SELECT array_agg((i % 97) * 0.5 - 20)::vector FROM generate_series(1, 16000) i) AS same,
       subvector(v, 15998, 3)
FROM vector_io_toast;
SELECT pg_relation_size(reltoastrelid) > 0 AS toasted
FROM pg_class WHERE oid = 'vector_io_toast'::regclass;
DROP TABLE vector_io_toast;

-- the type's catalog entry: variable length, external storage, int alignment
SELECT typlen, typstorage, typalign, typinput, typoutput, typreceive, typsend, typmodin
FROM pg_type WHERE typname = 'vector';

-- arrays of vectors
SELECT '{"[1,2,3]","[4,5,6]"}'::vector[];
SELECT unnest('{"[1,2,3]", "[4,5,6]"}'::vector[]);
