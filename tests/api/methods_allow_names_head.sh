#!/usr/bin/env bash
# A method a path does not have answers 405 method_not_allowed, and its
# Allow header names exactly the methods openapi.json documents for that
# path plus HEAD wherever GET is there (HEAD is served as GET): checked
# on one concrete path of every documented path.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

run=01M91CH7RD4M5P5N1PBR66CC6V
# Documented path, then the Allow it must send (sorted, comma-joined).
expected=$(jq -r '.paths | to_entries[] | .key + "\t" +
    ([.value | keys[] | select(. != "parameters") | ascii_upcase] |
    if index("GET") then . + ["HEAD"] else . end | sort | join(","))' \
    "$SLUICE_ROOT/fcgi/openapi.json")
[ "$(wc -l <<<"$expected")" -ge 20 ] || fail "few paths: $expected"
checked=0
while IFS=$'\t' read -r template allow; do
	path=${template//\{flow\}/f}
	path=${path//\{run\}/$run}
	path=${path//\{task\}/t}
	path=${path//\{worker\}/w}
	path=${path//\{repo\}/r}
	for m in DELETE PUT POST GET; do
		case ",$allow," in *,$m,*) ;; *) break ;; esac
	done
	api "$m" "$path" '{}'
	expect_status 405 "$m $path"
	[ "$(jqr .error.code)" = method_not_allowed ] || fail "$m $path: $BODY"
	got=$(header Allow | tr -d ' ' | tr , '\n' | sort | paste -sd, -)
	[ "$got" = "$allow" ] ||
	    fail "$m $path: Allow '$(header Allow)', documented: $allow"
	checked=$((checked + 1))
done <<<"$expected"
note "$checked paths answer 405 with the documented Allow"
echo ok
