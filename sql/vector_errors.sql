-- vector_errors: SQLSTATE, message, detail and hint of each operator error.
-- pg_regress test; zvec is already created in this database.

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

-- operands with different dimension counts: 22000
SELECT q AS query, pg_temp.err(q) AS error
FROM (VALUES
	('SELECT ''[1,2]''::vector <-> ''[3]'''),
	('SELECT ''[1,2]''::vector <#> ''[3]'''),
	('SELECT ''[1,2]''::vector <=> ''[3]'''),
	('SELECT ''[1,2]''::vector <+> ''[3]'''),
	('SELECT l2_distance(''[1,2]'', ''[3]'')'),
	('SELECT inner_product(''[1,2]'', ''[3]'')'),
	('SELECT cosine_distance(''[1,2]'', ''[3]'')'),
	('SELECT l1_distance(''[1,2]'', ''[3]'')'),
	('SELECT vector_l2_squared_distance(''[1,2]'', ''[3]'')'),
	('SELECT vector_negative_inner_product(''[1]'', ''[3,4]'')'),
	('SELECT ''[1,2]''::vector + ''[3]'''),
	('SELECT ''[1,2]''::vector - ''[3]'''),
	('SELECT ''[1,2]''::vector * ''[3]''')
) t(q);

-- results out of the range of real: 22003
SELECT q AS query, pg_temp.err(q) AS error
FROM (VALUES
	('SELECT ''[3e38]''::vector + ''[3e38]'''),
	('SELECT ''[1,-3e38]''::vector + ''[1,-3e38]'''),
	('SELECT ''[-3e38]''::vector - ''[3e38]'''),
	('SELECT ''[1e37]''::vector * ''[1e37]'''),
	('SELECT ''[1e-37]''::vector * ''[1e-37]''')
) t(q);

-- too many dimensions from concatenation: 54000
SELECT pg_temp.err('SELECT array_fill(0, ARRAY[16000])::vector || ''[1]''') AS error;
SELECT pg_temp.err('SELECT array_fill(0, ARRAY[9000])::vector || array_fill(0, ARRAY[9000])::vector') AS error;

-- subvector ranges with no elements: 22000
SELECT q AS query, pg_temp.err(q) AS error
FROM (VALUES
	('SELECT subvector(''[1,2,3,4,5]''::vector, 1, 0)'),
	('SELECT subvector(''[1,2,3,4,5]''::vector, 3, -1)'),
	('SELECT subvector(''[1,2,3,4,5]''::vector, -1, 2)'),
	('SELECT subvector(''[1,2,3,4,5]''::vector, 6, 1)'),
	('SELECT subvector(''[1,2,3,4,5]''::vector, 2147483647, 10)'),
	('SELECT subvector(''[1,2,3,4,5]''::vector, -2147483648, 2147483647)'),
	('SELECT subvector(''[1,2,3,4,5]''::vector, -2147483648, -2147483648)')
) t(q);

-- operators that do not exist for vector
SELECT pg_temp.err('SELECT ''[1,2]''::vector / ''[1,2]''') AS error;
