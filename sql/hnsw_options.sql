-- hnsw_options: reloptions and GUCs of zvec HNSW indexes, and the opclass
-- validator.  Every error names what is wrong; SQLSTATEs are shown.
\set VERBOSITY default
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

CREATE TABLE opt (id int, v vector(3));
INSERT INTO opt VALUES (1, '[1,2,3]'), (2, '[4,5,6]');

-- Defaults and valid values.
CREATE INDEX opt_default ON opt USING zvec (v);
CREATE INDEX opt_all ON opt USING zvec (v vector_l2_ops)
	WITH (algorithm = 'hnsw', storage = 'bufferpool', m = 2, ef_construction = 4);
CREATE INDEX opt_max ON opt USING zvec (v) WITH (m = 100, ef_construction = 1000);
CREATE INDEX opt_case ON opt USING zvec (v) WITH (algorithm = 'HNSW', storage = 'BufferPool');
SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'opt\_%' ORDER BY relname;
DROP INDEX opt_default, opt_all, opt_max, opt_case;

-- m: 2 .. 100.
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (m = 1)$$);
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (m = 101)$$);
-- ef_construction: at least 2 * m, at most 1000.
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (ef_construction = 3)$$);
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (ef_construction = 1001)$$);
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (m = 16, ef_construction = 31)$$);
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (m = 40)$$);
-- Unknown values of the string options.
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (algorithm = 'lsh')$$);
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (storage = 'disk')$$);
-- Options of another algorithm are errors.
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (lists = 10)$$);
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (algorithm = 'hnsw', lists = 10)$$);
-- HNSW's options do not apply to IVF (ivf_options tests IVF's own).
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (algorithm = 'ivf', m = 8)$$);
-- Unknown options.
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (ef_search = 10)$$);
-- ALTER INDEX validates the same way.
CREATE INDEX opt_idx ON opt USING zvec (v);
SELECT pg_temp.err($$ALTER INDEX opt_idx SET (lists = 4)$$);
SELECT pg_temp.err($$ALTER INDEX opt_idx SET (m = 0)$$);

-- A column without dimensions cannot be indexed.
CREATE TABLE nodim (v vector);
CREATE INDEX ON nodim USING zvec (v);
CREATE INDEX ON nodim USING zvec ((v::vector(3)));
DROP TABLE nodim;

-- Multi-column and unique indexes are not supported.
CREATE INDEX ON opt USING zvec (v, v);
CREATE UNIQUE INDEX ON opt USING zvec (v);

-- GUCs: defaults and ranges.
SHOW zvec.ef_search;
SHOW zvec.iterative_scan;
SHOW zvec.max_scan_tuples;
SET zvec.ef_search = 1;
SET zvec.ef_search = 1000;
SET zvec.ef_search = 0;
SET zvec.ef_search = 1001;
SET zvec.iterative_scan = relaxed_order;
SET zvec.iterative_scan = strict_order;
SET zvec.iterative_scan = off;
SET zvec.iterative_scan = sometimes;
SET zvec.max_scan_tuples = 1;
SET zvec.max_scan_tuples = 0;
RESET zvec.ef_search;
RESET zvec.iterative_scan;
RESET zvec.max_scan_tuples;

-- The opclass validator accepts zvec's own opclasses...
SELECT opcname, amvalidate(c.oid)
FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE a.amname = 'zvec' ORDER BY opcname;

-- ...and reports every problem of a broken one.
CREATE FUNCTION bad_distance(vector, vector) RETURNS real
	AS 'SELECT 0::real' LANGUAGE sql IMMUTABLE;
CREATE OPERATOR CLASS bad_ops FOR TYPE vector USING zvec AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	OPERATOR 2 <#> (vector, vector) FOR ORDER BY float_ops,
	OPERATOR 3 = (vector, vector),
	FUNCTION 1 bad_distance(vector, vector),
	FUNCTION 2 vector_norm(vector);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'bad_ops';
CREATE OPERATOR CLASS nofunc_ops FOR TYPE vector USING zvec AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops;
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'nofunc_ops';
CREATE OPERATOR CLASS nothing_ops FOR TYPE vector USING zvec AS
	FUNCTION 1 l2_distance(vector, vector);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'nothing_ops';
DROP OPERATOR CLASS bad_ops USING zvec;
DROP OPERATOR CLASS nofunc_ops USING zvec;
DROP OPERATOR CLASS nothing_ops USING zvec;
DROP FUNCTION bad_distance(vector, vector);

-- Every IndexAmRoutine property the AM advertises.
SELECT p.name, pg_indexam_has_property(a.oid, p.name)
FROM pg_am a, unnest(ARRAY['can_order', 'can_unique', 'can_multi_col',
                           'can_exclude', 'can_include']) AS p(name)
WHERE a.amname = 'zvec';

DROP TABLE opt;
