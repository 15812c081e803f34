-- security_roles: what an ordinary role may and may not do with zvec.
-- No SQL function takes a file path; settings that name files the server
-- reads (zvec.cgroup_root) or pin memory for the whole machine
-- (zvec.mmap_lock) are superuser-only; the memory test aids are revoked
-- from PUBLIC and refuse non-superusers even when granted; the status
-- function shows a role nothing another role could not see.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql
-- load the module, so that the zvec.* settings are defined in this session
LOAD 'zvec';

-- Every function of the extension whose arguments could carry a path:
-- any text-like or binary argument, or an argument named like a file.
-- Only the type's own input functions take a string, and the server, not
-- a user, calls them with the literal being read.
SELECT p.oid::regprocedure AS function
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'zvec'
WHERE EXISTS (SELECT FROM unnest(p.proargtypes::oid[]) t
			  WHERE t IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype,
						  'cstring'::regtype, 'cstring[]'::regtype, 'name'::regtype,
						  'bytea'::regtype, 'json'::regtype, 'jsonb'::regtype,
						  'xml'::regtype, 'text[]'::regtype, 'unknown'::regtype,
						  'anyelement'::regtype, '"any"'::regtype))
   OR EXISTS (SELECT FROM unnest(p.proargnames) n WHERE n ~* '(path|file|dir|root)')
ORDER BY 1::text;
-- No function of the extension runs with its owner's rights.
SELECT count(*) AS security_definer
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'zvec'
WHERE p.prosecdef;

-- The test aids and zvec_verify() carry no PUBLIC grant; everything else does.
SELECT p.oid::regprocedure AS function,
	   EXISTS (SELECT FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
			   WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_execute
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'zvec'
WHERE p.proname LIKE 'zvec\_%'
ORDER BY 1::text;

CREATE ROLE regress_zvec_plain;
GRANT CREATE ON SCHEMA public TO regress_zvec_plain;
SET ROLE regress_zvec_plain;

-- The test aids: no EXECUTE, so 42501 before they run.
SELECT pg_temp.err($$SELECT zvec_memory_test_charge(1048576)$$);
SELECT pg_temp.err($$SELECT zvec_memory_test_release()$$);

-- Superuser-only settings: 42501 by SET, set_config and ALTER ROLE.
SELECT pg_temp.err($$SET zvec.cgroup_root = '/tmp'$$);
SELECT pg_temp.err($$SELECT set_config('zvec.cgroup_root', '/etc', false)$$);
SELECT pg_temp.err($$ALTER ROLE CURRENT_USER SET zvec.cgroup_root = '/tmp'$$);
SELECT pg_temp.err($$SET zvec.mmap_lock = on$$);
SELECT pg_temp.err($$SET LOCAL zvec.mmap_lock = try$$);
-- the cluster-wide cap is not a session setting for anyone
SELECT pg_temp.err($$SET zvec.memory_limit = '1GB'$$);
-- ...while the per-session knobs are the user's to choose.
SET zvec.mmap_warmup = prefetch;
SET zvec.memory_quota = '64MB';
SET zvec.ef_search = 100;
RESET zvec.mmap_warmup;
RESET zvec.memory_quota;
RESET zvec.ef_search;
SHOW zvec.cgroup_root;
SHOW zvec.mmap_lock;

-- An ordinary role builds and uses mmap indexes on its own tables; no
-- privilege is involved in the side file, which the server names itself.
CREATE TABLE sr_items (id int, v vector(3));
INSERT INTO sr_items SELECT i, ARRAY[i, i % 5, 1]::vector FROM generate_series(1, 50) i;
CREATE INDEX sr_idx ON sr_items USING zvec (v) WITH (storage = mmap);
SET enable_seqscan = off;
SELECT id FROM sr_items ORDER BY v <-> '[7.1,2,1]' LIMIT 3;
RESET enable_seqscan;

-- The status function: one row of limits and counters, the same for any
-- role (no names, no other session's details); this session has charged
-- nothing since its scans ended.
CREATE TEMP TABLE sr_status_plain AS
	SELECT detected_limit, limit_source, cpu_limit, memory_cap, memory_quota, mode
	FROM zvec_memory_status();
SELECT backend_charged = 0 AS nothing_held, backend_pinned = 0 AS nothing_pinned
FROM zvec_memory_status();
DROP TABLE sr_items;
RESET ROLE;
ALTER TABLE sr_status_plain OWNER TO CURRENT_USER;

-- The superuser sees the same row.
SELECT count(*) AS same_status FROM sr_status_plain s, zvec_memory_status() z
WHERE (s.detected_limit, s.limit_source, s.cpu_limit, s.memory_cap, s.mode) =
	  (z.detected_limit, z.limit_source, z.cpu_limit, z.memory_cap, z.mode)
  AND s.memory_quota IS NOT DISTINCT FROM z.memory_quota;

-- Granting EXECUTE on a test aid is not enough: it checks for a superuser.
GRANT EXECUTE ON FUNCTION zvec_memory_test_charge(bigint, bigint, boolean) TO regress_zvec_plain;
SET ROLE regress_zvec_plain;
SELECT pg_temp.err($$SELECT zvec_memory_test_charge(1048576)$$);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION zvec_memory_test_charge(bigint, bigint, boolean) FROM regress_zvec_plain;

-- A superuser may point zvec at another cgroup tree (tests do).
SET zvec.cgroup_root = '/';
RESET zvec.cgroup_root;

-- Before the module is loaded in a session, zvec.* names are only
-- placeholders that anyone may set; when the module loads, a placeholder
-- value of a superuser-only setting set by an ordinary role is refused
-- (PostgreSQL 15 remembers who set it), so the setting keeps its default.
\c
SET ROLE regress_zvec_plain;
SET zvec.cgroup_root = '/tmp';
SET zvec.mmap_lock = on;
SELECT '[1]'::vector;
SHOW zvec.cgroup_root;
SHOW zvec.mmap_lock;
RESET ROLE;

REVOKE CREATE ON SCHEMA public FROM regress_zvec_plain;
DROP ROLE regress_zvec_plain;
