-- hostile_wide: a 16,000-dimension vector (the most a vector may have)
-- through every function and operator of the extension, both index
-- storages, and one more dimension everywhere one could sneak in.
-- Results are checked against the same computation on real[] in SQL.
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

CREATE TABLE hw (id int, a real[], v vector(16000));
INSERT INTO hw
SELECT k, a, a::vector FROM (
	SELECT k, array_agg(((i * k) % 97 - 48) / 16.0::real ORDER BY i) AS a
	FROM generate_series(1, 3) k, generate_series(1, 16000) i GROUP BY k) s;
SELECT id, vector_dims(v), cardinality(a) FROM hw ORDER BY id;

-- I/O: text and binary forms, and casts both ways.
SELECT id, v::text::vector = v AS text_round_trip, length(v::text) > 32000 AS long_text,
	   length(vector_send(v)) AS send_bytes,
	   v::real[] = a AS to_real, a::vector = v AS from_real,
	   a::float8[]::vector = v AS from_float8, a::numeric[]::vector = v AS from_numeric
FROM hw ORDER BY id;
SELECT vector_dims(array_fill(7, ARRAY[16000])::vector) AS from_int;
SELECT vector_dims(v::vector(16000)) FROM hw WHERE id = 1;
SELECT vector_dims(vector(v, 16000, true)) FROM hw WHERE id = 1;

-- Distances, against double-precision sums over the arrays.
CREATE FUNCTION hw_ref(x real[], y real[], OUT l2 float8, OUT ip float8,
					   OUT cos float8, OUT l1 float8)
LANGUAGE sql IMMUTABLE AS $$
	SELECT sqrt(sum((p - q) ^ 2)), sum(p * q),
		   1 - sum(p * q) / sqrt(sum(p * p) * sum(q * q)), sum(abs(p - q))
	FROM unnest(x::float8[], y::float8[]) AS u(p, q)
