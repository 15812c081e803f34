-- vector_typmod: the vector(n) type modifier and its checks.
-- pg_regress test; zvec is already created in this database.

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

-- valid modifiers, at both ends of the range
SELECT '[1,2,3]'::vector(3);
SELECT '[1]'::vector(1);
SELECT format_type('vector'::regtype, 16000);
SELECT vector_dims(array_fill(1, ARRAY[16000])::vector(16000));

-- invalid modifiers: 22023 (or core's errors for non-integers)
SELECT q AS query, pg_temp.err(q) AS error
FROM (VALUES
	('SELECT ''[1,2,3]''::vector(0)'),
	('SELECT ''[1,2,3]''::vector(-1)'),
	('SELECT ''[1,2,3]''::vector(16001)'),
	('SELECT ''[1,2,3]''::vector(3, 2)'),
	('SELECT ''[1,2,3]''::vector(''a'')'),
	('CREATE TEMP TABLE typmod_bad (v vector(0))'),
	('CREATE TEMP TABLE typmod_bad (v vector(16001))')
) t(q);

-- values that do not match the modifier: 22000
SELECT q AS query, pg_temp.err(q) AS error
FROM (VALUES
	('SELECT ''[1,2,3]''::vector(2)'),
	('SELECT ''[1,2,3]''::vector::vector(4)'),
	('SELECT ''{"[1,2,3]"}''::vector(2)[]'),
	('SELECT ARRAY[1,2,3]::vector(2)'),
	('SELECT ''{1,2}''::real[]::vector(3)')
) t(q);

-- the length coercion function, called directly
SELECT vector('[1,2,3]'::vector, 3, false);
SELECT vector('[1,2,3]'::vector, -1, false);
SELECT pg_temp.err('SELECT vector(''[1,2,3]''::vector, 2, true)') AS error;

-- columns with a modifier
CREATE TABLE vector_typmod_t (id int, v vector(3));
INSERT INTO vector_typmod_t VALUES (1, '[1,2,3]');
INSERT INTO vector_typmod_t VALUES (2, ARRAY[4,5,6]);
INSERT INTO vector_typmod_t VALUES (3, '{7,8,9}'::real[]);
INSERT INTO vector_typmod_t SELECT 4, '[1,1,1]'::vector;
SELECT pg_temp.err('INSERT INTO vector_typmod_t VALUES (5, ''[1,2]'')') AS error;
SELECT pg_temp.err('INSERT INTO vector_typmod_t SELECT 5, ''[1,2,3,4]''::vector') AS error;
SELECT pg_temp.err('UPDATE vector_typmod_t SET v = v || ''[1]''') AS error;
SELECT id, v FROM vector_typmod_t ORDER BY id;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'vector_typmod_t'::regclass AND attname = 'v';

-- changing the modifier checks every stored value
SELECT pg_temp.err('ALTER TABLE vector_typmod_t ALTER COLUMN v TYPE vector(2)') AS error;
ALTER TABLE vector_typmod_t ALTER COLUMN v TYPE vector;
INSERT INTO vector_typmod_t VALUES (5, '[1,2]');
SELECT pg_temp.err('ALTER TABLE vector_typmod_t ALTER COLUMN v TYPE vector(3)') AS error;
DELETE FROM vector_typmod_t WHERE id = 5;
ALTER TABLE vector_typmod_t ALTER COLUMN v TYPE vector(3);
SELECT id, v FROM vector_typmod_t ORDER BY id;
DROP TABLE vector_typmod_t;
