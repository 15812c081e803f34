-- hostile_scan: index scans asked odd things -- LIMIT 0, LIMIT 100000,
-- OFFSET, cursors scrolled backwards, SERIALIZABLE transactions, all-NULL
-- columns, a query vector of the wrong dimension -- on both storages.
-- Each gets the sequential scan's answer or a clear error.  The tables
-- are small (300 rows, distances without ties), so with the iterative
-- scan on, the index's answer is exact and compared row for row.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

CREATE TABLE hs_buf (id int, v vector(3));
INSERT INTO hs_buf SELECT i, ARRAY[i, sin(i), cos(i)]::vector FROM generate_series(1, 300) i;
CREATE TABLE hs_mmap AS SELECT * FROM hs_buf;
CREATE INDEX hs_buf_idx ON hs_buf USING zvec (v) WITH (storage = bufferpool);
CREATE INDEX hs_mmap_idx ON hs_mmap USING zvec (v) WITH (storage = mmap);
ANALYZE hs_buf, hs_mmap;

-- ids of "SELECT id FROM <tab> ORDER BY v <-> '[150.3,0,0]' <tail>", in
-- order, through the index (index_scan) or a sort of a sequential scan.
CREATE FUNCTION hs_ids(tab text, tail text, index_scan bool) RETURNS int[]
LANGUAGE plpgsql AS $$
DECLARE
	ids int[];
BEGIN
	PERFORM set_config('enable_seqscan', (NOT index_scan)::text, true);
	PERFORM set_config('enable_indexscan', index_scan::text, true);
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %I ORDER BY v <-> %L %s) s',
				   tab, '[150.3,0,0]', tail) INTO ids;
	RETURN coalesce(ids, '{}');
END $$;

-- Plans: the index serves LIMIT and OFFSET ... LIMIT.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hs_buf ORDER BY v <-> '[150.3,0,0]' LIMIT 0;
EXPLAIN (COSTS OFF) SELECT id FROM hs_mmap ORDER BY v <-> '[150.3,0,0]' OFFSET 50 LIMIT 10;
RESET enable_seqscan;

-- LIMIT 0 returns nothing; small LIMITs and OFFSETs inside one batch
-- (zvec.ef_search = 40) are exact without the iterative scan.
SELECT tab, tail, cardinality(hs_ids(tab, tail, true)) AS n,
	   hs_ids(tab, tail, true) = hs_ids(tab, tail, false) AS same
FROM unnest(ARRAY['hs_buf', 'hs_mmap']) tab,
	 unnest(ARRAY['LIMIT 0', 'LIMIT 1', 'LIMIT 10', 'OFFSET 5 LIMIT 10',
				  'OFFSET 0 LIMIT 0']) tail
ORDER BY 1, 2;

-- Past one batch: without the iterative scan the index stops after
-- ef_search rows (fewer than asked, by design); with it, LIMIT 100000,
-- OFFSET 250 and no LIMIT at all give every row, in the same order as
-- the sequential scan.
SELECT tab, cardinality(hs_ids(tab, 'LIMIT 100000', true)) AS one_batch
FROM unnest(ARRAY['hs_buf', 'hs_mmap']) tab ORDER BY 1;
SET zvec.iterative_scan = strict_order;
SELECT tab, tail, cardinality(hs_ids(tab, tail, true)) AS n,
	   hs_ids(tab, tail, true) = hs_ids(tab, tail, false) AS same
FROM unnest(ARRAY['hs_buf', 'hs_mmap']) tab,
	 unnest(ARRAY['LIMIT 100000', 'OFFSET 250 LIMIT 100000', 'OFFSET 290 LIMIT 5',
				  'OFFSET 100000', '']) tail
ORDER BY 1, 2;
RESET zvec.iterative_scan;

-- Cursors.  The AM cannot scan backwards, so a SCROLL cursor gets a
-- Materialize node and scrolls correctly; a NO SCROLL cursor refuses to
-- go back with a clear error.
SET enable_seqscan = off;
BEGIN;
EXPLAIN (COSTS OFF) DECLARE c SCROLL CURSOR FOR
	SELECT id FROM hs_mmap ORDER BY v <-> '[150.3,0,0]' LIMIT 6;
DECLARE c SCROLL CURSOR FOR
	SELECT id FROM hs_mmap ORDER BY v <-> '[150.3,0,0]' LIMIT 6;
FETCH 4 FROM c;
FETCH BACKWARD 3 FROM c;
FETCH LAST FROM c;
FETCH ABSOLUTE 2 FROM c;
FETCH RELATIVE -1 FROM c;
FETCH BACKWARD ALL FROM c;
FETCH ALL FROM c;
MOVE ABSOLUTE 0 IN c;
FETCH FORWARD 2 FROM c;
COMMIT;
BEGIN;
DECLARE c SCROLL CURSOR FOR
	SELECT id FROM hs_buf ORDER BY v <-> '[150.3,0,0]' LIMIT 3;
