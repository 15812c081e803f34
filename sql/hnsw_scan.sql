-- hnsw_scan: what zvec HNSW index scans return, and when the planner uses
-- them.  Small tables (at most ef_search rows) make the answers exact, so
-- they can be compared with a sequential scan row for row.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

-- An empty table: build, scan, insert, scan.
CREATE TABLE empty (id int, v vector(3));
CREATE INDEX empty_idx ON empty USING zvec (v);
SET enable_seqscan = off;
SELECT id FROM empty ORDER BY v <-> '[1,1,1]' LIMIT 5;
INSERT INTO empty VALUES (1, '[1,1,1]'), (2, '[2,2,2]');
SELECT id FROM empty ORDER BY v <-> '[1,1,1]' LIMIT 5;
RESET enable_seqscan;
DROP TABLE empty;

-- 30 distinct vectors, one NULL, for each of the four distances.
CREATE TABLE items (id int PRIMARY KEY, cat int, v vector(3));
INSERT INTO items
SELECT i, i % 3, ARRAY[sin(i), cos(i * 1.3), sin(i * 0.7) + 2]::vector
FROM generate_series(1, 30) i;
INSERT INTO items VALUES (31, 0, NULL);
CREATE INDEX items_l2 ON items USING zvec (v vector_l2_ops);
CREATE INDEX items_ip ON items USING zvec (v vector_ip_ops);
CREATE INDEX items_cos ON items USING zvec (v vector_cosine_ops);
CREATE INDEX items_l1 ON items USING zvec (v vector_l1_ops) WITH (m = 4, ef_construction = 8);

-- Index results equal sequential-scan results, for every operator.
CREATE FUNCTION knn_ids(op text, q vector, k int, index_scan bool) RETURNS int[]
LANGUAGE plpgsql AS $$
DECLARE
	ids int[];
BEGIN
	PERFORM set_config('enable_seqscan', CASE WHEN index_scan THEN 'off' ELSE 'on' END, true);
	PERFORM set_config('enable_indexscan', CASE WHEN index_scan THEN 'on' ELSE 'off' END, true);
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM items ORDER BY v %s $1 LIMIT $2) s', op)
		INTO ids USING q, k;
	RETURN ids;
END $$;
SELECT op, knn_ids(op, '[0.5,0.2,2.1]', 10, true) = knn_ids(op, '[0.5,0.2,2.1]', 10, false) AS same
FROM unnest(ARRAY['<->', '<#>', '<=>', '<+>']) op;

-- A NULL vector is not indexed: the index returns the 30 others only.
SET enable_seqscan = off;
SELECT count(*), count(DISTINCT id), bool_and(id <> 31) FROM
	(SELECT id FROM items ORDER BY v <-> '[0,0,0]' LIMIT 100) s;
-- A NULL query vector (known only at run time) returns every indexed row;
-- all their distances are NULL.
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> (SELECT NULL::vector) LIMIT 100;
SELECT count(*), bool_and(id <> 31) FROM
	(SELECT id FROM items ORDER BY v <-> (SELECT NULL::vector) LIMIT 100) s;

-- A query vector of the wrong dimension is an error.
SELECT pg_temp.err($$SELECT id FROM items ORDER BY v <-> '[1,2]' LIMIT 1$$);
RESET enable_seqscan;

-- Plans: ORDER BY <op> LIMIT k uses the index of that operator's opclass;
-- no LIMIT, no ORDER BY, or a descending order do not.
ANALYZE items;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <#> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <=> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <+> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE cat = 1 ORDER BY v <-> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,2,3]' DESC LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE v = '[1,2,3]';
RESET enable_seqscan;

-- Without enable_seqscan = off, on a table large enough to matter: the
-- index for a LIMIT, a sort for the whole table.
CREATE TABLE big (id int, cat int, v vector(3));
INSERT INTO big
SELECT i, i % 100, ARRAY[sin(i), cos(i * 1.3), sin(i * 0.7)]::vector
FROM generate_series(1, 3000) i;
CREATE INDEX big_idx ON big USING zvec (v);
ANALYZE big;
EXPLAIN (COSTS OFF) SELECT id FROM big ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM big ORDER BY v <-> '[0.1,0.2,0.3]';

