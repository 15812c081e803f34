-- vector_binary: the binary send/receive form of type vector.
-- Layout: int16 dim, int16 unused (0), then dim big-endian float4s.
-- pg_regress test; zvec is already created in this database.

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/err.sql

-- vector_send produces the pgvector wire format
SELECT vector_send('[1,2,3]');
SELECT vector_send('[-0.5]');
SELECT vector_send('[0,-0,1e-45,3.4028235e38]');
SELECT length(vector_send(array_fill(1, ARRAY[16000])::vector));

-- recv(payload, column type) feeds payload to vector_recv through a binary
-- COPY of one row into a temporary table, and returns the stored value as
-- text, or the error the COPY raised, as err() shows it.
-- The COPY file is written with lo_export (superuser, as pg_regress runs)
-- to a relative path, which lands in the data directory of the test server.
CREATE FUNCTION pg_temp.recv(payload bytea, coltype text DEFAULT 'vector')
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	path text := 'zvec_vector_binary_test.copy';
	copyfile bytea;
	lo oid;
	error text;
	result text;
BEGIN
	copyfile := '\x5047434f50590aff0d0a00'::bytea	-- signature
		|| '\x00000000'::bytea						-- flags
		|| '\x00000000'::bytea						-- header extension length
		|| '\x0001'::bytea							-- one field
		|| int4send(length(payload)) || payload
		|| '\xffff'::bytea;							-- trailer
	lo := lo_from_bytea(0, copyfile);
	PERFORM lo_export(lo, path);
	PERFORM lo_unlink(lo);
	EXECUTE format('CREATE TEMP TABLE recv_target (v %s)', coltype);
	error := pg_temp.err(format('COPY recv_target FROM %L (FORMAT binary)',
								path));
	-- a failed COPY leaves the table empty, and result NULL
	SELECT v::text INTO result FROM recv_target;
	DROP TABLE recv_target;
	RETURN coalesce(result, error);
END
$$;

-- round trip: send, then receive, gives back the same value
SELECT v, pg_temp.recv(vector_send(v)) AS received,
       pg_temp.recv(vector_send(v)) = v::text AS same
FROM (VALUES ('[1,2,3]'::vector), ('[-0.1,1e-45,3.4028235e38]'), ('[0,-0]'),
             ('[0.33333334]')) t(v);
SELECT pg_temp.recv(vector_send(v))::vector = v AS same_16000
FROM (SELECT array_fill(0.25, ARRAY[16000])::vector AS v) s;

-- hand-made payloads
SELECT pg_temp.recv('\x000200003f80000040000000') AS two_dims;
SELECT pg_temp.recv('\x000200003f80000040000000', 'vector(2)') AS typmod_ok;

-- errors: typmod, dimension count, reserved field, non-finite elements
SELECT p AS payload, t AS coltype, pg_temp.recv(p, t) AS error
FROM (VALUES
	('\x000300003f8000004000000040400000'::bytea, 'vector(2)'),
	('\x00000000'::bytea, 'vector'),
	('\x3e810000'::bytea, 'vector'),
	('\xffff0000'::bytea, 'vector'),
	('\x000100013f800000'::bytea, 'vector'),
	('\x00017fff3f800000'::bytea, 'vector'),
	('\x000200003f8000007fc00000'::bytea, 'vector'),
	('\x000200003f8000007f800000'::bytea, 'vector'),
	('\x00020000ff8000003f800000'::bytea, 'vector'),
	('\x000300003f80000040000000'::bytea, 'vector'),
	('\x000100003f80000040000000'::bytea, 'vector')
) v(p, t);
