#!/usr/bin/env bash
# The launcher exits 1, saying why and leaving no process behind, when it
# cannot start: a rate limit that is not a number, programs missing from
# SLUICE_BIN_DIR, a data directory it cannot create, migrations that
# fail, a listen address nginx rejects.
source "$SLUICE_ROOT/tests/lib/stack.sh"
export SLUICE_DATA=$STACK_TMP/data SLUICE_PORT=$(free_port)
export SLUICE_ADMIN_PASSWORD=start-fail-pass-1 SLUICE_NO_DEMO=1
mkdir -p "$STACK_TMP/empty-bin" "$STACK_TMP/bad-migrations"
echo "THIS IS NOT SQL;" >"$STACK_TMP/bad-migrations/001_init.sql"
: >"$STACK_TMP/a-file"

# refused WHY ENV...: the launcher, run with env(1) arguments ENV, must
# exit 1 within 60 s and print WHY.
refused() {
	local why=$1 rc; shift
	env "$@" timeout 60 "$SLUICE_ROOT/scripts/sluice-run" \
	    >"$STACK_TMP/out.log" 2>&1 </dev/null
	rc=$?
	[ $rc = 1 ] || fail "$*: exit $rc, not 1: $(tail -n 5 "$STACK_TMP/out.log")"
	grep -q -- "$why" "$STACK_TMP/out.log" ||
	    fail "$*: no '$why' in: $(cat "$STACK_TMP/out.log")"
	[ -z "$(stack_pids)" ] || fail "$*: processes left: $(stack_pids)"
	note "exit 1: $why"
}
refused "SLUICE_RATE_LIMIT must be a number" SLUICE_RATE_LIMIT=fast
refused "sluice-api missing" SLUICE_BIN_DIR="$STACK_TMP/empty-bin"
refused "cannot create" SLUICE_DATA="$STACK_TMP/a-file/data"
refused "migrations failed" SLUICE_MIGRATIONS="$STACK_TMP/bad-migrations"
refused "nginx rejected" SLUICE_BIND=not-an-address.invalid
echo ok
