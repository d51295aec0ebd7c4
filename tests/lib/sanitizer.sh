# tests/lib/sanitizer.sh: sourced by every shell test that runs Sluice's
# programs (through stack.sh, or directly). sanitizer_check FILE... prints
# the sanitizer reports (AddressSanitizer, LeakSanitizer,
# UndefinedBehaviorSanitizer) found in the programs' logs and returns 1
# when there is any, so a report fails the test even when the program
# survived it or was restarted.

# The lines that begin a report of each sanitizer; runner.sh greps the same.
SANITIZER_PATTERN='runtime error:|ERROR: [A-Za-z]*Sanitizer|SUMMARY: [A-Za-z]*Sanitizer|WARNING: [A-Za-z]*Sanitizer'

sanitizer_check() {
	local f found=0
	for f in "$@"; do
		[ -f "$f" ] || continue
		if grep -Eq "$SANITIZER_PATTERN" "$f"; then
			echo "FAIL: sanitizer report in $f:" >&2
			grep -E -m 5 -A 8 "$SANITIZER_PATTERN" "$f" | head -n 60 >&2
			found=1
		fi
	done
	return $found
}
