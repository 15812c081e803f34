-- vector_btree: comparison operators and the default btree opclass.
-- Vectors order element by element, then by dimension count.
-- pg_regress test; zvec is already created in this database.

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

-- comparison operators, including different dimension counts
SELECT a, b, a < b AS lt, a <= b AS le, a = b AS eq, a <> b AS ne,
       a >= b AS ge, a > b AS gt, vector_cmp(a, b) AS cmp
FROM (VALUES
	('[1,2,3]'::vector, '[1,2,3]'::vector),
	('[1,2,3]', '[0,0,0]'),
	('[0,0,0]', '[1,2,3]'),
	('[1,2]', '[1,2,3]'),
	('[1,2,3]', '[1,2]'),
	('[1,2]', '[2,3,4]'),
	('[2,3]', '[1,2,3]'),
	('[0]', '[-0]'),
	('[-1]', '[1e-45]')
) t(a, b);

-- the default opclass for btree
SELECT opc.opcname, opc.opcdefault, am.amname
FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
WHERE opc.opcintype = 'vector'::regtype AND am.amname = 'btree';
SELECT amopstrategy, amopopr::regoperator
FROM pg_amop
WHERE amopfamily = (SELECT opcfamily FROM pg_opclass
                    WHERE opcname = 'vector_ops' AND opcintype = 'vector'::regtype)
ORDER BY amopstrategy;

CREATE TABLE vector_btree_t (id int, v vector);
INSERT INTO vector_btree_t VALUES
	(1, '[0,0,0]'), (2, '[1,2,3]'), (3, '[1,1,1]'), (4, NULL),
	(5, '[1,2]'), (6, '[1,2,3]'), (7, '[-1,5,5]'), (8, '[1,2,3,0]');

-- ORDER BY, DISTINCT and GROUP BY sort with the opclass
SELECT id, v FROM vector_btree_t ORDER BY v, id;
SELECT id, v FROM vector_btree_t ORDER BY v DESC NULLS LAST, id;
SELECT DISTINCT v FROM vector_btree_t ORDER BY v;
SELECT v, count(*) FROM vector_btree_t GROUP BY v ORDER BY v;
SELECT min(id), max(id) FROM vector_btree_t WHERE v = '[1,2,3]';

-- a btree index answers equality and range scans
CREATE INDEX vector_btree_idx ON vector_btree_t (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM vector_btree_t WHERE v = '[1,2,3]';
SELECT id FROM vector_btree_t WHERE v = '[1,2,3]' ORDER BY id;
SELECT id, v FROM vector_btree_t WHERE v > '[1,1,1]' ORDER BY v, id;
SELECT id, v FROM vector_btree_t WHERE v <= '[1,1,1]' ORDER BY v, id;
EXPLAIN (COSTS OFF) SELECT v FROM vector_btree_t ORDER BY v;
SELECT v FROM vector_btree_t ORDER BY v;
RESET enable_seqscan;

-- a unique index rejects duplicates (23505)
CREATE TABLE vector_unique_t (v vector(2) UNIQUE);
INSERT INTO vector_unique_t VALUES ('[1,2]'), ('[2,1]');
SELECT pg_temp.err('INSERT INTO vector_unique_t VALUES (''[1,2]'')') AS error;
SELECT pg_temp.err('INSERT INTO vector_unique_t VALUES (''[1.0, 2.0]'')') AS error;
INSERT INTO vector_unique_t VALUES ('[1,2.0000002]');
SELECT v FROM vector_unique_t ORDER BY v;

DROP TABLE vector_unique_t;
DROP TABLE vector_btree_t;
