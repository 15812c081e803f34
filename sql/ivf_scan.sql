-- ivf_scan: what zvec IVF index scans return, and when the planner uses
-- them.  With zvec.probes at least the number of lists a scan reads every
-- list, so its answers are exact and are compared with a sequential scan
-- row for row; with fewer probes, the nearest lists are read first.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql
CREATE EXTENSION pageinspect;
CREATE FUNCTION pg_temp.ivf_lists(idx text, OUT lists int, OUT nlists int)
LANGUAGE sql AS $$
	SELECT get_byte(p, 68) + (get_byte(p, 69) << 8) + (get_byte(p, 70) << 16),
	       get_byte(p, 72) + (get_byte(p, 73) << 8) + (get_byte(p, 74) << 16)
	FROM get_raw_page(idx, 0) p
$$;

-- An empty table: one list (no data to cluster); scan, insert, scan.
CREATE TABLE empty (id int, v vector(3));
CREATE INDEX empty_idx ON empty USING zvec (v) WITH (algorithm = 'ivf', lists = 10);
SELECT (pg_temp.ivf_lists('empty_idx')).*;
SET enable_seqscan = off;
SELECT id FROM empty ORDER BY v <-> '[1,1,1]' LIMIT 5;
INSERT INTO empty VALUES (1, '[1,1,1]'), (2, '[2,2,2]'), (3, NULL);
SELECT id FROM empty ORDER BY v <-> '[1,1,1]' LIMIT 5;
RESET enable_seqscan;
DROP TABLE empty;

-- Fewer rows than lists: one list per distinct row; all-identical rows:
-- one list.  Every row is still found.
CREATE TABLE few (id int, v vector(3));
INSERT INTO few VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0,0,1]');
CREATE INDEX few_idx ON few USING zvec (v) WITH (algorithm = 'ivf', lists = 10);
SELECT (pg_temp.ivf_lists('few_idx')).*;
CREATE TABLE same (id int, v vector(3));
INSERT INTO same SELECT i, '[1,2,3]' FROM generate_series(1, 500) i;
CREATE INDEX same_idx ON same USING zvec (v) WITH (algorithm = 'ivf', lists = 10);
SELECT (pg_temp.ivf_lists('same_idx')).*;
SET enable_seqscan = off;
SELECT id, v <-> '[0,0,0.9]' AS d FROM few ORDER BY v <-> '[0,0,0.9]' LIMIT 5;
SELECT count(*), min(id), max(id) FROM (SELECT id FROM same ORDER BY v <-> '[0,0,0]') s;
INSERT INTO same SELECT i, '[1,2,3]' FROM generate_series(501, 600) i;
SELECT count(*) FROM (SELECT id FROM same ORDER BY v <-> '[3,2,1]') s;
RESET enable_seqscan;
DROP TABLE few, same;

-- 400 vectors in 8 clusters (grp), one NULL, for each of the four
-- distances.
CREATE TABLE items (id int PRIMARY KEY, grp int, v vector(3));
INSERT INTO items
SELECT i, i % 8, ARRAY[(i % 8) * 10 + sin(i), ((i % 8) / 2) * 10 + cos(i * 1.3), sin(i * 0.7) + 2]::vector
FROM generate_series(1, 400) i;
INSERT INTO items VALUES (401, 0, NULL);
CREATE INDEX items_l2 ON items USING zvec (v vector_l2_ops) WITH (algorithm = 'ivf', lists = 8);
CREATE INDEX items_ip ON items USING zvec (v vector_ip_ops) WITH (algorithm = 'ivf', lists = 8);
CREATE INDEX items_cos ON items USING zvec (v vector_cosine_ops) WITH (algorithm = 'ivf', lists = 8);
CREATE INDEX items_l1 ON items USING zvec (v vector_l1_ops) WITH (algorithm = 'ivf', lists = 8, storage = 'mmap');

-- The distances of the k nearest rows, in the order returned (ids are
-- not compared: the table has exact duplicates, which tie).
CREATE FUNCTION knn(op text, q vector, k int, index_scan bool) RETURNS float8[]
LANGUAGE plpgsql AS $$
DECLARE
	ds float8[];
BEGIN
	PERFORM set_config('enable_seqscan', CASE WHEN index_scan THEN 'off' ELSE 'on' END, true);
	PERFORM set_config('enable_indexscan', CASE WHEN index_scan THEN 'on' ELSE 'off' END, true);
	EXECUTE format('SELECT array_agg(d) FROM (SELECT v %s $1 AS d FROM items ORDER BY v %s $1 LIMIT $2) s', op, op)
		INTO ds USING q, k;
	RETURN ds;
END $$;

