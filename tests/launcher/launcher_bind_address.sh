#!/usr/bin/env bash
# SLUICE_BIND: by default nginx listens on 127.0.0.1 only; with
# SLUICE_BIND=0.0.0.0 on every IPv4 address, and the launcher still
# announces the loopback URL. Only the listening address is checked
# (/proc/net/tcp): nothing connects from outside loopback.
source "$SLUICE_ROOT/tests/lib/stack.sh"

# Prints the local addresses (hex, as /proc/net/tcp{,6} has them) of the
# sockets listening on $SLUICE_PORT.
listen_addrs() {
	local hex
	hex=$(printf '%04X' "$SLUICE_PORT")
	awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p {
	    print substr($2, 1, length($2) - 5) }' /proc/net/tcp /proc/net/tcp6 |
	    sort -u | tr '\n' ' '
}

stack_start
[ "$(listen_addrs)" = "0100007F " ] ||
    fail "default: listening on $(listen_addrs), not 127.0.0.1 only"
stack_stop || fail "stop"

STACK_BIND=0.0.0.0 stack_start
[ "$(listen_addrs)" = "00000000 " ] ||
    fail "SLUICE_BIND=0.0.0.0: listening on $(listen_addrs)"
# The launcher announces the URL after the stack answers: wait for it.
wait_for 30 grep -q "Sluice is running at https://127.0.0.1:$SLUICE_PORT/" \
    "$STACK_TMP/stack.log" ||
    fail "no loopback URL announced: $(grep running "$STACK_TMP/stack.log")"
api GET /api/me
expect_status 200 "through loopback"
echo ok