-- A filter that keeps 1% of the rows: without iterative scan the index
-- gives at most ef_search candidates, so fewer than 10 rows survive; with
-- it, the scan goes on until it has the 10 nearest qualifying rows.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM big WHERE cat = 7 ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 10;
SELECT count(*) < 10 AS fewer FROM
	(SELECT id FROM big WHERE cat = 7 ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 10) s;
SET zvec.iterative_scan = relaxed_order;
SELECT count(*) FROM
	(SELECT id FROM big WHERE cat = 7 ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 10) s;
-- relaxed_order may return a batch's rows out of order; re-sorting gives
-- exactly the sequential scan's answer.
CREATE TEMP TABLE idx_ids AS
	SELECT id FROM big WHERE cat = 7 ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 10;
SET enable_indexscan = off;
SET enable_seqscan = on;
CREATE TEMP TABLE seq_ids AS
	SELECT id FROM big WHERE cat = 7 ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 10;
SELECT (SELECT array_agg(id ORDER BY id) FROM idx_ids) =
       (SELECT array_agg(id ORDER BY id) FROM seq_ids) AS same_rows;
RESET enable_indexscan;
SET enable_seqscan = off;
-- strict_order returns rows in distance order.
SET zvec.iterative_scan = strict_order;
SELECT bool_and(d >= prev) AS ordered, count(*) BETWEEN 1 AND 10 AS some_rows FROM (
	SELECT d, lag(d, 1, 0) OVER (ORDER BY n) AS prev FROM (
		SELECT v <-> '[0.1,0.2,0.3]' AS d, row_number() OVER () AS n FROM
			(SELECT v FROM big WHERE cat = 7 ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 10) a) b) c;
-- zvec.max_scan_tuples bounds the work: a tiny budget stops early.
SET zvec.iterative_scan = relaxed_order;
SET zvec.max_scan_tuples = 1;
SELECT count(*) < 10 AS stopped_early FROM
	(SELECT id FROM big WHERE cat = 7 ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 10) s;
RESET zvec.max_scan_tuples;
RESET zvec.iterative_scan;
RESET enable_seqscan;

-- Identical vectors share a node; all their rows come back.
CREATE TABLE dup (id int, v vector(2));
INSERT INTO dup SELECT i, '[1,1]' FROM generate_series(1, 20) i;
INSERT INTO dup SELECT i, ARRAY[i, 0]::vector FROM generate_series(21, 25) i;
CREATE INDEX dup_idx ON dup USING zvec (v);
INSERT INTO dup SELECT i, '[1,1]' FROM generate_series(26, 30) i;
SET enable_seqscan = off;
SELECT count(*), count(DISTINCT id) FROM
	(SELECT id FROM dup ORDER BY v <-> '[1,1]' LIMIT 100) s;
-- Deleted rows leave the index at VACUUM; their slots are reused.
DELETE FROM dup WHERE id <= 25;
VACUUM dup;
SELECT array_agg(id ORDER BY id) FROM
	(SELECT id FROM dup ORDER BY v <-> '[1,1]' LIMIT 100) s;
SELECT pg_relation_size('dup_idx') AS size_before \gset
INSERT INTO dup SELECT i, ARRAY[i, 1]::vector FROM generate_series(31, 40) i;
SELECT pg_relation_size('dup_idx') = :size_before AS same_size;
SELECT count(*) FROM (SELECT id FROM dup ORDER BY v <-> '[1,1]' LIMIT 100) s;
RESET enable_seqscan;

-- VACUUM keeps every live node reachable.  5,000 identical rows (one node)
-- far from 1,000 others, inserted row by row; deleting a third of both and
-- vacuuming once cut the shared node's last in-link, and a scan that reads
-- the whole index found 666 of the 4,000 rows left.  Both storages.
SELECT setseed(0.1);
CREATE TABLE grp (id int, v vector(8));
CREATE INDEX grp_buf_idx ON grp USING zvec (v);
CREATE TABLE grp_mmap (id int, v vector(8));
CREATE INDEX grp_mmap_idx ON grp_mmap USING zvec (v) WITH (storage = mmap);
INSERT INTO grp SELECT i, array_fill(10::real, ARRAY[8])::vector FROM generate_series(1, 5000) i;
INSERT INTO grp SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
	FROM generate_series(5001, 6000) i;