-- The ids an index scan returns.
CREATE FUNCTION knn_ids(op text, q vector, k int) RETURNS int[]
LANGUAGE plpgsql AS $$
DECLARE
	ids int[];
BEGIN
	PERFORM set_config('enable_seqscan', 'off', true);
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM items ORDER BY v %s $1 LIMIT $2) s', op)
		INTO ids USING q, k;
	RETURN ids;
END $$;

-- The plan is an index scan, for every operator.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <#> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <=> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <+> '[1,2,3]' LIMIT 5;
RESET enable_seqscan;

-- Probing every list: exactly the sequential scan's answer.  zvec.probes
-- above the number of lists is clamped to it.
SET zvec.probes = 100;
SELECT op, knn(op, '[12.5,3.2,2.1]', 20, true) = knn(op, '[12.5,3.2,2.1]', 20, false) AS same
FROM unnest(ARRAY['<->', '<#>', '<=>', '<+>']) op;
SELECT op, cardinality(knn_ids(op, '[40,5,1]', 1000)) AS rows
FROM unnest(ARRAY['<->', '<#>', '<=>', '<+>']) op;

-- One probe: the rows come from the nearest list, nearest first.
SET zvec.probes = 1;
SET enable_seqscan = off;
SELECT count(*) AS rows, bool_and(d >= prev) AS ordered
FROM (SELECT v <-> '[30,10,2]' AS d,
             lag(v <-> '[30,10,2]', 1, 0) OVER () AS prev
      FROM (SELECT v FROM items ORDER BY v <-> '[30,10,2]') s) t;
SELECT knn('<->', '[30,10,2]', 5, true) = knn('<->', '[30,10,2]', 5, false) AS nearest_five;

-- A filter that the nearest list cannot satisfy: without iterative
-- probing the scan runs dry; with it, further lists are probed.
SELECT count(*) FROM (SELECT id FROM items WHERE grp = 7 ORDER BY v <-> '[0,0,2]' LIMIT 10) s;
SET zvec.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM items WHERE grp = 7 ORDER BY v <-> '[0,0,2]' LIMIT 10) s;
SET zvec.iterative_scan = strict_order;
SELECT array_agg(d) = (SELECT array_agg(v <-> '[0,0,2]' ORDER BY v <-> '[0,0,2]')
                       FROM (SELECT v FROM items WHERE grp = 7 ORDER BY v <-> '[0,0,2]' LIMIT 10) e) AS in_order
FROM (SELECT v <-> '[0,0,2]' AS d FROM items WHERE grp = 7 ORDER BY v <-> '[0,0,2]' LIMIT 10) s;
-- zvec.max_scan_tuples bounds the probing.
SET zvec.max_scan_tuples = 1;
SELECT count(*) FROM (SELECT id FROM items WHERE grp = 7 ORDER BY v <-> '[0,0,2]' LIMIT 10) s;
RESET zvec.max_scan_tuples;
RESET zvec.iterative_scan;
RESET enable_seqscan;
RESET zvec.probes;

-- A query vector of the wrong dimensions.
SELECT pg_temp.err($$SELECT id FROM items ORDER BY v <-> '[1,2]' LIMIT 1$$);

-- Inserts go to their nearest list; deletes and vacuum remove entries;
-- inserts after vacuum reuse the freed space.
SET zvec.probes = 8;
INSERT INTO items SELECT i, i % 8, ARRAY[(i % 8) * 10, 5, 2]::vector FROM generate_series(1001, 1400) i;
SELECT op, knn(op, '[20,5,2]', 30, true) = knn(op, '[20,5,2]', 30, false) AS same
FROM unnest(ARRAY['<->', '<#>', '<=>', '<+>']) op;
SELECT pg_relation_size('items_l2') AS size_before \gset
DELETE FROM items WHERE id % 2 = 0;
VACUUM items;
SELECT op, cardinality(knn_ids(op, '[40,5,1]', 1000)) = (SELECT count(v) FROM items) AS all_live,
       (SELECT bool_and(id % 2 = 1) FROM unnest(knn_ids(op, '[40,5,1]', 1000)) id) AS no_dead
FROM unnest(ARRAY['<->', '<#>', '<=>', '<+>']) op;
INSERT INTO items SELECT i, i % 8, ARRAY[(i % 8) * 10, 5, 2]::vector FROM generate_series(2001, 2390) i;
SELECT pg_relation_size('items_l2') = :size_before AS space_reused;
SELECT op, knn(op, '[20,5,2]', 30, true) = knn(op, '[20,5,2]', 30, false) AS same
FROM unnest(ARRAY['<->', '<#>', '<=>', '<+>']) op;
RESET zvec.probes;

