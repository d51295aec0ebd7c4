#!/usr/bin/env bash
# Numbers read as people wrote them wherever Sluice writes JSON: json-c
# printed doubles with 17 significant digits, so a parameter 0.3 reached
# the task as 0.29999999999999999, a default 0.1 as 0.10000000000000001
# and duration_s read 0.068000000000000005. Now the flow's stored
# definition (a default 0.1, retry_backoff 1.5 and the default 1.0), the
# run's parameters in the API's replies, SLUICE_PARAMS as the task sees
# it and duration_s in GET /api/runs/{id} and in the webhook body are all
# the shortest text that reads back as the same double; 3e-1 is stored as
# 0.3. Raw bodies are grepped: jq would re-print the numbers itself.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
webhook_start
tail17='[0-9]\.[0-9]{15,}'
# has TEXT WHAT: the raw BODY contains TEXT and no 17-digit tail.
has() {
	grep -qF -- "$1" <<<"$BODY" || fail "$2: no $1 in $BODY"
	grep -qE "$tail17" <<<"$BODY" && fail "$2: a 17-digit number in $BODY"
	return 0
}
# duration_ok TEXT WHAT: duration_s in TEXT has at most 3 decimals (ms).
duration_ok() {
	grep -qE '"duration_s":[0-9]+(\.[0-9]{1,3})?[,}]' <<<"$1" ||
	    fail "$2: duration_s not in milliseconds: $1"
}

flow_put nums "{\"name\":\"nums\",
 \"notify\":{\"on\":[\"COMPLETED\"],\"webhook\":\"http://127.0.0.1:$port/hook\"},
 \"parameters\":{\"rate\":{\"type\":\"number\",\"default\":0.1},
  \"step\":{\"type\":\"number\",\"default\":0.1}},
 \"tasks\":[{\"name\":\"t\",\"retry_backoff\":1.5,
  \"command\":[\"sh\",\"-c\",\"echo \\\"params=\$SLUICE_PARAMS\\\"\"]},
  {\"name\":\"u\",\"command\":[\"true\"]}]}"
has '"default":0.1' "PUT reply"
api GET /api/flows/nums
expect_status 200 "GET flow"
has '"default":0.1' "flow definition"
has '"retry_backoff":1.5' "flow definition"
has '"retry_backoff":1.0' "flow definition's default backoff"

api POST /api/flows/nums/runs '{"parameters":{"rate":0.3}}'
expect_status 201 "start run"
id=$(jqr .id)
has '"rate":0.3' "POST reply"
has '"step":0.1' "POST reply's default"
wait_run_state "$id" COMPLETED 30
api GET "/api/runs/$id"
has '"rate":0.3' "GET run"
has '"step":0.1' "GET run's default"
duration_ok "$BODY" "GET run"
log=$SLUICE_DATA/logs/$id/t.1.log
grep -qF 'params={"rate":0.3,"step":0.1}' "$log" ||
    fail "SLUICE_PARAMS as the task saw it: $(cat "$log")"

wait_for 20 test -s "$out/bodies" || fail "no webhook delivered"
body=$(head -n 1 "$out/bodies")
duration_ok "$body" "webhook body"
grep -qE "$tail17" <<<"$body" && fail "webhook body: a 17-digit number: $body"

api POST /api/flows/nums/runs '{"parameters":{"rate":3e-1,"step":0.25}}'
expect_status 201 "start run with 3e-1"
has '"rate":0.3' "3e-1 stored"
has '"step":0.25' "0.25 stored"
echo ok
