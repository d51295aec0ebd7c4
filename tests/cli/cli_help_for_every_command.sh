#!/usr/bin/env bash
# `sluicectl --help` lists every command, and each one listed answers
# `sluicectl COMMAND --help` and `sluicectl help COMMAND` with its own
# usage on standard output and exit 0, without a server or credentials;
# an unknown command is a usage error (exit 2).
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
ctl=${SLUICE_BIN_DIR:-$SLUICE_ROOT/bin}/sluicectl
tmp=$(mktemp -d /tmp/sluice-cli-help.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset SLUICE_USER SLUICE_PASSWORD SLUICE_URL

"$ctl" --help >"$tmp/all" || fail "sluicectl --help: exit $?"
# The commands: the first word of each indented line of the list.
cmds=$(awk '/^  [a-z]/ { print $1 }' "$tmp/all" | sort -u)
for want in migrate user init apply flows pause resume run runs logs cancel \
    retry rerun workers events; do
	grep -qx "$want" <<<"$cmds" || fail "--help does not list $want: $(cat "$tmp/all")"
done
for c in $cmds; do
	"$ctl" "$c" --help >"$tmp/out" 2>"$tmp/err" ||
	    fail "$c --help: exit $?: $(cat "$tmp/err")"
	grep -q "^usage: sluicectl $c\b" "$tmp/out" ||
	    fail "$c --help prints no usage: $(cat "$tmp/out")"
	[ -s "$tmp/err" ] && fail "$c --help wrote to stderr: $(cat "$tmp/err")"
	"$ctl" help "$c" >"$tmp/out2" 2>&1 || fail "help $c: exit $?"
	cmp -s "$tmp/out" "$tmp/out2" || fail "help $c differs from $c --help"
done
"$ctl" workers pause --help >"$tmp/out" && grep -q "workers limit NAME N" "$tmp/out" ||
    fail "workers pause --help"
"$ctl" help >"$tmp/out" && cmp -s "$tmp/out" "$tmp/all" || fail "help alone"
"$ctl" no-such-command >/dev/null 2>&1
[ $? = 2 ] || fail "an unknown command did not exit 2"
echo "ok   --help lists $(wc -w <<<"$cmds") commands; each has its own --help"