DROP TABLE items;
-- Space reuse where it shows: 500 dimensions put four entries in a
-- segment, so 300 inserts would need 75 new segments.  After deleting 300
-- rows and vacuuming, the same 300 vectors (so the same lists) inserted
-- again fit in the space freed.
CREATE TABLE wide (id int, v vector(500));
INSERT INTO wide SELECT i, ARRAY(SELECT sin(i * j) FROM generate_series(1, 500) j)::vector
FROM generate_series(1, 200) i;
CREATE INDEX wide_idx ON wide USING zvec (v) WITH (algorithm = 'ivf', lists = 2);
INSERT INTO wide SELECT i, ARRAY(SELECT sin(i * j) FROM generate_series(1, 500) j)::vector
FROM generate_series(201, 400) i;
SELECT pg_relation_size('wide_idx') AS wide_size \gset
DELETE FROM wide WHERE id % 4 <> 0;
VACUUM wide;
INSERT INTO wide SELECT i + 1000, ARRAY(SELECT sin(i * j) FROM generate_series(1, 500) j)::vector
FROM generate_series(1, 400) i WHERE i % 4 <> 0;
SELECT pg_relation_size('wide_idx') = :wide_size AS space_reused;
SET zvec.probes = 2;
SET enable_seqscan = off;
SELECT count(*) AS rows, count(*) FILTER (WHERE id <= 400 AND id % 4 <> 0) AS deleted,
       count(*) FILTER (WHERE id > 1000) AS reinserted
FROM (SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 8)) s;
RESET enable_seqscan;
RESET zvec.probes;
DROP TABLE wide;

-- Vectors too large for a block (3,000 dimensions, 12 kB): one per
-- record, in the record's tail; inserts, deletes, vacuum and reuse (of
-- records left empty, rewritten whole) work the same, on both backends.
CREATE TABLE huge (id int, v vector(3000));
INSERT INTO huge SELECT i, ARRAY(SELECT cos(i * j) FROM generate_series(1, 3000) j)::vector
FROM generate_series(1, 20) i;
CREATE INDEX huge_bp ON huge USING zvec (v) WITH (algorithm = 'ivf', lists = 3);
CREATE INDEX huge_mm ON huge USING zvec (v) WITH (algorithm = 'ivf', lists = 3, storage = 'mmap');
INSERT INTO huge SELECT i, ARRAY(SELECT cos(i * j) FROM generate_series(1, 3000) j)::vector
FROM generate_series(21, 30) i;
SELECT pg_relation_size('huge_bp') AS huge_size \gset
DELETE FROM huge WHERE id % 3 = 0;
VACUUM huge;
INSERT INTO huge SELECT i + 100, ARRAY(SELECT cos(i * j) FROM generate_series(1, 3000) j)::vector
FROM generate_series(1, 30) i WHERE i % 3 = 0;
SELECT pg_relation_size('huge_bp') = :huge_size AS space_reused;
SET zvec.probes = 3;
SET enable_seqscan = off;
SELECT string_agg(id::text, ',') AS via_bufferpool
FROM (SELECT id FROM huge ORDER BY v <-> (SELECT v FROM huge WHERE id = 7) LIMIT 8) s;
DROP INDEX huge_bp;
SELECT string_agg(id::text, ',') AS via_mmap
FROM (SELECT id FROM huge ORDER BY v <-> (SELECT v FROM huge WHERE id = 7) LIMIT 8) s;
RESET enable_seqscan;
SELECT string_agg(id::text, ',') AS exact
FROM (SELECT id FROM huge ORDER BY v <-> (SELECT v FROM huge WHERE id = 7) LIMIT 8) s;
RESET zvec.probes;
DROP TABLE huge;
-- 768 dimensions live in TOAST, which the planner does not charge a
-- sequential scan for: a search of 4 lists of 50 must still be chosen
-- over a sequential scan (it was not, before the I/O cap in cost.c),
-- while probing most lists is left to a sequential scan.
SELECT setseed(0.3);
CREATE TABLE toasted (id int, v vector(768));
INSERT INTO toasted SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 768) WHERE i > 0)::vector
	FROM generate_series(1, 3000) i;
CREATE INDEX toasted_idx ON toasted USING zvec (v) WITH (algorithm = 'ivf', lists = 50);
ANALYZE toasted;
SET zvec.probes = 4;
EXPLAIN (COSTS OFF) SELECT id FROM toasted ORDER BY v <-> (SELECT v FROM toasted WHERE id = 1) LIMIT 10;
SET zvec.probes = 40;
EXPLAIN (COSTS OFF) SELECT id FROM toasted ORDER BY v <-> (SELECT v FROM toasted WHERE id = 1) LIMIT 10;
RESET zvec.probes;
DROP TABLE toasted;
DROP FUNCTION knn(text, vector, int, bool);
DROP FUNCTION knn_ids(text, vector, int);
DROP EXTENSION pageinspect;
