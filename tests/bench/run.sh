#!/usr/bin/env bash
# tests/bench/run.sh BIN: `make bench`. Measures, on this machine, what the
# README and issues quote: password-check cost per crypt scheme, API
# requests per second through nginx with a remembered login, a remembered
# login's latency during a password-guessing storm, run start latency
# (POST → COMPLETED), run throughput, the time from a push webhook to
# the new flow version, and the resident memory of each program. Numbers are printed, never asserted:
# speed is checked here, not by timed tests.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
export SLUICE_BIN_DIR=$root/${1:-bin}
build=${BUILD:-build}
"$root/$build/bench/cryptbench"

command -v wrk >/dev/null || {
	if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null
	else echo "bench: install wrk for the HTTP figures"; exit 0; fi
}
source "$root/tests/lib/stack.sh"
# Measure the server, not the per-address rate limit or the failed-login
# throttle (the storm below must reach the hashing pool).
export SLUICE_RATE_LIMIT=1000000
export SLUICE_AUTH_FAIL_MAX=0 SLUICE_AUTH_FAIL_ADDR_MAX=0
stack_start
auth=$(printf '%s:%s' "$ADMIN_USER" "$ADMIN_PASS" | base64 -w0)

echo "--- HTTP through nginx (wrk, 2 threads, 20 connections, 10 s)"
for path in /api/health /api/flows /index.html; do
	wrk -t2 -c20 -d10s -H "Authorization: Basic $auth" "$SLUICE_URL$path" |
	    awk -v p="$path" '/Latency/ {lat=$2} /Non-2xx/ {bad=$5}
	        /Requests\/sec/ {rps=$2}
	        END {printf "%-14s %10s req/s, mean latency %s, non-2xx %d\n",
	            p, rps, lat, bad}'
done

# remembered_login_ms N: N remembered logins one after another; prints
# "median p90 max" of their times in ms (curl's total, TLS included).
remembered_login_ms() {
	local i
	for i in $(seq 1 "$1"); do
		curl -sk -o /dev/null -w '%{time_total}\n' \
		    -u "$ADMIN_USER:$ADMIN_PASS" "$SLUICE_URL/api/me"
	done | sort -n | awk '{a[NR]=$1 * 1000} END {
		printf "median %.1f ms, p90 %.1f ms, max %.1f ms\n",
		    a[int(NR/2)+1], a[int(NR*0.9)], a[NR]}'
}
echo "--- a remembered login during a guessing storm (40 logins each)"
remembered_login_ms 5 >/dev/null
echo "quiet:  $(remembered_login_ms 40)"
bad=$(printf '%s:%s' "$ADMIN_USER" wrong-guess | base64 -w0)
wrk -t2 -c16 -d20s -H "Authorization: Basic $bad" "$SLUICE_URL/api/me" \
    >"$STACK_TMP/storm" 2>&1 &
storm=$!
sleep 2
echo "storm:  $(remembered_login_ms 40)"
wait "$storm"
awk '/Requests\/sec/ {rps=$2} /Non-2xx/ {bad=$5}
    END {printf "(storm: 16 connections of wrong passwords, %s req/s, " \
        "%d refused)\n", rps, bad}' "$STACK_TMP/storm"
checked=$(grep -c 'failed login for' "$STACK_TMP/stack.log")
busy=$(sed -n 's/.*pool full.*refused \([0-9]*\) password checks.*/\1/p' \
    "$STACK_TMP/stack.log" | awk '{n += $1} END {print n + 0}')
echo "(of those, $checked hashed and refused, $busy answered busy unhashed)"

echo "--- run latency (one task 'true', 30 runs one after another)"
api PUT /api/flows/bench '{"name":"bench","tasks":[{"name":"t","command":["true"]}]}'
lat=()
for i in $(seq 1 30); do
	t0=$(date +%s%N)
	api POST /api/flows/bench/runs '{}'
	id=$(jqr .id)
	wait_run_state "$id" COMPLETED 30
	lat+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
printf '%s\n' "${lat[@]}" | sort -n | awk '{a[NR]=$1} END {
	printf "POST → COMPLETED: median %d ms, p90 %d ms, max %d ms\n",
	    a[int(NR/2)+1], a[int(NR*0.9)], a[NR]}'

echo "--- throughput (200 runs started at once)"
t0=$(date +%s%N)
for i in $(seq 1 200); do api POST /api/flows/bench/runs '{}'; done
t1=$(date +%s%N)
wait_for 300 bash -c "curl -sk -u '$ADMIN_USER:$ADMIN_PASS' '$SLUICE_URL/api/runs?flow=bench&state=COMPLETED&limit=500' | jq -e '.items | length >= 230' >/dev/null"
t2=$(date +%s%N)
echo "200 POSTs: $(( (t1 - t0) / 1000000 )) ms; all completed after $(( (t2 - t0) / 1000000 )) ms"

echo "--- push to main: webhook → new version (10 pushes, a repository of 20 flows)"
source "$root/tests/repo/helpers/lib.sh"
git_repo
for i in $(seq 1 20); do flow_file "f$i" '["true"]'; done
push "Twenty flows"
repo_add bench '"webhook_secret": "bench-hook"'
wait_synced bench "$HEAD_COMMIT"
lat=()
for i in $(seq 1 10); do
	flow_file f1 "[\"echo\", \"$i\"]"
	push "Change $i"
	t0=$(date +%s%N)
	push_hook bench bench-hook
	wait_for 60 repo_synced bench "$HEAD_COMMIT"
	lat+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
printf '%s\n' "${lat[@]}" | sort -n | awk '{a[NR]=$1} END {
	printf "webhook → version stored: median %d ms, max %d ms\n",
	    a[int(NR/2)+1], a[NR]}'

echo "--- resident memory"
for prog in sluice-api sluice-scheduler; do
	pid=$(cat "$SLUICE_DATA/run/$prog.pid" 2>/dev/null)
	[ -n "$pid" ] && grep VmRSS "/proc/$pid/status" | sed "s/^/$prog /"
done
