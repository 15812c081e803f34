#!/usr/bin/env bash
# scripts/lib.sh
#	Shared steps for scripts/demo.sh and scripts/test.sh: install what is
#	missing, build and install zvec, and run throwaway PostgreSQL clusters
#	as an unprivileged OS user on a free local port.
#
# Copyright (c) 2026, the zvec developers

set -euo pipefail

ZVEC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/$PG_MAJOR/bin}
PG_CONFIG=$PG_BIN/pg_config
ZVEC_PG_USER=${ZVEC_PG_USER:-postgres}
ZVEC_CLANG_MAJOR=${ZVEC_CLANG_MAJOR:-14}
ZVEC_DATA_DIR=${ZVEC_DATA_DIR:-$(cd "$ZVEC_ROOT/.." && pwd)/shared/data}
export ZVEC_DATA_DIR

# Debian packages the build and the tests need.
ZVEC_PACKAGES=(
	make gcc perl
	"postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR"
	"postgresql-$PG_MAJOR-pgtap" libtap-parser-sourcehandler-pgtap-perl
	libipc-run-perl
)

# What the fuzz harnesses (make fuzz) need besides: clang, and its libFuzzer
# and sanitizer runtimes, which Debian 12 ships in libclang-rt-N-dev (they
# also link libpgcommon.a and libpgport.a from postgresql-server-dev).
# scripts/test.sh installs these; the demo does not need them.
ZVEC_FUZZ_PACKAGES=(
	"clang-$ZVEC_CLANG_MAJOR" "libclang-rt-$ZVEC_CLANG_MAJOR-dev"
)

zvec_log() { printf '\n==> %s\n' "$*" >&2; }

# Re-run the calling script as root (via sudo) when it is not root already.
zvec_become_root() {
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			exec sudo -E bash "$0" "$@"
		fi
		echo "run this as root or install sudo" >&2
		exit 1
	fi
}

# Install the Debian packages that are missing; do nothing when all are there.
zvec_install_packages() {
	local missing=() p
	for p in "${ZVEC_PACKAGES[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		zvec_log "installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	# The Debian package may create and start a default cluster; zvec never
	# uses it, and the scripts do not depend on it either way.
	id "$ZVEC_PG_USER" >/dev/null 2>&1 || useradd --system --create-home "$ZVEC_PG_USER"
}

# Build and install zvec with extra compiler options ($1, may be empty).
zvec_build_install() {
	zvec_log "building zvec (COPT='$1')"
	make -C "$ZVEC_ROOT" -s clean PG_CONFIG="$PG_CONFIG" >/dev/null
	make -C "$ZVEC_ROOT" -s PG_CONFIG="$PG_CONFIG" COPT="$1"
	make -C "$ZVEC_ROOT" -s install PG_CONFIG="$PG_CONFIG" COPT="$1" >/dev/null
}

# Print a TCP port on 127.0.0.1 that nothing listens on right now.
zvec_free_port() {
	perl -MIO::Socket::INET -e \
		'my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0) or die; print $s->sockport, "\n";'
}

# Run a command as the unprivileged cluster owner.
zvec_as_user() {
	runuser -u "$ZVEC_PG_USER" -- env PATH="$PG_BIN:$PATH" ZVEC_DATA_DIR="$ZVEC_DATA_DIR" "$@"
}

# Make a work directory owned by the cluster owner; sets ZVEC_WORK.
zvec_make_workdir() {
	ZVEC_WORK=$(mktemp -d "${TMPDIR:-/tmp}/zvec-$1.XXXXXX")
	chmod 755 "$ZVEC_WORK"
	chown "$ZVEC_PG_USER" "$ZVEC_WORK"
}

# Create and start a cluster in $ZVEC_WORK/data; sets ZVEC_PORT and PGHOST.
# Extra "-c name=value" server settings may follow.
zvec_cluster_start() {
	ZVEC_PORT=$(zvec_free_port)
	zvec_as_user initdb -D "$ZVEC_WORK/data" -A trust -U "$ZVEC_PG_USER" --no-sync >"$ZVEC_WORK/initdb.log"
	zvec_as_user pg_ctl -D "$ZVEC_WORK/data" -l "$ZVEC_WORK/server.log" -w -s \
		-o "-p $ZVEC_PORT -k $ZVEC_WORK -c listen_addresses=127.0.0.1 $*" start
	export PGHOST=$ZVEC_WORK PGPORT=$ZVEC_PORT PGUSER=$ZVEC_PG_USER
}

# Stop the cluster in $ZVEC_WORK, if one runs there.
zvec_cluster_stop() {
	if [ -n "${ZVEC_WORK:-}" ] && [ -f "$ZVEC_WORK/data/postmaster.pid" ]; then
		zvec_as_user pg_ctl -D "$ZVEC_WORK/data" -m fast -w -s stop || true
	fi
}
