#!/usr/bin/env bash
# tests/image/container_journey.sh [IMAGE]: the container journey against a
# built image (default sluice), with podman or docker as `make image` picks
# (scripts/image-engine.sh). `make test-image` runs it; `make test` does not.
#
# On a fresh named volume, with a flow file mounted at /flows: HTTPS health
# with the container's own certificate, the first-start password in the
# logs by then, login, the flow applied on start, a run of it whose task
# prints `id` and runs as an unprivileged user, sluice-api and nginx's
# workers not root, HEALTHCHECK healthy, a stop within 10 s with exit 0;
# then a second container on the same volume keeps users, flows and runs
# and is the same worker. Host networking, bound to 127.0.0.1 only.
# Every assert is reported; the run ends with "N passed, N failed".
# Containers, the volume and temp files it made are removed at the end.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
image=${1:-sluice}
source "$root/scripts/image-engine.sh" || exit 1
for tool in curl jq python3; do
	command -v $tool >/dev/null || { echo "$tool is not installed"; exit 1; }
done

name=sluice-journey-$$
vol=$name
tmp=$(mktemp -d /tmp/sluice-journey.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
url=https://127.0.0.1:$port
passed=0
failed=0
current=""

ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
# Records a failure after which the journey cannot go on, and stops.
fatal() {
	bad "$*"
	if [ -n "$current" ]; then
		echo "# last lines of $current's log:"
		"$engine" logs "$current" 2>&1 | grep -v 'level=' | tail -n 30 |
		    sed 's/^/    | /'
	fi
	exit 1
}

cleanup() {
	local rc=$?
	"$engine" rm -f -t 0 "$name-1" "$name-2" >/dev/null 2>&1
	"$engine" volume rm -f "$vol" >/dev/null 2>&1
	rm -rf "$tmp"
	echo "$passed passed, $failed failed"
	[ $failed = 0 ] && [ $rc = 0 ] && exit 0
	exit 1
}
trap cleanup EXIT

# Runs "$@" every half second until it succeeds or $1 seconds pass.
wait_for() {
	local limit=$1 end
	shift
	end=$((SECONDS + limit))
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.5
	done
}

# api METHOD PATH [BODY]: sets code, and the body in $tmp/body, as admin
# (or $AS) over HTTPS, verifying the container's certificate once known.
api() {
	local tls=(-k)
	[ -s "$tmp/cert.pem" ] && tls=(--cacert "$tmp/cert.pem")
	code=$(curl -s "${tls[@]}" -u "${AS:-admin:$pw}" -X "$1" \
	    -H 'Content-Type: application/json' ${3:+--data "$3"} \
	    -o "$tmp/body" -w '%{http_code}' "$url$2")
}
body() { jq -r "$1" "$tmp/body" 2>/dev/null; }

# start_container N: container $name-N with host name journey-N on the
# volume, /flows mounted read-only; waits for /api/health.
start_container() {
	current=$name-$1
	"$engine" run -d --name "$current" --hostname "journey-$1" \
	    "${run_flags[@]}" --network=host \
	    -e SLUICE_BIND=127.0.0.1 -e SLUICE_PORT="$port" \
	    -v "$vol:/data" -v "$tmp/flows:/flows:ro" "$image" \
	    >/dev/null 2>"$tmp/run.err" ||
	    fatal "$engine run $current: $(grep -v level= "$tmp/run.err")"
	wait_for 180 health_answers ||
	    fatal "$current: no /api/health on $url within 180 s"
}
health_answers() {
	curl -sfk --max-time 5 -o /dev/null "$url/api/health" && return 0
	[ "$("$engine" inspect --format '{{.State.Running}}' "$current")" = true ] ||
	    fatal "$current exited before /api/health answered"
	return 1
}
logs() { "$engine" logs "$current" 2>&1 | grep -v 'level='; }

# Prints "pid uid command line" for every process in container $1.
processes() {
	"$engine" exec "$1" sh -c 'for p in /proc/[0-9]*; do
	    u=$(sed -n "s/^Uid:[[:space:]]*\([0-9]*\).*/\1/p" $p/status)
	    c=$(tr "\0" " " <$p/cmdline)
	    [ -n "$c" ] && echo "${p#/proc/} $u $c"
	done 2>/dev/null'
}

# Stops container $1 with the engine's default timeout (10 s, then
# SIGKILL) and checks it ended within 10 s with exit status 0.
stop_container() {
	local t0 t1 ms status
	t0=$(date +%s%N)
	"$engine" stop "$1" >/dev/null 2>&1
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	status=$("$engine" inspect --format '{{.State.ExitCode}}' "$1")
	if [ "$status" = 0 ] && [ $ms -lt 10000 ]; then
		ok "$engine stop $1: exit 0 after $ms ms"
	else
		bad "$engine stop $1: exit $status after $ms ms (want 0 within 10 s)"
	fi
	current=""
}

# --- the image -----------------------------------------------------------
"$engine" image inspect "$image" >/dev/null 2>&1 ||
    fatal "no image $image (make image)"
size=$("$engine" image inspect --format '{{.Size}}' "$image")
echo "# $engine image $image: $((size / 1000000)) MB"
hc=$("$engine" image inspect --format '{{json .Config.Healthcheck}}' "$image")
case $hc in
*healthcheck.sh*) ok "the image has its HEALTHCHECK" ;;
*) bad "the image has no HEALTHCHECK ($hc): built without --format docker?" ;;
esac

