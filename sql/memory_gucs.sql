--
-- memory_gucs: range, errors and contexts of every zvec.* setting.
--
-- zvec.cgroup_root points at a fake cgroup tree so that the detected limit,
-- and so every number below, is the same on every machine.
--
-- load the module so that the zvec.* settings are defined in this session
LOAD 'zvec';
\getenv abs_srcdir PG_ABS_SRCDIR
\set v2root :abs_srcdir '/test/fixtures/cgroup/v2_limited'

-- the catalog view of each setting
SELECT name, context, vartype, unit, min_val, max_val, enumvals, boot_val
FROM pg_settings WHERE name ~ '^zvec\.(memory|mmap|cgroup)' ORDER BY name;

-- zvec.cgroup_root: absolute paths only, stored canonicalised
SHOW zvec.cgroup_root;
SET zvec.cgroup_root = 'relative/path';
SET zvec.cgroup_root = '';
SET zvec.cgroup_root = '/tmp//no/such/../dir/';
SHOW zvec.cgroup_root;
SET zvec.cgroup_root = :'v2root';
SELECT replace(current_setting('zvec.cgroup_root'), :'abs_srcdir', '<srcdir>') AS cgroup_root;

-- zvec.memory_limit: SHOW gives the cap in bytes and where it comes from
SHOW zvec.memory_limit;
SELECT memory_cap FROM zvec_memory_status();
-- reload-only: a session cannot change the cluster-wide cap
SET zvec.memory_limit = '100MB';
-- ALTER SYSTEM validates: range, zero, above the detected 1 GB limit, syntax
ALTER SYSTEM SET zvec.memory_limit = -2;
ALTER SYSTEM SET zvec.memory_limit = 0;
ALTER SYSTEM SET zvec.memory_limit = '2GB';
ALTER SYSTEM SET zvec.memory_limit = 1025;
ALTER SYSTEM SET zvec.memory_limit = 'lots';
ALTER SYSTEM SET zvec.memory_limit = '3000000GB';

-- zvec.memory_quota: -1 or at least 1MB; any user may set it
SHOW zvec.memory_quota;
SET zvec.memory_quota = '512MB';
SHOW zvec.memory_quota;
SELECT memory_quota FROM zvec_memory_status();
SET zvec.memory_quota = '2GB';
SHOW zvec.memory_quota;
SET zvec.memory_quota = 1;
SHOW zvec.memory_quota;
SET zvec.memory_quota = 0;
SET zvec.memory_quota = -2;
SET zvec.memory_quota = '3000000GB';
SET zvec.memory_quota = 'plenty';
SET zvec.memory_quota = -1;
SELECT memory_quota IS NULL AS unbounded FROM zvec_memory_status();
RESET zvec.memory_quota;

-- zvec.mmap_warmup
SHOW zvec.mmap_warmup;
SET zvec.mmap_warmup = prefetch;
SHOW zvec.mmap_warmup;
SET zvec.mmap_warmup = populate;
SHOW zvec.mmap_warmup;
SET zvec.mmap_warmup = off;
SHOW zvec.mmap_warmup;
SET zvec.mmap_warmup = eager;
RESET zvec.mmap_warmup;

-- zvec.mmap_lock
SHOW zvec.mmap_lock;
SET zvec.mmap_lock = try;
SHOW zvec.mmap_lock;
SET zvec.mmap_lock = on;
SHOW zvec.mmap_lock;
SET zvec.mmap_lock = off;
SHOW zvec.mmap_lock;
SET zvec.mmap_lock = maybe;
RESET zvec.mmap_lock;

-- the prefix is reserved: a misspelt name is an error, not a placeholder
SET zvec.memory_limt = 10;
SHOW zvec.nonsense;

-- what an ordinary user may and may not change
CREATE ROLE regress_zvec_memory_user;
SET ROLE regress_zvec_memory_user;
SET zvec.memory_quota = '64MB';
SHOW zvec.memory_quota;
SET zvec.mmap_warmup = populate;
SET zvec.mmap_lock = try;
SET zvec.cgroup_root = '/';
RESET ROLE;
DROP ROLE regress_zvec_memory_user;

RESET ALL;
