#!/usr/bin/env bash
# bench/compat/compare.sh
#	Run compat.sql against zvec and against pgvector on one server and
#	diff the outputs.  Needs a running server with both extensions
#	installed (pgvector is never built or shipped by this project):
#	  bench/compat/compare.sh [psql connection options]
#	Creates the databases zvec_compat and pgvector_compat.
#
# Copyright (c) 2026, the zvec developers
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
for ext in zvec vector; do
	db=${ext/vector/pgvector}_compat
	dropdb --if-exists "$@" "$db"
	createdb "$@" "$db"
	psql "$@" -d "$db" -qX -c "CREATE EXTENSION $ext"
	psql "$@" -d "$db" -X -f "$here/compat.sql" >"$out/$ext.out" 2>&1
done
if diff -u "$out/vector.out" "$out/zvec.out"; then
	echo "identical: $(grep -c . "$out/zvec.out") output lines of $(cat "$here"/compat*.sql | grep -c "^SELECT") queries"
else
	echo "zvec and pgvector differ (above: - pgvector, + zvec)"
	exit 1
fi
