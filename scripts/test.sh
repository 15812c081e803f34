#!/usr/bin/env bash
# scripts/test.sh
#	Run every zvec test on this machine: install what is missing, build
#	with -Werror (and once more with assertions, which is the build that is
#	tested), then run the kernel test, the libFuzzer harnesses, pg_regress,
#	pgTAP and the Perl TAP tests against throwaway clusters.  Exits non-zero
#	on any failure and leaves no server running.
#
#	Usage: scripts/test.sh          (as root, or a user with sudo)
#	       FUZZ_SECONDS=600 scripts/test.sh   (fuzz each parser longer;
#	                                           default 60 s each)
#
# Copyright (c) 2026, the zvec developers

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
zvec_become_root "$@"
zvec_install_packages "${ZVEC_FUZZ_PACKAGES[@]}"

passed=0
failed=0
failures=()

# Run one suite: name, then the command; count and remember the outcome.
suite() {
	local name=$1
	shift
	zvec_log "suite: $name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$name")
	fi
}

# Print what a failed pg_regress or TAP run left behind.
show_failure_logs() {
	local f
	for f in "$ZVEC_WORK"/tree/regression.diffs "$ZVEC_WORK"/tree/tmp_check/log/regress_log_*; do
		[ -f "$f" ] || continue
		if [ "${f##*/}" = regression.diffs ] || grep -q 'not ok\|died\|Dubious\|BAIL' "$f"; then
			echo "---- $f (last 80 lines)"
			tail -n 80 "$f"
		fi
	done
}

cleanup() {
	zvec_cluster_stop
}
trap cleanup EXIT

# 1. The plain build must be warning-free; the tested build adds assertions.
suite "build -Werror" zvec_build_install "-Werror"
zvec_build_install "-Werror -DUSE_ASSERT_CHECKING"

# 2. Distance kernels against a double-precision reference (no server).
suite "distance kernels" make -C "$ZVEC_ROOT" -s kernelcheck PG_CONFIG="$PG_CONFIG" COPT="-Werror"

# 3. The parsers of untrusted bytes under libFuzzer, ASan and UBSan (no
# server): FUZZ_SECONDS each, executions reported per harness.
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
suite "fuzz (${FUZZ_SECONDS} s per harness)" make -C "$ZVEC_ROOT" -s fuzz PG_CONFIG="$PG_CONFIG" \
	COPT="-Werror" FUZZ_CC="clang-$ZVEC_CLANG_MAJOR" FUZZ_SECONDS="$FUZZ_SECONDS"

# 4. A copy of the tree the unprivileged cluster owner can write to.
zvec_make_workdir test
cp -a "$ZVEC_ROOT" "$ZVEC_WORK/tree"
chown -R "$ZVEC_PG_USER" "$ZVEC_WORK"
zvec_cluster_start

run_regress() {
	zvec_as_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
		make -C "$ZVEC_WORK/tree" -s installcheck PG_CONFIG="$PG_CONFIG" TAP_TESTS=
}
run_pgtap() {
	zvec_as_user createdb -h "$PGHOST" -p "$PGPORT" zvec_pgtap &&
		zvec_as_user psql -h "$PGHOST" -p "$PGPORT" -d zvec_pgtap -qX -v ON_ERROR_STOP=1 \
			-c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION zvec' &&
		(cd "$ZVEC_WORK/tree" && zvec_as_user pg_prove -h "$PGHOST" -p "$PGPORT" -d zvec_pgtap test/pgtap/*.sql)
}
run_tap() {
	zvec_as_user make -C "$ZVEC_WORK/tree" -s installcheck PG_CONFIG="$PG_CONFIG" REGRESS= \
		PROVE_FLAGS="--timer"
}

suite "pg_regress" run_regress
suite "pgTAP" run_pgtap
zvec_cluster_stop
suite "TAP (PostgreSQL::Test::Cluster)" run_tap

if [ "$failed" -gt 0 ]; then
	show_failure_logs
	printf '\nfailed suites: %s\n' "${failures[*]}"
fi
echo
echo "zvec: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
