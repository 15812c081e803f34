-- test/pgtap/002_settings_catalog.sql
--	The contract of zvec's settings and introspection functions: every GUC
--	with its type, unit, default, range and context, and the signature of
--	zvec_memory_status() and of the superuser-only test aids.
--
-- Copyright (c) 2026, the zvec developers

LOAD 'zvec';
BEGIN;

CREATE TEMP TABLE expected_gucs (name text, vartype text, unit text, boot_val text,
	min_val text, max_val text, enumvals text[], context text) ON COMMIT DROP;
INSERT INTO expected_gucs VALUES
	('zvec.memory_limit', 'integer', 'MB', '-1', '-1', '2147483647', NULL, 'sighup'),
	('zvec.memory_quota', 'integer', 'MB', '-1', '-1', '2147483647', NULL, 'user'),
	('zvec.mmap_warmup', 'enum', NULL, 'off', NULL, NULL, '{off,prefetch,populate}', 'user'),
	('zvec.mmap_lock', 'enum', NULL, 'off', NULL, NULL, '{off,try,on}', 'superuser'),
	('zvec.cgroup_root', 'string', NULL, '/', NULL, NULL, NULL, 'superuser'),
	('zvec.ef_search', 'integer', NULL, '40', '1', '1000', NULL, 'user'),
	('zvec.probes', 'integer', NULL, '1', '1', '32768', NULL, 'user'),
	('zvec.iterative_scan', 'enum', NULL, 'off', NULL, NULL, '{off,relaxed_order,strict_order}', 'user'),
	('zvec.max_scan_tuples', 'integer', NULL, '20000', '1', '2147483647', NULL, 'user');

SELECT plan(2 * (SELECT count(*)::int FROM expected_gucs) + 8);

SELECT ok(EXISTS (SELECT 1 FROM pg_settings s WHERE s.name = e.name), format('setting %s exists', e.name))
	FROM expected_gucs e;
SELECT is(ROW(s.vartype, s.unit, s.boot_val, s.min_val, s.max_val, s.enumvals, s.context)::text,
		ROW(e.vartype, e.unit, e.boot_val, e.min_val, e.max_val, e.enumvals, e.context)::text,
		format('%s: type, unit, default, range and context', e.name))
	FROM expected_gucs e LEFT JOIN pg_settings s USING (name);

SELECT throws_ok('SET zvec.no_such_setting = 1', '42602', NULL,
	'the zvec. prefix is reserved: unknown zvec settings are refused');

SELECT has_function('zvec_memory_status', '{}'::text[], 'zvec_memory_status() exists');
SELECT is(
	(SELECT array_agg(format('%s %s', n, format_type(t, NULL)) ORDER BY o)
	 FROM pg_proc p,
	      unnest(p.proallargtypes, p.proargnames, p.proargmodes) WITH ORDINALITY u(t, n, m, o)
	 WHERE p.oid = 'zvec_memory_status()'::regprocedure AND m = 'o'),
	ARRAY['detected_limit bigint', 'limit_source text', 'cpu_limit double precision',
	      'memory_cap bigint', 'memory_quota bigint', 'backend_charged bigint',
	      'cluster_charged bigint', 'mode text', 'backend_pinned bigint'],
	'zvec_memory_status() returns the documented columns');
SELECT volatility_is('zvec_memory_status', '{}'::text[], 'volatile', 'zvec_memory_status() is VOLATILE');
SELECT is((SELECT count(*)::int FROM zvec_memory_status()), 1, 'zvec_memory_status() returns one row');
SELECT has_function('zvec_memory_test_charge', ARRAY['bigint', 'bigint', 'boolean'], 'test aid zvec_memory_test_charge exists');
SELECT ok(NOT has_function_privilege('public', 'zvec_memory_test_charge(bigint, bigint, boolean)', 'EXECUTE')
	AND NOT EXISTS (SELECT 1 FROM pg_proc p, aclexplode(p.proacl) a
		WHERE p.oid = 'zvec_memory_test_charge(bigint,bigint,boolean)'::regprocedure AND a.grantee = 0),
	'zvec_memory_test_charge is not executable by PUBLIC');
SELECT volatility_is('zvec_distance_kernel', '{}'::text[], 'stable', 'zvec_distance_kernel() is STABLE');

SELECT * FROM finish();
ROLLBACK;
