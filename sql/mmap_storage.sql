-- The mmap storage backend: reloption, plans, results equal to a
-- sequential scan, zvec.mmap_warmup, and side files following their
-- index through CREATE, ROLLBACK, REINDEX, TRUNCATE and DROP.
CREATE TABLE mm (id int, v vector(3));
INSERT INTO mm SELECT i, ARRAY[sin(i), cos(i * 1.3), sin(i * 0.7)]::float4[]::vector
  FROM generate_series(1, 300) i;

-- Side files of this database (their names carry the relfilenode), less
-- those that other tests' indexes may have left.
CREATE FUNCTION mm_count_side_files() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM pg_ls_dir('base/' || (SELECT oid FROM pg_database
    WHERE datname = current_database())) f WHERE f LIKE 'pgsql\_tmp\_zvec\_%'
$$;
CREATE TEMP TABLE mm_before AS SELECT mm_count_side_files() AS n;
CREATE FUNCTION mm_side_files() RETURNS bigint LANGUAGE sql AS $$
  SELECT mm_count_side_files() - (SELECT n FROM mm_before)
$$;

SELECT mm_side_files();
BEGIN;
CREATE INDEX mm_v ON mm USING zvec (v) WITH (storage = 'mmap');
SELECT mm_side_files();
ROLLBACK;
SELECT mm_side_files();

CREATE INDEX mm_v ON mm USING zvec (v) WITH (storage = 'MMAP', m = 8);
SELECT reloptions FROM pg_class WHERE relname = 'mm_v';
SELECT mm_side_files();
SELECT count(*) AS named_after_relfilenode
  FROM pg_ls_dir('base/' || (SELECT oid FROM pg_database WHERE datname = current_database())) f
  WHERE f = 'pgsql_tmp_zvec_' || pg_relation_filenode('mm_v');

SET enable_seqscan = off;
SET zvec.ef_search = 200;
EXPLAIN (COSTS OFF) SELECT id FROM mm ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 5;

-- Exact top 5 by a sequential scan, then by the index under each warmup.
CREATE TABLE mm_exact AS
  SELECT array_agg(id ORDER BY d, id) AS ids FROM
    (SELECT id, v <-> '[0.1,0.2,0.3]' AS d FROM mm ORDER BY d, id LIMIT 5) s;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM mm ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 5) s)
  = ids AS same_as_seqscan FROM mm_exact;
SET zvec.mmap_warmup = prefetch;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM mm ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 5) s)
  = ids AS same_as_seqscan FROM mm_exact;
SET zvec.mmap_warmup = populate;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM mm ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 5) s)
  = ids AS same_as_seqscan FROM mm_exact;
RESET zvec.mmap_warmup;

-- Inserts are visible through the side file's change ring.
INSERT INTO mm VALUES (1000, '[5,5,5]'), (1001, '[5,5,4.9]');
SELECT id FROM mm ORDER BY v <-> '[5,5,5]' LIMIT 2;
DELETE FROM mm WHERE id = 1000;
SELECT id FROM mm ORDER BY v <-> '[5,5,5]' LIMIT 1;

REINDEX INDEX mm_v;
SELECT mm_side_files();
TRUNCATE mm;
SELECT mm_side_files();
SELECT id FROM mm ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 1;
DROP INDEX mm_v;
SELECT mm_side_files();

RESET zvec.ef_search;
RESET enable_seqscan;
DROP TABLE mm, mm_exact;
DROP FUNCTION mm_side_files();
DROP FUNCTION mm_count_side_files();
