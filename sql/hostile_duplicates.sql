-- hostile_duplicates: 100,000 rows of one vector (and 50 of a near one)
-- in an HNSW index, on both storages.  Identical vectors share one graph
-- node: its first heap TIDs are in the node, the others in a chain of TID
-- overflow records.  So the build takes a fraction of a second, the index
-- is one node plus about 3,000 small records (a node per row would take
-- over 20 MB), and every row is reachable: an iterative scan returns all
-- 100,000, the duplicates first.  Inserts add to the chain; vacuum
-- removes dead TIDs and frees the records it empties at the chain's end;
-- later inserts refill thinned-out records and reuse freed ones.

CREATE TABLE dup_buf (id int, v vector(3));
INSERT INTO dup_buf SELECT i, '[1,2,3]' FROM generate_series(1, 100000) i;
INSERT INTO dup_buf SELECT 100000 + i, '[1,2,4]' FROM generate_series(1, 50) i;
CREATE TABLE dup_mmap AS SELECT * FROM dup_buf;
SET max_parallel_maintenance_workers = 0;
CREATE INDEX dup_buf_idx ON dup_buf USING zvec (v) WITH (storage = bufferpool);
CREATE INDEX dup_mmap_idx ON dup_mmap USING zvec (v) WITH (storage = mmap);
RESET max_parallel_maintenance_workers;

-- about 700 kB each, where 100,050 nodes would take some 21 MB
SELECT pg_relation_size('dup_buf_idx') < 1024 * 1024 AS buf_small,
	pg_relation_size('dup_mmap_idx') < 1024 * 1024 AS mmap_small;

SET enable_seqscan = off;
-- LIMIT 10: ten distinct rows, all at distance 0
SELECT count(*), count(DISTINCT id), max(v <-> '[1,2,3]') AS max_dist
	FROM (SELECT id, v FROM dup_buf ORDER BY v <-> '[1,2,3]' LIMIT 10) s;
SELECT count(*), count(DISTINCT id), max(v <-> '[1,2,3]') AS max_dist
	FROM (SELECT id, v FROM dup_mmap ORDER BY v <-> '[1,2,3]' LIMIT 10) s;

-- every row, the 100,000 duplicates first
SET zvec.iterative_scan = relaxed_order;
SET zvec.max_scan_tuples = 1000000;
SELECT count(*), count(DISTINCT id), max(v <-> '[1,2,3]') AS max_dist
	FROM (SELECT id, v FROM dup_buf ORDER BY v <-> '[1,2,3]' LIMIT 100000) s;
SELECT count(*), count(DISTINCT id), max(v <-> '[1,2,3]') AS max_dist
	FROM (SELECT id, v FROM dup_mmap ORDER BY v <-> '[1,2,3]' LIMIT 100000) s;
SELECT count(*), count(DISTINCT id)
	FROM (SELECT id FROM dup_buf ORDER BY v <-> '[1,2,4]' LIMIT 200000) s;
SELECT count(*), count(DISTINCT id)
	FROM (SELECT id FROM dup_mmap ORDER BY v <-> '[1,2,4]' LIMIT 200000) s;
-- a scan without a query vector returns every row too
SELECT count(*), count(DISTINCT id)
	FROM (SELECT id FROM dup_buf ORDER BY v <-> (SELECT NULL::vector) LIMIT 200000) s;
SELECT count(*), count(DISTINCT id)
	FROM (SELECT id FROM dup_mmap ORDER BY v <-> (SELECT NULL::vector) LIMIT 200000) s;

-- inserts join the node
INSERT INTO dup_buf SELECT 200000 + i, '[1,2,3]' FROM generate_series(1, 2000) i;
INSERT INTO dup_mmap SELECT 200000 + i, '[1,2,3]' FROM generate_series(1, 2000) i;
SELECT count(*), count(DISTINCT id), max(v <-> '[1,2,3]') AS max_dist
	FROM (SELECT id, v FROM dup_buf ORDER BY v <-> '[1,2,3]' LIMIT 102000) s;
SELECT count(*), count(DISTINCT id), max(v <-> '[1,2,3]') AS max_dist
	FROM (SELECT id, v FROM dup_mmap ORDER BY v <-> '[1,2,3]' LIMIT 102000) s;

-- vacuum empties most overflow records; new duplicates refill them
DELETE FROM dup_buf WHERE id BETWEEN 1001 AND 100000;
DELETE FROM dup_mmap WHERE id BETWEEN 1001 AND 100000;
VACUUM dup_buf;
VACUUM dup_mmap;
SELECT count(*), count(DISTINCT id), sum(id) FILTER (WHERE id <= 1000) AS sum_old
	FROM (SELECT id FROM dup_buf ORDER BY v <-> '[1,2,3]' LIMIT 200000) s;
