-- zvec_verify: what it accepts, and the errors it raises (the problems it
-- reports on damaged indexes are tested in test/t/071_verify.pl).
-- pg_regress test; zvec is already created in this database.

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

CREATE TABLE verify_t (id int PRIMARY KEY, v vector(3));
INSERT INTO verify_t SELECT i, ARRAY[i, i % 7, 1]::vector FROM generate_series(1, 200) i;
INSERT INTO verify_t VALUES (201, NULL);
CREATE INDEX verify_hnsw ON verify_t USING zvec (v) WITH (m = 4);
CREATE INDEX verify_ivf ON verify_t USING zvec (v) WITH (algorithm = 'ivf', lists = 2);
CREATE INDEX verify_btree ON verify_t (id);

-- sound indexes: no rows, with or without the heap comparison
SELECT * FROM zvec_verify('verify_hnsw');
SELECT * FROM zvec_verify('verify_hnsw', heapallindexed => true);
SELECT * FROM zvec_verify('verify_ivf', true);
SELECT count(*) FROM zvec_verify(NULL);

-- the result's shape
SELECT pg_get_function_result('zvec_verify(regclass, boolean)'::regprocedure);

-- not a zvec index: 42809
SELECT pg_temp.err($$SELECT * FROM zvec_verify('verify_t')$$);
SELECT pg_temp.err($$SELECT * FROM zvec_verify('verify_btree')$$);
SELECT pg_temp.err($$SELECT * FROM zvec_verify('verify_t_pkey', true)$$);
CREATE SEQUENCE verify_seq;
SELECT pg_temp.err($$SELECT * FROM zvec_verify('verify_seq')$$);
CREATE VIEW verify_view AS SELECT * FROM verify_t;
SELECT pg_temp.err($$SELECT * FROM zvec_verify('verify_view')$$);
CREATE TABLE verify_parted (id int, v vector(3)) PARTITION BY RANGE (id);
CREATE TABLE verify_part1 PARTITION OF verify_parted FOR VALUES FROM (0) TO (100);
CREATE INDEX verify_parted_idx ON verify_parted USING zvec (v);
SELECT pg_temp.err($$SELECT * FROM zvec_verify('verify_parted_idx')$$);
SELECT count(*) FROM zvec_verify((SELECT indexrelid FROM pg_index
	WHERE indrelid = 'verify_part1'::regclass)::regclass);
-- no such relation: regclass input fails first
SELECT pg_temp.err($$SELECT * FROM zvec_verify('verify_nonexistent')$$);

-- permissions: EXECUTE is revoked from PUBLIC, granted to pg_monitor
SELECT has_function_privilege('public', 'zvec_verify(regclass, boolean)', 'EXECUTE') AS public_may,
	has_function_privilege('pg_monitor', 'zvec_verify(regclass, boolean)', 'EXECUTE') AS pg_monitor_may;
CREATE ROLE regress_zvec_verify_user;
GRANT SELECT ON verify_t TO regress_zvec_verify_user;
SET ROLE regress_zvec_verify_user;
SELECT pg_temp.err($$SELECT * FROM zvec_verify('verify_hnsw')$$);
RESET ROLE;
GRANT EXECUTE ON FUNCTION zvec_verify(regclass, boolean) TO regress_zvec_verify_user;
SET ROLE regress_zvec_verify_user;
-- EXECUTE alone is not enough: the caller must own the index or have pg_monitor's privileges
SELECT pg_temp.err($$SELECT * FROM zvec_verify('verify_hnsw')$$);
RESET ROLE;
GRANT pg_monitor TO regress_zvec_verify_user;
SET ROLE regress_zvec_verify_user;
SELECT count(*) FROM zvec_verify('verify_hnsw');
RESET ROLE;

DROP VIEW verify_view;
DROP SEQUENCE verify_seq;
DROP TABLE verify_parted;
DROP TABLE verify_t;
REVOKE EXECUTE ON FUNCTION zvec_verify(regclass, boolean) FROM regress_zvec_verify_user;
DROP ROLE regress_zvec_verify_user;
