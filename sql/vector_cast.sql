-- vector_cast: casts between vector and arrays.
-- pg_regress test; zvec is already created in this database.

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

-- integer[], real[], double precision[] and numeric[] to vector
SELECT ARRAY[1,2,3]::vector;
SELECT ARRAY[1.0,2.0,3.0]::vector;
SELECT ARRAY[1,2,3]::real[]::vector;
SELECT ARRAY[1,2,3]::double precision[]::vector;
SELECT ARRAY[1,2,3]::numeric[]::vector;
SELECT '{1,2,3}'::real[]::vector(3);
SELECT '{1.5,-2.25,0.1}'::real[]::vector;
SELECT '{0.1,0.333333333333333}'::double precision[]::vector;
SELECT '{0.1,123456789.123}'::numeric[]::vector;
SELECT ARRAY[-2147483648,2147483647]::vector;
-- float8 below float4's range rounds to zero
SELECT '{1e-46,-1e-46}'::double precision[]::vector;
-- arrays with a lower bound other than 1
SELECT '[5:7]={1,2,3}'::int[]::vector;
SELECT array_to_vector('{1,2}'::int[], -1, false);

-- the casts are assignment casts: no implicit conversion in expressions
SELECT pg_temp.err('SELECT ARRAY[1,2,3] <-> ''[1,2,3]''::vector') AS error;
CREATE TEMP TABLE cast_t (v vector(2));
INSERT INTO cast_t VALUES (ARRAY[1,2]), ('{3,4}'::real[]), ('{5,6}'::float8[]),
	(ARRAY[7.5,8.5]);
SELECT v FROM cast_t;

-- errors
SELECT q AS query, pg_temp.err(q) AS error
FROM (VALUES
	('SELECT ''{NULL}''::real[]::vector'),
	('SELECT ''{1,NULL,3}''::int[]::vector'),
	('SELECT ''{NaN}''::real[]::vector'),
	('SELECT ''{1,NaN}''::numeric[]::vector'),
	('SELECT ''{Infinity}''::real[]::vector'),
	('SELECT ''{-Infinity}''::double precision[]::vector'),
	('SELECT ''{4e38,-4e38}''::double precision[]::vector'),
	('SELECT ''{1e39}''::numeric[]::vector'),
	('SELECT ''{}''::real[]::vector'),
	('SELECT ''{{1}}''::real[]::vector'),
	('SELECT ''{{1,2},{3,4}}''::int[]::vector'),
	('SELECT ''{1,2,3}''::real[]::vector(2)'),
	('SELECT array_fill(1, ARRAY[16001])::vector'),
	('SELECT ''{1,2}''::text[]::vector')
) t(q);

-- vector to real[]: an implicit cast
SELECT '[1,2,3]'::vector::real[];
SELECT '[0.1,-0,1e-45]'::vector::real[];
SELECT pg_typeof('[1,2,3]'::vector::real[]);
SELECT array_length('[1,2,3,4,5]'::vector::real[], 1);
CREATE FUNCTION pg_temp.first_real(a real[]) RETURNS real LANGUAGE sql AS 'SELECT a[1]';
SELECT pg_temp.first_real('[5,6]'::vector);
SELECT vector_to_float4('[1,2]', -1, false);

-- vector to vector(n) uses the length coercion, an implicit cast
SELECT castcontext, castfunc::regprocedure
FROM pg_cast
WHERE castsource = 'vector'::regtype OR casttarget = 'vector'::regtype
ORDER BY castsource::regtype::text, casttarget::regtype::text;