FETCH ALL FROM c;
FETCH BACKWARD ALL FROM c;
COMMIT;
BEGIN;
DECLARE c NO SCROLL CURSOR FOR
	SELECT id FROM hs_buf ORDER BY v <-> '[150.3,0,0]' LIMIT 5;
FETCH 2 FROM c;
SELECT pg_temp.err($$FETCH BACKWARD 1 FROM c$$);
COMMIT;
-- A cursor over the index, read forward in pieces, gives the same rows.
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM hs_buf ORDER BY v <-> '[150.3,0,0]' LIMIT 8;
FETCH 3 FROM c;
FETCH 3 FROM c;
FETCH 3 FROM c;
COMMIT;
SELECT hs_ids('hs_buf', 'LIMIT 8', false);
RESET enable_seqscan;

-- SERIALIZABLE: the AM takes no predicate locks of its own, so the scan
-- locks the whole index (an SIRead lock on it), and answers as usual.
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT hs_ids('hs_buf', 'LIMIT 5', true) = hs_ids('hs_buf', 'LIMIT 5', false) AS same;
SELECT hs_ids('hs_mmap', 'LIMIT 5', true) = hs_ids('hs_mmap', 'LIMIT 5', false) AS same;
SELECT c.relname, l.locktype, l.mode
FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND l.mode = 'SIReadLock' AND c.relname LIKE 'hs\_%'
ORDER BY 1;
-- writes in the same transaction are seen by its later scans
INSERT INTO hs_buf VALUES (1000, '[150.3,0,0]');
SELECT (hs_ids('hs_buf', 'LIMIT 3', true))[1] AS nearest;
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE;
SELECT hs_ids('hs_mmap', 'LIMIT 5', true) = hs_ids('hs_mmap', 'LIMIT 5', false) AS same;
COMMIT;

-- A vector(3) index queried with 4 (or 2) dimensions: the same clear
-- error through the index as through a sequential scan, and in a
-- prepared statement.
SET enable_seqscan = off;
SELECT pg_temp.err($$SELECT id FROM hs_buf ORDER BY v <-> '[1,2,3,4]' LIMIT 1$$);
SELECT pg_temp.err($$SELECT id FROM hs_mmap ORDER BY v <-> '[1,2,3,4]' LIMIT 1$$);
SELECT pg_temp.err($$SELECT id FROM hs_mmap ORDER BY v <-> '[1,2]' LIMIT 1$$);
SELECT pg_temp.err($$SELECT id FROM hs_mmap ORDER BY v <-> '[1,2,3,4]'::vector(4) LIMIT 1$$);
PREPARE q(vector) AS SELECT id FROM hs_buf ORDER BY v <-> $1 LIMIT 1;
EXECUTE q('[150,0,1]');
SELECT pg_temp.err($$EXECUTE q('[1,2,3,4]')$$);
DEALLOCATE q;
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT pg_temp.err($$SELECT id FROM hs_buf ORDER BY v <-> '[1,2,3,4]' LIMIT 1$$);
RESET enable_indexscan;
-- ...and a 4-dimension vector cannot be stored in the column at all.
SELECT pg_temp.err($$INSERT INTO hs_buf VALUES (0, '[1,2,3,4]')$$);

-- All-NULL columns: building, inserting, scanning and vacuuming an index
-- with nothing in it; the index returns no row, even for LIMIT 100000.
CREATE TABLE hs_null (id int, v vector(3));
INSERT INTO hs_null SELECT i, NULL FROM generate_series(1, 500) i;
CREATE INDEX hs_null_buf ON hs_null USING zvec (v) WITH (storage = bufferpool);
CREATE INDEX hs_null_mmap ON hs_null USING zvec (v vector_cosine_ops) WITH (storage = mmap);
INSERT INTO hs_null SELECT i, NULL FROM generate_series(501, 600) i;
SET enable_seqscan = off;
SET zvec.iterative_scan = relaxed_order;
EXPLAIN (COSTS OFF) SELECT id FROM hs_null ORDER BY v <-> '[1,2,3]' LIMIT 100000;
SELECT count(*) FROM (SELECT id FROM hs_null ORDER BY v <-> '[1,2,3]' LIMIT 100000) s;
SELECT count(*) FROM (SELECT id FROM hs_null ORDER BY v <=> '[1,2,3]' LIMIT 100000) s;
SELECT count(*) FROM (SELECT id FROM hs_null ORDER BY v <-> NULL LIMIT 10) s;
DELETE FROM hs_null WHERE id % 2 = 0;
VACUUM hs_null;
-- one real vector among the NULLs is found
INSERT INTO hs_null VALUES (0, '[1,1,1]');
SELECT id FROM hs_null ORDER BY v <-> '[1,2,3]' LIMIT 100000;
SELECT id FROM hs_null ORDER BY v <=> '[1,2,3]' LIMIT 100000;
RESET zvec.iterative_scan;
RESET enable_seqscan;

DROP TABLE hs_buf, hs_mmap, hs_null;
DROP FUNCTION hs_ids(text, text, bool);
