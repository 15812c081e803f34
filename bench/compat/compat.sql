-- bench/compat/compat.sql
--	One query per function and operator of the vector type, run unchanged
--	against zvec and against pgvector (bench/compat/compare.sh); their
--	outputs must be identical text.  Vectors here are short (< 8
--	dimensions, where every kernel sums in index order) or have values whose
--	sums are exact in float4.
--
-- Copyright (c) 2026, the zvec developers
\pset format unaligned
\pset fieldsep ' | '
SELECT '[1,2,3]'::vector <-> '[4,5,6]'::vector;
SELECT '[1,2,3]'::vector <#> '[4,5,6]'::vector;
SELECT '[1,2,3]'::vector <=> '[4,5,6]'::vector;
SELECT '[1,2,3]'::vector <+> '[4,5,6]'::vector;
SELECT l2_distance('[1.1,2.2,3.3]'::vector, '[-4.5,5.25,0.001]'::vector);
SELECT inner_product('[1.1,2.2,3.3]'::vector, '[-4.5,5.25,0.001]'::vector);
SELECT cosine_distance('[1.1,2.2,3.3]'::vector, '[-4.5,5.25,0.001]'::vector);
SELECT l1_distance('[1.1,2.2,3.3]'::vector, '[-4.5,5.25,0.001]'::vector);
SELECT cosine_distance('[0,0]'::vector, '[1,2]'::vector);
SELECT cosine_distance('[1,1]'::vector, '[1,1]'::vector), cosine_distance('[1,1]'::vector, '[-1,-1]'::vector);
SELECT vector_dims('[1,2,3,4,5]'::vector);
SELECT vector_norm('[3,4]'::vector), vector_norm('[0.1,0.2,0.3]'::vector);
SELECT l2_normalize('[3,4]'::vector), l2_normalize('[0,0]'::vector), l2_normalize('[1e-20,1e-20]'::vector);
SELECT subvector('[1,2,3,4,5]'::vector, 2, 3), subvector('[1,2,3,4,5]'::vector, 0, 2), subvector('[1,2,3,4,5]'::vector, 4, 10);
SELECT '[1,2,3]'::vector + '[0.5,0.25,1e-7]'::vector, '[1,2,3]'::vector - '[0.5,0.25,1e-7]'::vector, '[1,2,3]'::vector * '[0.5,0.25,1e-7]'::vector;
SELECT '[1,2]'::vector || '[3,4.5]'::vector;
SELECT '[1,2,3]'::vector < '[1,2,4]'::vector, '[1,2]'::vector < '[1,2,3]'::vector, '[1,2,3]'::vector = '[1,2,3]'::vector, '[1,2,3]'::vector <> '[1,2,3]'::vector;
SELECT vector_cmp('[1,2,3]'::vector, '[1,2]'::vector), vector_cmp('[0]'::vector, '[1]'::vector), vector_cmp('[1,2]'::vector, '[1,2]'::vector);
SELECT '[1.5, 2 ,3e-2 ]'::vector, '[0.1,0.2,0.3]'::vector, '[1e38,-1e-38,3.4028235e38]'::vector;
SELECT '[1,2,3]'::vector(3), '[-0,0.0000001,123456789]'::vector;
SELECT vector_send('[1,2,-3.5]'::vector);
SELECT ARRAY[1,2,3]::vector, ARRAY[1.5,2.5]::real[]::vector, ARRAY[1.25,2.5]::float8[]::vector, ARRAY[1.1,2.2]::numeric[]::vector;
SELECT '[1,2,3]'::vector::real[];
SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::vector), ('[4,5,6]'), ('[0.5,0.25,0.125]')) t(v);
SELECT v FROM (VALUES ('[3,1]'::vector), ('[1,2]'), ('[1,2,0]'), ('[1,2]')) t(v) GROUP BY v ORDER BY v;
SELECT DISTINCT v FROM (VALUES ('[3,1]'::vector), ('[1,2]'), ('[1,2]')) t(v) ORDER BY v;
SELECT round(('[1,2,3]'::vector <-> '[4,5,6]'::vector)::numeric, 6);
-- Errors: the same SQLSTATE and the same primary message (details and
-- hints may differ: zvec adds them).
\set ON_ERROR_STOP 0
\set VERBOSITY sqlstate
\ir compat_errors.sql
\set VERBOSITY terse
\ir compat_errors.sql