INSERT INTO grp_mmap SELECT * FROM grp ORDER BY id;
DELETE FROM grp WHERE id % 3 = 0;
DELETE FROM grp_mmap WHERE id % 3 = 0;
VACUUM grp;
VACUUM grp_mmap;
SET enable_seqscan = off;
SET zvec.iterative_scan = relaxed_order;
SET zvec.max_scan_tuples = 100000;
SELECT count(*), count(DISTINCT id), sum(id) = (SELECT sum(id) FROM grp) AS same_rows
	FROM (SELECT id FROM grp ORDER BY v <-> array_fill(0.5::real, ARRAY[8])::vector LIMIT 100000) s;
SELECT count(*), count(DISTINCT id), sum(id) = (SELECT sum(id) FROM grp_mmap) AS same_rows
	FROM (SELECT id FROM grp_mmap ORDER BY v <-> array_fill(0.5::real, ARRAY[8])::vector LIMIT 100000) s;
SELECT count(*) AS problems FROM zvec_verify('grp_buf_idx', true);
SELECT count(*) AS problems FROM zvec_verify('grp_mmap_idx', true);
RESET zvec.max_scan_tuples;
RESET zvec.iterative_scan;
RESET enable_seqscan;
DROP TABLE grp, grp_mmap;

-- 16,000 dimensions: records span pages; build, insert, scan, vacuum.
CREATE TABLE wide (id int, v vector(16000));
INSERT INTO wide SELECT i, array_fill(i::real, ARRAY[16000])::vector FROM generate_series(1, 5) i;
CREATE INDEX wide_idx ON wide USING zvec (v);
INSERT INTO wide SELECT i, array_fill(i::real, ARRAY[16000])::vector FROM generate_series(6, 8) i;
SET enable_seqscan = off;
SELECT array_agg(id) FROM
	(SELECT id FROM wide ORDER BY v <-> array_fill(4.2::real, ARRAY[16000])::vector LIMIT 3) s;
DELETE FROM wide WHERE id = 4;
VACUUM wide;
SELECT array_agg(id) FROM
	(SELECT id FROM wide ORDER BY v <-> array_fill(4.2::real, ARRAY[16000])::vector LIMIT 3) s;
RESET enable_seqscan;

-- An unlogged table's index has an init fork and works like any other.
CREATE UNLOGGED TABLE ulog (id int, v vector(2));
INSERT INTO ulog VALUES (1, '[0,0]'), (2, '[5,5]');
CREATE INDEX ulog_idx ON ulog USING zvec (v);
INSERT INTO ulog VALUES (3, '[1,1]');
SET enable_seqscan = off;
SELECT array_agg(id) FROM (SELECT id FROM ulog ORDER BY v <-> '[0.9,0.9]' LIMIT 3) s;
RESET enable_seqscan;
SELECT pg_relation_filepath('ulog_idx') IS NOT NULL AS has_file,
	(pg_stat_file(pg_relation_filepath('ulog_idx') || '_init')).size > 0 AS has_init_fork;

-- REINDEX and TRUNCATE leave a working index.
REINDEX INDEX items_l2;
TRUNCATE dup;
INSERT INTO dup VALUES (1, '[3,3]');
SET enable_seqscan = off;
SELECT id FROM dup ORDER BY v <-> '[0,0]' LIMIT 1;
RESET enable_seqscan;

-- Every scan counts in pg_stat_user_indexes.idx_scan, as for core's
-- indexes: three queries (one of them rescanned for each of two outer
-- rows) are four scans.
CREATE TABLE counted (id int, v vector(2));
INSERT INTO counted SELECT i, ARRAY[i, i % 7]::vector FROM generate_series(1, 50) i;
CREATE INDEX counted_idx ON counted USING zvec (v);
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM counted ORDER BY v <-> '[1,1]' LIMIT 3) s;
SELECT count(*) FROM (SELECT id FROM counted ORDER BY v <-> '[9,2]' LIMIT 3) s;
SELECT q, (SELECT id FROM counted ORDER BY v <-> q LIMIT 1)
FROM (VALUES ('[3,3]'::vector), ('[40,5]')) AS o(q);
RESET enable_seqscan;
SELECT pg_stat_force_next_flush();
SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'counted_idx';

DROP FUNCTION knn_ids(text, vector, int, bool);
DROP TABLE items, big, dup, wide, ulog, counted;
