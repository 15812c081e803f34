-- hostile_limits: reloptions and settings at their limits, where indexes
-- must still build and answer, and just past them, where each must be a
-- clear error.  (The catalog view of each setting, and the simple range
-- errors, are in hnsw_options and memory_gucs.)
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

CREATE TABLE hl (id int, v vector(4));
INSERT INTO hl SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3), i / 300.0]::vector
FROM generate_series(1, 300) i;

-- The smallest graph (m = 2, ef_construction = 4) and the largest
-- (m = 100, ef_construction = 1000) build on both storages.  The largest
-- reaches every row; the smallest is a poor graph, but still finds most
-- of them (at least 80%: its build is random, and it found 290 or more
-- in every trial).
CREATE INDEX hl_min_buf ON hl USING zvec (v) WITH (m = 2, ef_construction = 4);
CREATE INDEX hl_max_mmap ON hl USING zvec (v vector_cosine_ops)
	WITH (m = 100, ef_construction = 1000, storage = mmap);
SET enable_seqscan = off;
SET zvec.ef_search = 1000;
SET zvec.iterative_scan = relaxed_order;
SELECT count(*) >= 240 AS most_rows, count(DISTINCT id) = count(*) AS distinct_rows
FROM (SELECT id FROM hl ORDER BY v <-> '[0,0,0,0.5]' LIMIT 300) s;
SELECT count(*), count(DISTINCT id) FROM
	(SELECT id FROM hl ORDER BY v <=> '[0,0,0,0.5]' LIMIT 300) s;
DROP INDEX hl_min_buf, hl_max_mmap;
CREATE INDEX hl_min_mmap ON hl USING zvec (v) WITH (m = 2, ef_construction = 4, storage = mmap);
CREATE INDEX hl_max_buf ON hl USING zvec (v vector_cosine_ops) WITH (m = 100, ef_construction = 1000);
SELECT count(*) >= 240 AS most_rows, count(DISTINCT id) = count(*) AS distinct_rows
FROM (SELECT id FROM hl ORDER BY v <-> '[0,0,0,0.5]' LIMIT 300) s;
SELECT count(*), count(DISTINCT id) FROM
	(SELECT id FROM hl ORDER BY v <=> '[0,0,0,0.5]' LIMIT 300) s;
RESET zvec.iterative_scan;

-- zvec.ef_search at 1: one candidate, so one row per scan without the
-- iterative scan, and LIMIT 10 rows with it.
SET zvec.ef_search = 1;
SELECT count(*) FROM (SELECT id FROM hl ORDER BY v <=> '[0,0,0,0.5]' LIMIT 10) s;
SET zvec.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM hl ORDER BY v <=> '[0,0,0,0.5]' LIMIT 10) s;
-- zvec.max_scan_tuples at 1 and at its maximum.
SET zvec.max_scan_tuples = 1;
SELECT count(*) BETWEEN 1 AND 10 AS some_rows FROM
	(SELECT id FROM hl ORDER BY v <=> '[0,0,0,0.5]' LIMIT 10) s;
SET zvec.max_scan_tuples = 2147483647;
SELECT count(*) FROM (SELECT id FROM hl ORDER BY v <=> '[0,0,0,0.5]' LIMIT 300) s;
RESET zvec.max_scan_tuples;
RESET zvec.iterative_scan;
RESET zvec.ef_search;
RESET enable_seqscan;

