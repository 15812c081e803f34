--
-- memory_errors: SQLSTATE 53200 from the memory governor, its detail and
-- hint, and the release of charges after an ERROR.
--
-- zvec_memory_test_charge(bytes, estimate, hold) is a superuser-only test
-- aid that charges memory exactly as an index build does: it reserves
-- estimate (default: bytes) before any work, then allocates bytes in 1 MB
-- steps in an accounted context, asking the governor before each step.
-- Where the output would depend on allocator overhead (which differs in
-- assert-enabled builds) only the error line is shown.
--
-- load the module so that the zvec.* settings are defined in this session
LOAD 'zvec';
\getenv abs_srcdir PG_ABS_SRCDIR
\set v2root :abs_srcdir '/test/fixtures/cgroup/v2_limited'
SET zvec.cgroup_root = :'v2root';

-- the v2_limited fixture: a 1 GB cgroup limit, so an 80% cap of 858993459
SELECT detected_limit,
       replace(limit_source, :'abs_srcdir', '<srcdir>') AS limit_source,
       cpu_limit, memory_cap, memory_quota, backend_charged, backend_pinned,
       mode IN ('shared', 'per-backend') AS mode_known,
       (cluster_charged IS NULL) = (mode = 'per-backend') AS cluster_matches_mode
FROM zvec_memory_status();

-- a charge within every limit is taken and, without hold, given back
SELECT zvec_memory_test_charge(4 * 1024 * 1024) >= 4 * 1024 * 1024 AS charged;
SELECT backend_charged FROM zvec_memory_status();

-- the estimate alone is over the quota: refused before any allocation
SET zvec.memory_quota = '10MB';
SELECT zvec_memory_test_charge(20 * 1024 * 1024);
\echo :LAST_ERROR_SQLSTATE
-- the estimate fits but the growth does not: refused on the way
\set VERBOSITY terse
SELECT zvec_memory_test_charge(20 * 1024 * 1024, 1024 * 1024);
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
-- the partial allocation was released by the abort
SELECT backend_charged FROM zvec_memory_status();
RESET zvec.memory_quota;

-- the estimate alone is over the cap
SELECT zvec_memory_test_charge(900 * 1024 * 1024);
\echo :LAST_ERROR_SQLSTATE

-- two charges that fit alone but not together (held: 500 MB reserved)
SELECT zvec_memory_test_charge(400 * 1024 * 1024, 500 * 1024 * 1024, hold => true);
SELECT backend_charged FROM zvec_memory_status();
SELECT zvec_memory_test_charge(400 * 1024 * 1024);
\echo :LAST_ERROR_SQLSTATE
-- the held charge is unaffected by the refusal, and can be given back
SELECT backend_charged FROM zvec_memory_status();
SELECT zvec_memory_test_release();
SELECT backend_charged FROM zvec_memory_status();
-- now the same charge fits
SELECT zvec_memory_test_charge(400 * 1024 * 1024) >= 400 * 1024 * 1024 AS charged;

-- an ERROR inside a subtransaction releases the charge too
BEGIN;
SAVEPOINT s1;
\set VERBOSITY terse
SELECT zvec_memory_test_charge(900 * 1024 * 1024, 1024 * 1024);
\set VERBOSITY default
ROLLBACK TO s1;
SELECT backend_charged FROM zvec_memory_status();
COMMIT;

-- bad arguments
SELECT zvec_memory_test_charge(-1);
SELECT zvec_memory_test_charge(1024, -1);
SELECT zvec_memory_test_charge(NULL);

-- the test aids are for superusers only
CREATE ROLE regress_zvec_memory_user;
SET ROLE regress_zvec_memory_user;
SELECT zvec_memory_test_charge(1024);
SELECT zvec_memory_test_release();
SELECT backend_charged FROM zvec_memory_status();
RESET ROLE;
DROP ROLE regress_zvec_memory_user;

RESET zvec.cgroup_root;
