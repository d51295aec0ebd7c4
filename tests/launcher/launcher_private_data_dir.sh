#!/usr/bin/env bash
# A data directory under a private folder (as a checkout under /root
# would be) is out of reach of the unprivileged sluice-web user: the
# launcher says so and still serves the API and the dashboard instead of
# answering 502s.
source "$SLUICE_ROOT/tests/lib/stack.sh"
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
chmod 0700 "$STACK_TMP"
stack_start
grep -q "sluice-web cannot reach" "$STACK_TMP/stack.log" ||
    fail "no warning about the unreachable data directory"
api GET /api/flows
expect_status 200 "API through nginx"
api GET /index.html
expect_status 200 "dashboard through nginx"
