#!/bin/sh
# docker/entrypoint.sh: the container's entrypoint (run under tini). With no
# arguments it execs the same launcher as `make run`, scripts/sluice-run, so
# the container and a local start behave alike: data in /data, HTTPS on
# 0.0.0.0:8443, admin user and TLS certificate made on first start, the
# three processes supervised, SIGTERM stopping them all cleanly.
# With arguments it runs them instead, in the same environment, e.g.
#   docker run --rm -v sluice:/data -i IMAGE sluicectl user list
#
# The worker keeps its name across containers: unless SLUICE_WORKER_NAME is
# set, the name is read from $SLUICE_DATA/worker-name, which the first
# start writes (that container's host name), so a new container on the same
# volume is the same worker, not a new one beside a dead one.
#
# Every default below can be overridden from the environment; the test
# tests/container/container_entrypoint.sh points SLUICE_SHARE and
# SLUICE_BIN_DIR at a source tree and binds 127.0.0.1.
set -eu

: "${SLUICE_DATA:=/data}"
: "${SLUICE_BIND:=0.0.0.0}"
: "${SLUICE_PORT:=8443}"
: "${SLUICE_SHARE:=/usr/share/sluice}"
: "${SLUICE_BIN_DIR:=/usr/local/bin}"
: "${SLUICE_MIGRATIONS:=$SLUICE_SHARE/migrations}"
: "${SLUICE_TEMPLATE:=$SLUICE_SHARE/examples/template}"
export SLUICE_DATA SLUICE_BIND SLUICE_PORT SLUICE_SHARE SLUICE_BIN_DIR \
    SLUICE_MIGRATIONS SLUICE_TEMPLATE
PATH=$SLUICE_BIN_DIR:$PATH
export PATH

if [ ! -x "$SLUICE_SHARE/scripts/sluice-run" ]; then
	echo "entrypoint: $SLUICE_SHARE/scripts/sluice-run not found" >&2
	exit 1
fi
mkdir -p "$SLUICE_DATA"

if [ $# -gt 0 ]; then
	exec "$@"
fi

# Prints the stored worker name, storing this host's name on first start.
worker_name() {
	f=$SLUICE_DATA/worker-name
	if [ ! -s "$f" ]; then
		uname -n | tr -d '/' | cut -c1-64 >"$f.tmp" && mv "$f.tmp" "$f"
	fi
	head -n 1 "$f"
}
if [ -z "${SLUICE_WORKER_NAME:-}" ]; then
	SLUICE_WORKER_NAME=$(worker_name)
	export SLUICE_WORKER_NAME
fi

exec "$SLUICE_SHARE/scripts/sluice-run"
