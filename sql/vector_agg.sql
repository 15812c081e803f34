-- vector_agg: the avg(vector) and sum(vector) aggregates.
-- pg_regress test; zvec is already created in this database.

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

SELECT avg(v), sum(v) FROM unnest(ARRAY['[1,2,3]'::vector, '[3,5,7]']) v;
-- NULLs are skipped
SELECT avg(v), sum(v) FROM unnest(ARRAY['[1,2,3]'::vector, '[3,5,7]', NULL]) v;
-- no rows, or only NULLs: NULL
SELECT avg(v), sum(v) FROM unnest(ARRAY[]::vector[]) v;
SELECT avg(v), sum(v) FROM unnest(ARRAY[NULL]::vector[]) v;
-- the average is computed in double precision, then rounded to real
SELECT avg(v) FROM unnest(ARRAY['[3e38]'::vector, '[3e38]']) v;
SELECT avg(v) FROM unnest(ARRAY['[1]'::vector, '[0]', '[0]']) v;
SELECT avg(v) FROM (SELECT '[1,0.1]'::vector AS v FROM generate_series(1, 10)) s;
SELECT sum(v) FROM (SELECT '[1,0.1]'::vector AS v FROM generate_series(1, 10)) s;
-- GROUP BY
SELECT g, avg(v), sum(v)
FROM (VALUES (1, '[1,1]'::vector), (1, '[3,3]'), (2, '[10,20]')) t(g, v)
GROUP BY g ORDER BY g;

-- errors
SELECT q AS query, pg_temp.err(q) AS error
FROM (VALUES
	('SELECT avg(v) FROM unnest(ARRAY[''[1,2]''::vector, ''[3]'']) v'),
	('SELECT sum(v) FROM unnest(ARRAY[''[1,2]''::vector, ''[3]'']) v'),
	('SELECT sum(v) FROM unnest(ARRAY[''[3e38]''::vector, ''[3e38]'']) v')
) t(q);

-- the support functions, called directly
SELECT vector_accum('{0}', '[1,2,3]');
SELECT vector_accum('{1,1,2,3}', '[1,2,3]');
SELECT vector_combine('{1,2}', '{3,4}');
SELECT vector_combine('{0}', '{2,4,6}');
SELECT vector_combine('{2,4,6}', '{0}');
SELECT vector_combine('{0}', '{0}');
SELECT vector_avg('{2,2,4,6}');
SELECT vector_avg('{0}');
SELECT q AS query, pg_temp.err(q) AS error
FROM (VALUES
	('SELECT vector_accum(''{0,0}'', ''[1,2,3]'')'),
	('SELECT vector_accum(''{{0}}'', ''[1,2,3]'')'),
	('SELECT vector_accum(''{NULL}'', ''[1,2,3]'')'),
	('SELECT vector_accum(''{}'', ''[1,2,3]'')'),
	('SELECT vector_combine(''{1,2}'', ''{1,2,3}'')'),
	('SELECT vector_combine(''{1,1e308}'', ''{1,1e308}'')'),
	('SELECT vector_avg(''{1}'')'),
	('SELECT vector_avg(''{1,1e300}'')'),
	('SELECT vector_avg(''{NULL,2,4,6}'')'),
	('SELECT vector_avg(array_agg(n)) FROM generate_series(1, 16002) n')
) t(q);

-- catalog: both aggregates are parallel safe and have a combine function
SELECT aggfnoid::regprocedure, aggtransfn, aggcombinefn, aggfinalfn, agginitval,
       proparallel
FROM pg_aggregate JOIN pg_proc ON pg_proc.oid = aggfnoid
WHERE aggfnoid::regprocedure::text IN ('avg(vector)', 'sum(vector)')
ORDER BY 1::text;

-- a parallel plan combines partial states and gives the serial answer
CREATE TABLE vector_agg_t (g int, v vector(3));
INSERT INTO vector_agg_t
SELECT i % 3, ARRAY[i % 7, (i % 11) * 0.5, -(i % 13)]::real[]::vector
FROM generate_series(1, 30000) i;
ANALYZE vector_agg_t;
CREATE TEMP TABLE vector_agg_serial AS
SELECT g, avg(v) AS a, sum(v) AS s FROM vector_agg_t GROUP BY g;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM vector_agg_t;
SELECT avg(v), sum(v) FROM vector_agg_t;
SELECT p.g, p.a = s.a AS avg_same, p.s = s.s AS sum_same
FROM (SELECT g, avg(v) AS a, sum(v) AS s FROM vector_agg_t GROUP BY g) p
JOIN vector_agg_serial s USING (g) ORDER BY p.g;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT avg(v), sum(v) FROM vector_agg_t;
DROP TABLE vector_agg_t;
