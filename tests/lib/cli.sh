# tests/lib/cli.sh: sourced by tests/cli/*.sh after tests/lib/stack.sh.
#   ctl                  the sluicectl under test
#   tmp                  the test's folder ($STACK_TMP)
#   ok MESSAGE           prints "ok   MESSAGE"
#   expect RC CMD...     runs CMD (120 s at most), fails the test unless it
#                        exits RC with no sanitizer report; its stdout is
#                        in $tmp/out, stderr in $tmp/err
#   no_stack_cleanup     for a test that starts no stack: at its end runs
#                        the stack_on_stop hooks, then removes $tmp when
#                        the test passed (keeps it, saying so, otherwise)
#   local_leftovers DIR  prints the pids of processes whose SLUICE_DATA is
#                        a folder under DIR (run --local's scheduler, its
#                        tasks)
ctl=$SLUICE_BIN_DIR/sluicectl
tmp=$STACK_TMP

ok() { echo "ok   $*"; }

expect() {
	local want=$1 rc; shift
	timeout 120 "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	[ $rc = "$want" ] ||
	    fail "$*: exit $rc, wanted $want: $(cat "$tmp/out" "$tmp/err")"
	sanitizer_check "$tmp/err" || fail "$*: a sanitizer report"
}

# stack_cleanup (stack.sh) does just that when no stack was started.
no_stack_cleanup() {
	trap stack_cleanup EXIT
}

local_leftovers() {
	local p
	for p in /proc/[0-9]*; do
		{ tr '\0' '\n' <"$p/environ"; } 2>/dev/null |
		    grep -q "^SLUICE_DATA=$1/" && echo "${p#/proc/}"
	done
	return 0
}
