#!/usr/bin/env bash
# What nginx's workers (sluice-web, when started as root) can reach in the
# data directory: the API socket, and not the database (flows, env values,
# audit trail; it used to be world-readable), htpasswd, the TLS key, task
# logs or nginx's own logs. The FastCGI socket admits no one but its owner
# and group: not www-data, which other web applications on a host share.
# Passwords, right or wrong, and Authorization headers appear in no file
# the stack writes (anywhere in the data directory, database included,
# nor in the programs' logs); a task's env value in none but the database,
# which keeps the flow's definition.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/p '{"tasks":[{"name":"t","command":["sh","-c","echo secret-output"],"env":{"TOKEN":"env-secret-value"}}]}'
expect_status 201 "create"
api POST /api/flows/p/runs '{}'
expect_status 201 "run"
run=$(jqr .id)
wait_run_state "$run" COMPLETED
wrong='wrong-pass-Zq81'
AS="$ADMIN_USER:$wrong" api GET /api/me
expect_status 401 "wrong password"
AS="nobody:$wrong" api GET /api/me
expect_status 401 "unknown user"

as_user() { su -s /bin/sh "$1" -c "$2" </dev/null >/dev/null 2>&1; }
as_nginx() { as_user sluice-web "$1"; }
d=$SLUICE_DATA
for f in "$d/sluice.db" "$d/htpasswd" "$d/tls/key.pem" \
    "$d"/logs/"$run"/t.1.log "$d/nginx/access.log" "$d/nginx/error.log"; do
	[ -e "$f" ] || fail "missing $f"
	as_nginx "cat '$f'" && fail "sluice-web can read $f: $(ls -l "$f")"
done
for f in "$d"/sluice.db-wal "$d"/sluice.db-shm; do
	[ -e "$f" ] || continue
	as_nginx "cat '$f'" && fail "sluice-web can read $f: $(ls -l "$f")"
done
# nginx itself must still reach the socket: the request above went through.
mode=$(stat -c %a "$d/run/api.sock")
case $mode in *[1-7]) fail "api.sock is accessible to others: $mode" ;; esac
as_nginx "test -w '$d/run/api.sock'" || fail "sluice-web cannot use api.sock"
if id www-data >/dev/null 2>&1; then
	as_user www-data "test -w '$d/run/api.sock'" &&
	    fail "www-data can use api.sock"
fi

stack_stop || fail "stop"
mapfile -t written < <(find "$d" "$STACK_TMP"/*.log -type f)
[ "${#written[@]}" -ge 8 ] || fail "too few files to search: ${written[*]}"
for secret in "$ADMIN_PASS" "$wrong" \
    "$(printf '%s' "$ADMIN_USER:$ADMIN_PASS" | base64 -w0)" \
    "$(printf '%s' "$ADMIN_USER:$wrong" | base64 -w0)"; do
	hits=$(grep -laF -- "$secret" "${written[@]}")
	[ -z "$hits" ] || fail "'$secret' written in: $hits"
done
hits=$(grep -laF -- env-secret-value "${written[@]}" | grep -v "^$d/sluice\.db")
[ -z "$hits" ] || fail "a task's env value written in: $hits"
echo ok
