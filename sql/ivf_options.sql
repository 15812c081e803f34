-- ivf_options: reloptions and GUCs of zvec IVF indexes.  Every error
-- names what is wrong; SQLSTATEs are shown.  The number of lists an index
-- was built with is read from its metapage (pageinspect): lists is the
-- option as resolved at build time (given, or chosen from the row count),
-- nlists the lists actually built (never more than distinct rows).
\set VERBOSITY default
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql
CREATE EXTENSION pageinspect;
CREATE FUNCTION pg_temp.ivf_lists(idx text, OUT lists int, OUT nlists int)
LANGUAGE sql AS $$
	SELECT get_byte(p, 68) + (get_byte(p, 69) << 8) + (get_byte(p, 70) << 16),
	       get_byte(p, 72) + (get_byte(p, 73) << 8) + (get_byte(p, 74) << 16)
	FROM get_raw_page(idx, 0) p
$$;

CREATE TABLE opt (id int, v vector(3));
INSERT INTO opt SELECT i, ARRAY[i, i % 7, i % 3]::real[]::vector FROM generate_series(1, 2500) i;

-- Valid values, at both ends of the range, on both storage backends.
CREATE INDEX opt_ivf ON opt USING zvec (v) WITH (algorithm = 'ivf');
CREATE INDEX opt_min ON opt USING zvec (v) WITH (algorithm = 'ivf', lists = 1);
CREATE INDEX opt_max ON opt USING zvec (v) WITH (algorithm = 'ivf', lists = 32768, storage = 'mmap');
CREATE INDEX opt_case ON opt USING zvec (v) WITH (algorithm = 'IVF', lists = 7, storage = 'BufferPool');
SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'opt\_%' ORDER BY relname;
-- Default lists: rows / 1000 (2,500 rows: 2); otherwise as given, but
-- no more lists than distinct rows (opt_max: 2,500).
SELECT relname, (pg_temp.ivf_lists(relname)).* FROM pg_class
WHERE relname LIKE 'opt\_%' ORDER BY relname;
DROP INDEX opt_ivf, opt_min, opt_max, opt_case;
-- Under cosine a zero vector is not indexed, and the default counts only
-- rows that are: 2,500 zero vectors and 1,500 others give one list, not 4
-- (the sampling pass reads a row's vector only if it is sampled, and
-- scales the rows it counted by the share of indexable ones sampled).
CREATE TABLE opt_zero (v vector(3));
INSERT INTO opt_zero SELECT CASE WHEN i % 8 < 5 THEN '[0,0,0]'
	ELSE ARRAY[i, i % 7, 1]::real[]::vector END FROM generate_series(1, 4000) i;
CREATE INDEX opt_zero_ivf ON opt_zero USING zvec (v vector_cosine_ops) WITH (algorithm = 'ivf');
SELECT (pg_temp.ivf_lists('opt_zero_ivf')).*;
DROP TABLE opt_zero;

-- lists: 1 .. 32768.
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (algorithm = 'ivf', lists = 0)$$);
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (algorithm = 'ivf', lists = 32769)$$);
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (algorithm = 'ivf', lists = 'many')$$);
-- HNSW's options do not apply to IVF, nor lists to HNSW.
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (algorithm = 'ivf', m = 8)$$);
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (algorithm = 'ivf', ef_construction = 40)$$);
SELECT pg_temp.err($$CREATE INDEX ON opt USING zvec (v) WITH (algorithm = 'hnsw', lists = 10)$$);
-- ALTER INDEX validates the same way (a new lists takes effect at REINDEX).
CREATE INDEX opt_idx ON opt USING zvec (v) WITH (algorithm = 'ivf', lists = 4);
ALTER INDEX opt_idx SET (lists = 5);
SELECT (pg_temp.ivf_lists('opt_idx')).*;
REINDEX INDEX opt_idx;
SELECT (pg_temp.ivf_lists('opt_idx')).*;
SELECT pg_temp.err($$ALTER INDEX opt_idx SET (m = 4)$$);
SELECT pg_temp.err($$ALTER INDEX opt_idx SET (lists = 0)$$);
DROP INDEX opt_idx;

-- GUC zvec.probes: default 1, 1 .. 32768.
SHOW zvec.probes;
SET zvec.probes = 1;
SET zvec.probes = 32768;
SHOW zvec.probes;
SET zvec.probes = 0;
SET zvec.probes = 32769;
RESET zvec.probes;
SELECT name, setting, unit, context, vartype, min_val, max_val, boot_val
FROM pg_settings WHERE name = 'zvec.probes';

DROP TABLE opt;
DROP EXTENSION pageinspect;