mkdir -p "$tmp/flows"
chmod 0755 "$tmp" "$tmp/flows"
cat >"$tmp/flows/journey.json" <<'EOF'
{
  "name": "journey",
  "description": "The image test's flow: who does a task run as?",
  "tasks": [{"name": "whoami", "command": ["id"], "timeout_s": 60}]
}
EOF
chmod 0644 "$tmp/flows/journey.json"
"$engine" volume create "$vol" >/dev/null || fatal "volume create $vol"

# --- first container: a first start -------------------------------------
start_container 1
first_log=$(logs)
pw=$(sed -n 's/.*log in as admin with password: \([^ ]*\) (shown once).*/\1/p' \
    <<<"$first_log" | head -n 1)
if [ -n "$pw" ]; then
	ok "the first-start password is in the log when health answers"
else
	fatal "no first-start password in the log when health answered"
fi

"$engine" exec "$current" cat /data/tls/cert.pem >"$tmp/cert.pem" ||
    fatal "cannot read the container's certificate"
if curl -sf --cacert "$tmp/cert.pem" "$url/api/health" -o "$tmp/body" &&
    [ "$(body .status)" = ok ]; then
	ok "HTTPS health with the container's own certificate"
else
	bad "HTTPS health verified with /data/tls/cert.pem: $(cat "$tmp/body")"
fi

api GET /api/me
if [ "$code" = 200 ] && [ "$(body .name)/$(body .role)" = admin/admin ]; then
	ok "login as admin with the printed password"
else
	fatal "GET /api/me as admin: HTTP $code $(cat "$tmp/body")"
fi
AS=admin:wrong-password api GET /api/me
[ "$code" = 401 ] && ok "a wrong password is refused (401)" ||
    bad "GET /api/me with a wrong password: HTTP $code"

flow_there() { api GET /api/flows/journey; [ "$code" = 200 ]; }
wait_for 60 flow_there && ok "the flow in /flows was applied on start" ||
    fatal "flow journey from /flows: HTTP $code $(cat "$tmp/body")"

api POST /api/flows/journey/runs '{}'
[ "$code" = 201 ] ||
    fatal "POST /api/flows/journey/runs: HTTP $code $(cat "$tmp/body")"
run_id=$(body .id)
run_ended() {
	api GET "/api/runs/$run_id"
	case $(body .state) in COMPLETED|FAILED|CRASHED|CANCELLED) return 0 ;; esac
	return 1
}
wait_for 180 run_ended || fatal "run $run_id still $(body .state) after 180 s"
[ "$(body .state)" = COMPLETED ] && ok "run $run_id of journey COMPLETED" ||
    bad "run $run_id ended $(body .state)"

api GET "/api/runs/$run_id/tasks/whoami/log?offset=0"
# A task runs under a uid of its own (no account) in group sluice-task.
task_id=$(grep -o 'uid=[0-9]*\(([^)]*)\)\? gid=[0-9]*([^)]*)' "$tmp/body" |
    head -n 1)
if [ "$code" = 200 ] && [ -n "$task_id" ]; then
	ok "the task's log has id's output: $task_id"
else
	bad "task log: HTTP $code $(head -c 300 "$tmp/body")"
