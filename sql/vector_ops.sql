-- vector_ops: distances, norms and element-wise operators.
-- Inputs have fewer than 8 dimensions and values whose products and sums
-- are exact in real, so every kernel set (portable, AVX2, AVX-512) prints
-- the same digits whatever order or fused multiply-add it uses.
-- pg_regress test; zvec is already created in this database.

-- the kernel set in use is one of the known ones
SELECT zvec_distance_kernel() IN ('portable', 'avx2', 'avx512') AS known_kernel;

-- L2 distance: float4 sum of squares, square root in double
SELECT '[1,2,3]'::vector <-> '[4,5,6]';
SELECT l2_distance('[0,0]'::vector, '[3,4]');
SELECT l2_distance('[0,0]'::vector, '[0,1]');
SELECT l2_distance('[1,1,1,1,1,1,1]'::vector, '[1,1,1,1,1,4,5]');
SELECT l2_distance('[3e38]'::vector, '[-3e38]');
SELECT '[0.5,0.25]'::vector <-> '[1.5,1.25]';
SELECT vector_l2_squared_distance('[1,2,3]'::vector, '[4,5,6]');
SELECT vector_l2_squared_distance('[0.5,0.25]'::vector, '[1.5,-0.75]');

-- inner product and its negation, the <#> operator
SELECT inner_product('[1,2]'::vector, '[3,4]');
SELECT '[1,2]'::vector <#> '[3,4]';
SELECT vector_negative_inner_product('[1,2]'::vector, '[3,4]');
SELECT inner_product('[1,1,1,1,1,1,1]'::vector, '[1,2,3,4,5,6,7]');
SELECT inner_product('[3e38]'::vector, '[3e38]');
SELECT inner_product('[0.5,0.25]'::vector, '[-3,0.125]');

-- cosine distance, the <=> operator; NaN with a zero vector
SELECT cosine_distance('[1,2]'::vector, '[2,4]');
SELECT '[1,2]'::vector <=> '[2,4]';
SELECT cosine_distance('[1,2]'::vector, '[0,0]');
SELECT cosine_distance('[0,0]'::vector, '[0,0]');
SELECT cosine_distance('[1,1]'::vector, '[1,1]');
SELECT cosine_distance('[1,0]'::vector, '[0,2]');
SELECT cosine_distance('[1,1]'::vector, '[-1,-1]');
SELECT cosine_distance('[1,1]'::vector, '[1.1,1.1]');
SELECT cosine_distance('[1,1]'::vector, '[-1.1,-1.1]');
SELECT cosine_distance('[3,4]'::vector, '[4,3]');
SELECT cosine_distance('[1,2,3,4,5,6,7]'::vector, '[-1,-2,-3,-4,-5,-6,-7]');

-- L1 distance, the <+> operator
SELECT l1_distance('[0,0]'::vector, '[3,4]');
SELECT '[0,0]'::vector <+> '[3,4]';
SELECT l1_distance('[0,0]'::vector, '[0,1]');
SELECT l1_distance('[3e38]'::vector, '[-3e38]');
SELECT l1_distance('[1,2,3,4,5,6,7]'::vector, '[0,3,2,5,4,7,6]');

-- operators commute
SELECT oprname, oprcom::regoperator
FROM pg_operator
WHERE oprleft = 'vector'::regtype AND oprname IN ('<->', '<#>', '<=>', '<+>')
ORDER BY oprname;

-- dimensions and norms
SELECT vector_dims('[1,2,3]'::vector);
SELECT vector_dims(array_fill(0, ARRAY[16000])::vector);
SELECT vector_norm('[3,4]');
SELECT vector_norm('[1,1]');
SELECT vector_norm('[0,0]');
SELECT vector_norm('[2]');
SELECT vector_norm('[-2]');
-- accumulated in double: no overflow for large elements
SELECT vector_norm('[3e37,4e37]')::real;
SELECT vector_norm('[3e38,3e38]');

-- l2_normalize; a zero vector stays zero
SELECT l2_normalize('[3,4]'::vector);
SELECT l2_normalize('[3,0]'::vector);
SELECT l2_normalize('[0,0.1]'::vector);
SELECT l2_normalize('[0,0]'::vector);
SELECT l2_normalize('[3e38]'::vector);
SELECT l2_normalize('[1e-45,0]'::vector);
SELECT vector_norm(l2_normalize('[1,2,3,4,5,6,7]'::vector)) BETWEEN 0.9999999 AND 1.0000001 AS unit;

-- element-wise arithmetic and concatenation
SELECT '[1,2,3]'::vector + '[4,5,6]';
SELECT '[1,2,3]'::vector - '[4,5,6]';
SELECT '[1,2,3]'::vector * '[4,5,6]';
SELECT '[0.1]'::vector + '[0.2]';
SELECT '[1e-37]'::vector * '[0]';
SELECT '[1,2,3]'::vector || '[4,5]';
SELECT '[1]'::vector || '[2]' || '[3]';
SELECT vector_dims(array_fill(0, ARRAY[15999])::vector || '[1]');

-- subvector(v, start, count), clipped like substring()
SELECT subvector('[1,2,3,4,5]'::vector, 1, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 3, 2);
SELECT subvector('[1,2,3,4,5]'::vector, -1, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 0, 2);
SELECT subvector('[1,2,3,4,5]'::vector, 3, 9);
SELECT subvector('[1,2,3,4,5]'::vector, 5, 1);
SELECT subvector('[1,2,3,4,5]'::vector, 3, 2147483647);
SELECT subvector('[1,2,3,4,5]'::vector, -2147483644, 2147483647);

-- NULL in, NULL out
SELECT l2_distance(NULL, '[1]'), '[1]'::vector + NULL, vector_norm(NULL) IS NULL AS norm_null;

-- volatility and parallel safety of the functions
SELECT proname, provolatile, proparallel, proisstrict
FROM pg_proc
WHERE proname IN ('l2_distance', 'inner_product', 'cosine_distance', 'l1_distance',
                  'vector_l2_squared_distance', 'vector_negative_inner_product',
                  'vector_dims', 'vector_norm', 'l2_normalize', 'subvector',
                  'zvec_distance_kernel')
ORDER BY proname;
