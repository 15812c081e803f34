\set zvec_err_echo :ECHO \set zvec_err_quiet :QUIET \set ECHO none \set QUIET on
--
-- err.sql
--	  The err() helper shared by the pg_regress tests in sql/.
--
-- A test loads this file first, with
--	  \getenv abs_srcdir PG_ABS_SRCDIR
--	  \i :abs_srcdir/sql/include/err.sql
-- It is not a test itself: the Makefile runs only sql/*.sql.  The first line
-- turns echo and command tags off so that expected output does not repeat
-- this file; the last line turns them back to what they were.
--
-- Copyright (c) 2026, the zvec developers
--
-- sql/include/err.sql
--

-- err(query) runs query and shows the error it raises as
-- "SQLSTATE: message | DETAIL: ... | HINT: ...", or "no error".
CREATE FUNCTION pg_temp.err(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	msg text;
	det text;
	hnt text;
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
		hnt = PG_EXCEPTION_HINT;
	RETURN SQLSTATE || ': ' || msg ||
		CASE WHEN det <> '' THEN ' | DETAIL: ' || det ELSE '' END ||
		CASE WHEN hnt <> '' THEN ' | HINT: ' || hnt ELSE '' END;
END
$$;

\set QUIET :zvec_err_quiet \set ECHO :zvec_err_echo \unset zvec_err_quiet \unset zvec_err_echo
