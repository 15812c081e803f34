#!/usr/bin/env bash
# scripts/demo.sh
#	zvec's main job, end to end: install what is missing, build and install
#	zvec, start a throwaway PostgreSQL cluster as an unprivileged user on a
#	free local port, load siftsmall (10,000 SIFT vectors, 128 dimensions)
#	from ../shared/data -- or, without it, 10,000 generated vectors (seed
#	42) -- build a zvec HNSW index, and run a k-nearest-neighbour query
#	through it, printing the rows, the plan and the time taken.
#
#	Usage: scripts/demo.sh [--keep]
#	  --keep   leave the cluster running and print how to connect and stop it
#
# Copyright (c) 2026, the zvec developers

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zvec_become_root "$@"
keep=0
[ "${1:-}" = "--keep" ] && keep=1

zvec_install_packages
zvec_build_install ""
zvec_make_workdir demo
# Unless --keep: stop the cluster and remove its directory on exit.
zvec_demo_cleanup() {
	if [ $keep -eq 0 ]; then
		zvec_cluster_stop
		rm -rf "$ZVEC_WORK"
	fi
}
trap zvec_demo_cleanup EXIT
zvec_cluster_start

psql_demo() { zvec_as_user psql -h "$PGHOST" -p "$PGPORT" -d postgres -X -v ON_ERROR_STOP=1 "$@"; }

psql_demo -q -c 'CREATE EXTENSION zvec' \
	-c 'CREATE TABLE items (id bigint PRIMARY KEY, embedding vector(128))' \
	-c 'CREATE TABLE queries (id bigint PRIMARY KEY, embedding vector(128))'

if [ -r "$ZVEC_DATA_DIR/siftsmall/base.fvecs" ]; then
	zvec_log "loading siftsmall from $ZVEC_DATA_DIR/siftsmall"
	perl "$ZVEC_ROOT/scripts/fvecs2text.pl" "$ZVEC_DATA_DIR/siftsmall/base.fvecs" |
		psql_demo -q -c '\copy items FROM STDIN'
	perl "$ZVEC_ROOT/scripts/fvecs2text.pl" "$ZVEC_DATA_DIR/siftsmall/query.fvecs" 1 |
		psql_demo -q -c '\copy queries FROM STDIN'
else
	zvec_log "no siftsmall at $ZVEC_DATA_DIR; generating 10,000 vectors (seed 42)"
	psql_demo -q -c "SELECT setseed(0.42);
		INSERT INTO items SELECT i, (SELECT array_agg(round(random() * 100)) FROM generate_series(1, 128) WHERE i >= 0)::real[]::vector
		FROM generate_series(0, 9999) i;
		INSERT INTO queries SELECT 0, embedding FROM items WHERE id = 4242"
fi
psql_demo -q -c 'ANALYZE items'

zvec_log "building the index: CREATE INDEX ON items USING zvec (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)"
psql_demo -c '\timing on' -c 'CREATE INDEX items_embedding_idx ON items USING zvec (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)'

zvec_log "the 10 nearest neighbours of query 0 by L2 distance (<->), through the index"
query=$(psql_demo -Atc 'SELECT embedding FROM queries WHERE id = 0')
psql_demo -c 'SET zvec.ef_search = 40' -c '\timing on' \
	-c "SELECT id, round((embedding <-> '$query')::numeric, 3) AS distance
		FROM items ORDER BY embedding <-> '$query' LIMIT 10"
psql_demo -c "EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY embedding <-> '$query' LIMIT 10"
zvec_log "how many of those 10 an exact sequential scan also finds (recall@10)"
psql_demo -q -c "CREATE TEMP TABLE approx AS SELECT id FROM items ORDER BY embedding <-> '$query' LIMIT 10" \
	-c 'SET enable_indexscan = off' \
	-c "SELECT count(*) AS found_by_both FROM approx JOIN
		(SELECT id FROM items ORDER BY embedding <-> '$query' LIMIT 10) exact USING (id)"

if [ $keep -eq 1 ]; then
	cat <<EOT

The cluster is running.
  connect:  sudo -u $ZVEC_PG_USER $PG_BIN/psql -h $PGHOST -p $PGPORT -d postgres
  stop:     sudo -u $ZVEC_PG_USER $PG_BIN/pg_ctl -D $ZVEC_WORK/data stop
EOT
else
	cat <<EOT

Done; the throwaway cluster has been stopped and removed.
To keep one running, use: scripts/demo.sh --keep
It then prints how to connect (psql -h <socket dir> -p <port>) and how to
stop it (pg_ctl -D <data dir> stop), with the exact directories and port.
EOT
fi
