-- test/pgtap/001_vector_catalog.sql
--	The catalog contract of zvec's vector type, checked with pgTAP: the
--	type and its I/O, every function's signature, result type, volatility,
--	strictness and parallel safety, the operators, casts, the btree
--	operator class and the parallel aggregates.  These are the names and
--	signatures pgvector users' SQL relies on.
--
-- Copyright (c) 2026, the zvec developers

BEGIN;

CREATE TEMP TABLE expected_functions (fname name, args text[], rettype text, strict bool) ON COMMIT DROP;
INSERT INTO expected_functions VALUES
	('vector_in', '{cstring,oid,integer}', 'vector', true),
	('vector_out', '{vector}', 'cstring', true),
	('vector_typmod_in', '{cstring[]}', 'integer', true),
	('vector_recv', '{internal,oid,integer}', 'vector', true),
	('vector_send', '{vector}', 'bytea', true),
	('l2_distance', '{vector,vector}', 'double precision', true),
	('inner_product', '{vector,vector}', 'double precision', true),
	('cosine_distance', '{vector,vector}', 'double precision', true),
	('l1_distance', '{vector,vector}', 'double precision', true),
	('vector_dims', '{vector}', 'integer', true),
	('vector_norm', '{vector}', 'double precision', true),
	('l2_normalize', '{vector}', 'vector', true),
	('subvector', '{vector,integer,integer}', 'vector', true),
	('vector_add', '{vector,vector}', 'vector', true),
	('vector_sub', '{vector,vector}', 'vector', true),
	('vector_mul', '{vector,vector}', 'vector', true),
	('vector_concat', '{vector,vector}', 'vector', true),
	('vector_lt', '{vector,vector}', 'boolean', true),
	('vector_le', '{vector,vector}', 'boolean', true),
	('vector_eq', '{vector,vector}', 'boolean', true),
	('vector_ne', '{vector,vector}', 'boolean', true),
	('vector_ge', '{vector,vector}', 'boolean', true),
	('vector_gt', '{vector,vector}', 'boolean', true),
	('vector_cmp', '{vector,vector}', 'integer', true),
	('vector_l2_squared_distance', '{vector,vector}', 'double precision', true),
	('vector_negative_inner_product', '{vector,vector}', 'double precision', true),
	('vector_accum', '{double precision[],vector}', 'double precision[]', true),
	('vector_avg', '{double precision[]}', 'vector', true),
	('vector_combine', '{double precision[],double precision[]}', 'double precision[]', true),
	('vector', '{vector,integer,boolean}', 'vector', true),
	('array_to_vector', '{integer[],integer,boolean}', 'vector', true),
	('array_to_vector', '{real[],integer,boolean}', 'vector', true),
	('array_to_vector', '{double precision[],integer,boolean}', 'vector', true),
	('array_to_vector', '{numeric[],integer,boolean}', 'vector', true),
	('vector_to_float4', '{vector,integer,boolean}', 'real[]', true);

CREATE TEMP TABLE expected_operators (oname name, lefttype text, righttype text, rettype text) ON COMMIT DROP;
-- every operator takes two vectors; grouped by result type
INSERT INTO expected_operators
SELECT unnest(onames), 'vector', 'vector', rettype
FROM (VALUES
	('{<->,<#>,<=>,<+>}'::name[], 'double precision'),
	('{+,-,*,||}', 'vector'),
	('{<,<=,=,<>,>=,>}', 'boolean')) g(onames, rettype);

CREATE TEMP TABLE expected_casts (source text, target text, context text) ON COMMIT DROP;
INSERT INTO expected_casts VALUES
	('vector', 'vector', 'implicit'),
	('vector', 'real[]', 'implicit'),
	('integer[]', 'vector', 'assignment'),
	('real[]', 'vector', 'assignment'),
	('double precision[]', 'vector', 'assignment'),
	('numeric[]', 'vector', 'assignment');

SELECT plan(
	4
	+ 5 * (SELECT count(*)::int FROM expected_functions)
	+ (SELECT count(*)::int FROM expected_operators)
	+ 2 * (SELECT count(*)::int FROM expected_casts)
	+ 9);

