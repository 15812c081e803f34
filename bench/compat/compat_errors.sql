-- bench/compat/compat_errors.sql
--	Inputs every vector implementation must reject; compat.sql runs them
--	once for SQLSTATEs and once for messages.
--
-- Copyright (c) 2026, the zvec developers
SELECT '[1,2'::vector;
SELECT '[1,2]x'::vector;
SELECT '1,2'::vector;
SELECT '[]'::vector;
SELECT '[nan]'::vector;
SELECT '[inf]'::vector;
SELECT '[1e39]'::vector;
SELECT '[1,2]'::vector(3);
SELECT '[1,2]'::vector <-> '[1,2,3]'::vector;
SELECT '[1]'::vector(0);
SELECT '[1]'::vector(16001);
SELECT ('[' || repeat('1,', 16000) || '1]')::vector;
SELECT ARRAY[1,NULL]::int[]::vector;
SELECT ARRAY[[1,2],[3,4]]::int[]::vector;
SELECT '[3e38]'::vector + '[3e38]'::vector;
SELECT subvector('[1,2,3]'::vector, 1, 0);