$$;
SELECT x.id, y.id,
	   abs(l2_distance(x.v, y.v) - r.l2) < 1e-3 * (1 + r.l2) AS l2,
	   abs((x.v <-> y.v) - r.l2) < 1e-3 * (1 + r.l2) AS l2_op,
	   abs(vector_l2_squared_distance(x.v, y.v) - r.l2 ^ 2) < 1e-3 * (1 + r.l2 ^ 2) AS l2sq,
	   abs(inner_product(x.v, y.v) - r.ip) < 1e-3 * (1 + abs(r.ip)) AS ip,
	   abs((x.v <#> y.v) + r.ip) < 1e-3 * (1 + abs(r.ip)) AS ip_op,
	   abs(vector_negative_inner_product(x.v, y.v) + r.ip) < 1e-3 * (1 + abs(r.ip)) AS nip,
	   abs(cosine_distance(x.v, y.v) - r.cos) < 1e-4 AS cos,
	   abs((x.v <=> y.v) - r.cos) < 1e-4 AS cos_op,
	   abs(l1_distance(x.v, y.v) - r.l1) < 1e-3 * (1 + r.l1) AS l1,
	   abs((x.v <+> y.v) - r.l1) < 1e-3 * (1 + r.l1) AS l1_op
FROM hw x, hw y, LATERAL hw_ref(x.a, y.a) r
WHERE x.id <= y.id ORDER BY 1, 2;

-- Norms and element-wise arithmetic.
SELECT id, abs(vector_norm(v) - (SELECT sqrt(sum(p::float8 * p)) FROM unnest(a) p)) < 1e-3 AS norm,
	   abs(vector_norm(l2_normalize(v)) - 1) < 1e-5 AS normalized,
	   (v + v)::real[] = (SELECT array_agg(p + p) FROM unnest(a) p) AS add,
	   (v - v) = array_fill(0, ARRAY[16000])::vector AS sub,
	   (v * v)::real[] = (SELECT array_agg(p * p) FROM unnest(a) p) AS mul
FROM hw ORDER BY id;

-- subvector at both ends and across the whole vector.
SELECT id, subvector(v, 1, 16000) = v AS whole,
	   subvector(v, 15999, 2)::real[] = a[15999:16000] AS tail,
	   vector_dims(subvector(v, 1, 1)) AS first,
	   subvector(subvector(v, 1, 8000) || subvector(v, 8001, 8000), 1, 16000) = v AS split_join
FROM hw ORDER BY id;

-- Comparisons, btree support, aggregates.
SELECT x.id, y.id, x.v < y.v AS lt, x.v <= y.v AS le, x.v = y.v AS eq, x.v <> y.v AS ne,
	   x.v >= y.v AS ge, x.v > y.v AS gt, vector_cmp(x.v, y.v) AS cmp,
	   vector_cmp(x.v, y.v) = btarraycmp(x.a, y.a) AS same_as_arrays
FROM hw x, hw y ORDER BY 1, 2;
SELECT (SELECT sum(v) FROM hw)::real[] = (
	SELECT array_agg(s ORDER BY i) FROM (
		SELECT i, sum(a[i]) AS s FROM hw, generate_series(1, 16000) i GROUP BY i) t) AS sum_ok;
SELECT vector_dims(avg(v)) AS avg_dims,
	   abs(vector_norm(avg(v)) - vector_norm(sum(v)) / 3) < 1e-2 AS avg_is_sum_over_3
FROM hw;
SELECT count(DISTINCT v) AS distinct_vectors,
	   array_agg(id ORDER BY v) = array_agg(id ORDER BY a) AS sorts_as_arrays
FROM hw;

-- zvec indexes of 16,000 dimensions on both storages: exact answers
-- (three rows; every one is within ef_search).
CREATE INDEX hw_buf ON hw USING zvec (v) WITH (storage = bufferpool);
SET enable_seqscan = off;
SELECT array_agg(id) AS by_buf FROM (SELECT id FROM hw ORDER BY v <-> (SELECT v FROM hw WHERE id = 2) LIMIT 3) s;
DROP INDEX hw_buf;
CREATE INDEX hw_mmap ON hw USING zvec (v vector_cosine_ops) WITH (storage = mmap);
SELECT array_agg(id) AS by_mmap FROM (SELECT id FROM hw ORDER BY v <=> (SELECT v FROM hw WHERE id = 3) LIMIT 3) s;
RESET enable_seqscan;
SELECT array_agg(id) AS by_seq FROM (SELECT id FROM hw ORDER BY v <=> (SELECT v FROM hw WHERE id = 3) LIMIT 3) s;
DROP INDEX hw_mmap;

-- One dimension more is a clear error wherever it could appear.
SELECT pg_temp.err($$SELECT v || '[1]' FROM hw WHERE id = 1$$);
SELECT pg_temp.err($$SELECT (a || 1::real)::vector FROM hw WHERE id = 1$$);
SELECT pg_temp.err($$SELECT array_fill(1, ARRAY[16001])::vector$$);
SELECT pg_temp.err($$SELECT ('[' || repeat('1,', 16000) || '1]')::vector$$);
SELECT pg_temp.err($$CREATE TABLE hw_bad (v vector(16001))$$);
-- (subvector clamps a count past the end, as pgvector's does)
SELECT vector_dims(subvector(v, 1, 16001)) AS clamped FROM hw WHERE id = 1;
SELECT pg_temp.err($$SELECT v::vector(15999) FROM hw WHERE id = 1$$);
SELECT pg_temp.err($$SELECT v <-> subvector(v, 1, 15999) FROM hw WHERE id = 1$$);
-- A btree index cannot hold a 64 kB key: PostgreSQL's own clear error.
SELECT pg_temp.err($$CREATE INDEX ON hw USING btree (v)$$) ~ '^54000: index row' AS btree_too_big;

DROP TABLE hw;
DROP FUNCTION hw_ref(real[], real[]);
