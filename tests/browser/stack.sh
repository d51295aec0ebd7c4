#!/usr/bin/env bash
# tests/browser/stack.sh: starts a Sluice stack for one browser test and
# keeps it up while the test (its parent, lib.mjs) holds our standard input
# open. Prints one JSON line on standard output once the stack answers:
# {"url","data","bin","admin_user","admin_pass"}. When standard input
# closes or SIGTERM arrives, the stack is stopped by tests/lib/stack.sh's
# EXIT trap, which also fails (exit 1) when a process outlives it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/stack.sh"
stack_start
printf '{"url":"%s","data":"%s","bin":"%s","admin_user":"%s","admin_pass":"%s"}\n' \
    "$SLUICE_URL" "$SLUICE_DATA" "$SLUICE_BIN_DIR" "$ADMIN_USER" "$ADMIN_PASS"
trap 'exit 0' TERM INT
# Wait for the parent to close our standard input (or die).
while read -r _; do :; done
exit 0