-- Just past the limits, and values that are not numbers.
SELECT pg_temp.err($$SET zvec.ef_search = 0$$);
SELECT pg_temp.err($$SET zvec.ef_search = 1001$$);
SELECT pg_temp.err($$SET zvec.ef_search = 2147483648$$);
SELECT pg_temp.err($$SET zvec.ef_search = ''$$);
SELECT pg_temp.err($$SET zvec.max_scan_tuples = 0$$);
SELECT pg_temp.err($$SET zvec.max_scan_tuples = 2147483648$$);
SELECT pg_temp.err($$SET zvec.max_scan_tuples = -1$$);
SELECT pg_temp.err($$SET zvec.iterative_scan = ''$$);
SELECT pg_temp.err($$SET zvec.memory_quota = '-1kB'$$);
SELECT pg_temp.err($$SET zvec.memory_quota = '2097152GB'$$);
SELECT pg_temp.err($$SET zvec.mmap_warmup = 3$$);
SELECT pg_temp.err($$CREATE INDEX ON hl USING zvec (v) WITH (m = 2147483648)$$);
SELECT pg_temp.err($$CREATE INDEX ON hl USING zvec (v) WITH (m = -2147483648)$$);
SELECT pg_temp.err($$CREATE INDEX ON hl USING zvec (v) WITH (m = 'many')$$);
SELECT pg_temp.err($$CREATE INDEX ON hl USING zvec (v) WITH (m)$$);
SELECT pg_temp.err($$CREATE INDEX ON hl USING zvec (v) WITH (m = 4, m = 5)$$);
SELECT pg_temp.err($$CREATE INDEX ON hl USING zvec (v) WITH (ef_construction = -1)$$);
SELECT pg_temp.err($$CREATE INDEX ON hl USING zvec (v) WITH (storage = '')$$);
SELECT pg_temp.err($$CREATE INDEX ON hl USING zvec (v) WITH (storage)$$);
SELECT pg_temp.err($$CREATE INDEX ON hl USING zvec (v) WITH (algorithm = 'hnsw ')$$);
SELECT pg_temp.err($$CREATE INDEX ON hl USING zvec (v) WITH (lists = 0)$$);

-- Changing a reloption of a built index: checked as at CREATE, stored in
-- the catalog, and applied by the next REINDEX (the metapage keeps what
-- the index was built with until then); answers stay right throughout.
DROP INDEX hl_min_mmap;
CREATE INDEX hl_alter ON hl USING zvec (v) WITH (storage = mmap, m = 16, ef_construction = 64);
SELECT pg_temp.err($$ALTER INDEX hl_alter SET (m = 40)$$);
SELECT pg_temp.err($$ALTER INDEX hl_alter SET (storage = 'disk')$$);
ALTER INDEX hl_alter SET (storage = bufferpool, m = 8, ef_construction = 32);
SELECT relname, reloptions FROM pg_class WHERE relname = 'hl_alter';
SET enable_seqscan = off;
SELECT id FROM hl ORDER BY v <-> (SELECT v FROM hl WHERE id = 77) LIMIT 1;
REINDEX INDEX hl_alter;
SELECT id FROM hl ORDER BY v <-> (SELECT v FROM hl WHERE id = 77) LIMIT 1;
ALTER INDEX hl_alter RESET (storage, m, ef_construction);
REINDEX INDEX hl_alter;
SELECT relname, reloptions FROM pg_class WHERE relname = 'hl_alter';
SELECT id FROM hl ORDER BY v <-> (SELECT v FROM hl WHERE id = 78) LIMIT 1;
RESET enable_seqscan;

-- zvec.memory_quota: the smallest quota refuses a build that needs more,
-- before it starts; the largest allows it.
CREATE TABLE hl_big AS
SELECT i AS id, array_fill(i::real, ARRAY[2000])::vector(2000) AS v FROM generate_series(1, 1000) i;
SET zvec.memory_quota = 1;
SELECT regexp_replace(regexp_replace(
		pg_temp.err($$CREATE INDEX hl_big_idx ON hl_big USING zvec (v)$$),
		'[0-9]+ bytes \([0-9]+ MB\) more', 'N bytes more'),
	'at least [0-9]+MB', 'at least N MB') AS quota_error;
SET zvec.memory_quota = 2147483647;
CREATE INDEX hl_big_idx ON hl_big USING zvec (v);
RESET zvec.memory_quota;
SELECT count(*) FROM hl_big;

DROP TABLE hl, hl_big;