fi
case $task_id in
uid=0[\ \(]*|'')
	bad "the task runs as an unprivileged task user (id: ${task_id:-none})" ;;
*'gid='*'(sluice-task)')
	ok "the task runs as an unprivileged task user ($task_id)" ;;
*) bad "the task's group is not sluice-task ($task_id)" ;;
esac

processes "$current" >"$tmp/ps" || bad "cannot list the container's processes"
# Checks that processes whose command line matches $2 exist and none is root.
not_root() {
	local what=$1 pattern=$2 rows
	rows=$(awk -v re="$pattern" '{ c = $0; sub(/^[0-9]+ [0-9]+ /, "", c) }
	    c ~ re { print $2 ":" c }' "$tmp/ps")
	if [ -z "$rows" ]; then
		bad "$what: no such process"
	elif grep -q '^0:' <<<"$rows"; then
		bad "$what: not root (uid 0: $(grep '^0:' <<<"$rows" |
		    head -n 1 | cut -c3- | sed 's/ *$//'))"
	else
		ok "$what: not root (uid $(cut -d: -f1 <<<"$rows" |
		    sort -u | paste -sd ' ' -))"
	fi
}
not_root sluice-api '^/usr/local/bin/sluice-api'
not_root "nginx's workers" '^nginx: worker'
# Names the processes that run as root, for the report.
root_processes() {
	awk '$2 == 0 && $3 != "sh" && $3 != "sleep" {
	    c = $3; if (c == "nginx:") c = c " " $4
	    else if (c == "bash") c = $4
	    sub(/.*\//, "", c); print c }' "$tmp/ps" | paste -sd ' ' -
}
echo "# processes running as root: $(root_processes)"

worker1=$("$engine" exec "$current" cat /data/worker-name 2>/dev/null)
[ "$worker1" = journey-1 ] &&
    ok "the worker name is stored in the volume ($worker1)" ||
    bad "/data/worker-name: '$worker1', not the first host name journey-1"

# Podman without systemd schedules no health checks: run one; docker's
# daemon runs them itself.
health_status() {
	"$engine" inspect --format '{{.State.Health.Status}}' "$current"
}
healthy() {
	if [ "$engine" = podman ]; then
		podman healthcheck run "$current" >/dev/null 2>&1 || return 1
	fi
	[ "$(health_status)" = healthy ]
}
wait_for 120 healthy && ok "HEALTHCHECK passes (healthy)" ||
    bad "HEALTHCHECK: $(health_status)"

stop_container "$name-1"
"$engine" logs "$name-1" 2>&1 | grep -q 'sluice-run: stopped' &&
    ok "the launcher stopped cleanly" ||
    bad "no 'sluice-run: stopped' in the log"

# --- second container on the same volume ----------------------------------
start_container 2
logs | grep -q 'shown once' && bad "a second start printed a new password" ||
    ok "a second start makes no new admin password"
api GET /api/me
[ "$code" = 200 ] && ok "users kept: admin logs in with the first password" ||
    bad "GET /api/me in the second container: HTTP $code"
api GET /api/flows/journey
[ "$code" = 200 ] && ok "flows kept" || bad "GET /api/flows/journey: HTTP $code"
api GET "/api/runs/$run_id"
[ "$code" = 200 ] && [ "$(body .state)" = COMPLETED ] &&
    ok "runs kept: $run_id is COMPLETED" ||
    bad "GET /api/runs/$run_id: HTTP $code $(body .state)"
api GET "/api/runs/$run_id/tasks/whoami/log?offset=0"
grep -q 'uid=' "$tmp/body" && ok "its log kept" ||
    bad "log of $run_id: HTTP $code"

same_worker() {
	api GET /api/workers
	[ "$(body '[.items[] | select(.online) | .name] | join(",")')" = "$worker1" ]
}
if wait_for 60 same_worker && [ "$(body '.items | length')" = 1 ]; then
	ok "the same worker, $worker1, and no other"
else
	bad "workers: $(jq -c '[.items[] | {name, online}]' "$tmp/body")"
fi
api POST /api/flows/journey/runs '{}'
run_id=$(body .id)
wait_for 180 run_ended && [ "$(body .state)" = COMPLETED ] &&
    ok "that worker runs a new run ($run_id COMPLETED)" ||
    bad "a run in the second container: $(body .state)"

stop_container "$name-2"