-- The type: a varlena with typmod, binary I/O and external storage.
SELECT has_extension('zvec');
SELECT has_type('vector');
SELECT is(
	(SELECT (typlen, typstorage, typinput::text, typoutput::text,
			 typreceive::text, typsend::text, typmodin::text)
	 FROM pg_type WHERE typname = 'vector'),
	(-1::int2, 'e'::"char", 'vector_in'::text, 'vector_out'::text,
	 'vector_recv'::text, 'vector_send'::text, 'vector_typmod_in'::text),
	'vector is a varlena with external (uncompressed) storage, as pgvector, '
	'and its own text, binary and typmod input and output functions');
SELECT is(format_type('vector'::regtype, 768), 'vector(768)', 'typmod prints as vector(n)');

-- Functions: existence, result type, volatility, strictness, parallel safety.
SELECT has_function(fname, args, format('function %s(%s) exists', fname, array_to_string(args, ', ')))
	FROM expected_functions;
SELECT function_returns(fname, args, rettype, format('%s(%s) returns %s', fname, array_to_string(args, ', '), rettype))
	FROM expected_functions;
SELECT volatility_is(fname, args, 'immutable', format('%s(%s) is IMMUTABLE', fname, array_to_string(args, ', ')))
	FROM expected_functions;
SELECT CASE WHEN strict THEN is_strict(fname, args, format('%s(%s) is STRICT', fname, array_to_string(args, ', ')))
	ELSE isnt_strict(fname, args, format('%s(%s) is not STRICT', fname, array_to_string(args, ', '))) END
	FROM expected_functions;
SELECT is(p.proparallel, 's'::"char", format('%s(%s) is PARALLEL SAFE', fname, array_to_string(args, ', ')))
	FROM expected_functions e
	LEFT JOIN pg_proc p
		ON p.oid = to_regprocedure(format('%s(%s)', e.fname, array_to_string(e.args, ',')));

-- Operators with the types pgvector's users write.
SELECT has_operator(lefttype, oname, righttype, rettype,
		format('operator %s %s %s returns %s', lefttype, oname, righttype, rettype))
	FROM expected_operators;

-- Casts and their contexts.
SELECT has_cast(source, target, format('cast %s -> %s', source, target)) FROM expected_casts;
SELECT cast_context_is(source, target, context, format('cast %s -> %s is %s', source, target, context))
	FROM expected_casts;

-- A default btree operator class, so ORDER BY, DISTINCT, GROUP BY and
-- unique indexes work on vectors.
SELECT has_opclass('vector_ops', 'btree opclass vector_ops exists');
SELECT is((SELECT opcdefault FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
		WHERE c.opcname = 'vector_ops' AND a.amname = 'btree'), true, 'vector_ops is the default btree opclass');
SELECT is((SELECT count(*)::int FROM pg_amop o JOIN pg_opfamily f ON f.oid = o.amopfamily
		JOIN pg_am a ON a.oid = f.opfmethod
		WHERE a.amname = 'btree' AND o.amoplefttype = 'vector'::regtype), 5, 'btree family has the five comparison strategies');

-- Parallel aggregates with combine functions.
SELECT is_aggregate('avg', ARRAY['vector'], 'avg(vector) is an aggregate');
SELECT is_aggregate('sum', ARRAY['vector'], 'sum(vector) is an aggregate');
SELECT isnt((SELECT aggcombinefn::oid FROM pg_aggregate WHERE aggfnoid = 'avg(vector)'::regprocedure), 0::oid,
	'avg(vector) has a combine function');
SELECT isnt((SELECT aggcombinefn::oid FROM pg_aggregate WHERE aggfnoid = 'sum(vector)'::regprocedure), 0::oid,
	'sum(vector) has a combine function');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'avg(vector)'::regprocedure), 's'::"char", 'avg(vector) is PARALLEL SAFE');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'sum(vector)'::regprocedure), 's'::"char", 'sum(vector) is PARALLEL SAFE');

SELECT * FROM finish();
ROLLBACK;