SELECT count(*), count(DISTINCT id), sum(id) FILTER (WHERE id <= 1000) AS sum_old
	FROM (SELECT id FROM dup_mmap ORDER BY v <-> '[1,2,3]' LIMIT 200000) s;
CREATE TEMP TABLE dup_sizes AS
	SELECT pg_relation_size('dup_buf_idx') AS buf, pg_relation_size('dup_mmap_idx') AS mmap;
INSERT INTO dup_buf SELECT 300000 + i, '[1,2,3]' FROM generate_series(1, 3000) i;
INSERT INTO dup_mmap SELECT 300000 + i, '[1,2,3]' FROM generate_series(1, 3000) i;
SELECT pg_relation_size('dup_buf_idx') = buf AS buf_same_size,
	pg_relation_size('dup_mmap_idx') = mmap AS mmap_same_size FROM dup_sizes;
SELECT count(*), count(DISTINCT id)
	FROM (SELECT id FROM dup_buf ORDER BY v <-> '[1,2,3]' LIMIT 200000) s;
SELECT count(*), count(DISTINCT id)
	FROM (SELECT id FROM dup_mmap ORDER BY v <-> '[1,2,3]' LIMIT 200000) s;

-- every duplicate gone: the node is deleted; a new one is made
DELETE FROM dup_buf WHERE v = '[1,2,3]';
DELETE FROM dup_mmap WHERE v = '[1,2,3]';
VACUUM dup_buf;
VACUUM dup_mmap;
INSERT INTO dup_buf SELECT 400000 + i, '[1,2,3]' FROM generate_series(1, 20) i;
INSERT INTO dup_mmap SELECT 400000 + i, '[1,2,3]' FROM generate_series(1, 20) i;
SELECT count(*), min(id), max(id)
	FROM (SELECT id FROM dup_buf ORDER BY v <-> '[1,2,3]' LIMIT 200000) s;
SELECT count(*), min(id), max(id)
	FROM (SELECT id FROM dup_mmap ORDER BY v <-> '[1,2,3]' LIMIT 200000) s;
RESET enable_seqscan;
RESET zvec.iterative_scan;
RESET zvec.max_scan_tuples;
DROP TABLE dup_buf, dup_mmap, dup_sizes;

-- inserts refill the overflow records a vacuum thinned out (4,000
-- duplicates take about 120 records, each left with one TID in four; the
-- next 2,500 fit in their free room)
CREATE TABLE dup2_buf (id int, v vector(3));
INSERT INTO dup2_buf SELECT i, '[1,2,3]' FROM generate_series(1, 4000) i;
CREATE TABLE dup2_mmap AS SELECT * FROM dup2_buf;
CREATE INDEX dup2_buf_idx ON dup2_buf USING zvec (v) WITH (storage = bufferpool);
CREATE INDEX dup2_mmap_idx ON dup2_mmap USING zvec (v) WITH (storage = mmap);
DELETE FROM dup2_buf WHERE id % 4 <> 0;
DELETE FROM dup2_mmap WHERE id % 4 <> 0;
VACUUM dup2_buf;
VACUUM dup2_mmap;
CREATE TEMP TABLE dup_sizes AS
	SELECT pg_relation_size('dup2_buf_idx') AS buf, pg_relation_size('dup2_mmap_idx') AS mmap;
INSERT INTO dup2_buf SELECT 10000 + i, '[1,2,3]' FROM generate_series(1, 2500) i;
INSERT INTO dup2_mmap SELECT 10000 + i, '[1,2,3]' FROM generate_series(1, 2500) i;
SELECT pg_relation_size('dup2_buf_idx') = buf AS buf_same_size,
	pg_relation_size('dup2_mmap_idx') = mmap AS mmap_same_size FROM dup_sizes;
SET enable_seqscan = off;
SET zvec.iterative_scan = relaxed_order;
SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE id % 4 = 0 AND id <= 4000) AS kept
	FROM (SELECT id FROM dup2_buf ORDER BY v <-> '[1,2,3]' LIMIT 10000) s;
SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE id % 4 = 0 AND id <= 4000) AS kept
	FROM (SELECT id FROM dup2_mmap ORDER BY v <-> '[1,2,3]' LIMIT 10000) s;
RESET enable_seqscan;
RESET zvec.iterative_scan;
DROP TABLE dup2_buf, dup2_mmap, dup_sizes;
