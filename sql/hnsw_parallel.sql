--
-- hnsw_parallel: how many parallel workers an HNSW build plans.
--
-- The count is what plan_create_index_workers() grants (as for btree:
-- max_parallel_maintenance_workers, maintenance_work_mem, the table), then
-- bounded so that the leader and its workers do not outnumber the CPUs of
-- the cgroup limit.  Only counts that are the same on every machine are
-- shown: the cgroup bound through a fake cgroup tree of 0.5 CPU, and the
-- planner's own zeros.  DEBUG1 shows the count each build planned (after
-- core's line, which reads "serially" for every access method but btree).
-- test/t/011_hnsw_parallel_build.pl checks builds that do use workers.
--
LOAD 'zvec';
\getenv abs_srcdir PG_ABS_SRCDIR
\set v2root :abs_srcdir '/test/fixtures/cgroup/v2_limited'

CREATE TABLE par (id int, v vector(16));
INSERT INTO par SELECT i, array_fill((i % 97)::real, ARRAY[16])::vector(16)
	FROM generate_series(1, 2000) i;
CREATE TEMP TABLE par_temp AS SELECT * FROM par;
SELECT pg_relation_size('par') / current_setting('block_size')::int >= 3 AS enough_pages;

SET min_parallel_table_scan_size = 0;
SET maintenance_work_mem = '256MB';
SET max_parallel_maintenance_workers = 2;
SET zvec.cgroup_root = :'v2root';
SELECT cpu_limit FROM zvec_memory_status();

SET client_min_messages = debug1;
-- the planner grants 2 here; a 0.5-CPU cgroup leaves the leader alone
CREATE INDEX par_cgroup ON par USING zvec (v);
RESET zvec.cgroup_root;
-- no workers allowed
SET max_parallel_maintenance_workers = 0;
CREATE INDEX par_none ON par USING zvec (v);
-- maintenance_work_mem below 32MB per participant: the planner grants none
SET max_parallel_maintenance_workers = 2;
SET maintenance_work_mem = '32MB';
CREATE INDEX par_mem ON par USING zvec (v);
-- temporary tables are never built in parallel
SET maintenance_work_mem = '256MB';
CREATE INDEX par_temp_idx ON par_temp USING zvec (v);
RESET client_min_messages;

-- the indexes answer queries: the 3 nearest rows are at distance 0
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM par
	ORDER BY v <-> array_fill(5::real, ARRAY[16])::vector(16) LIMIT 3) t WHERE id % 97 = 5;
SELECT count(*) FROM (SELECT id FROM par_temp
	ORDER BY v <-> array_fill(5::real, ARRAY[16])::vector(16) LIMIT 3) t WHERE id % 97 = 5;
DROP TABLE par, par_temp;
