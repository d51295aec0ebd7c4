# tests/repo/helpers/lib.sh: a real git repository for repository tests.
# git_repo makes a bare "origin" (what the server follows) and a working
# clone WORK to commit in; push commits and pushes; repo_add registers
# origin through the API; wait_synced waits for a sync of a commit;
# push_hook calls the push webhook the way GitHub does.
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"

GIT=(git -c user.name=Tester -c user.email=tester@example.invalid
    -c init.defaultBranch=main)

git_repo() {
	ORIGIN=$STACK_TMP/git/origin.git
	WORK=$STACK_TMP/git/work
	mkdir -p "$STACK_TMP/git"
	chmod 0755 "$STACK_TMP" "$STACK_TMP/git"
	"${GIT[@]}" init -q --bare "$ORIGIN" || fail "git init --bare"
	"${GIT[@]}" clone -q "$ORIGIN" "$WORK" 2>/dev/null || fail "git clone"
	mkdir -p "$WORK/flows" "$WORK/tasks"
}

# push MESSAGE: commits everything in WORK and pushes; HEAD_COMMIT set.
push() {
	"${GIT[@]}" -C "$WORK" add -A &&
	    "${GIT[@]}" -C "$WORK" commit -qm "$1" &&
	    "${GIT[@]}" -C "$WORK" push -q origin main 2>/dev/null ||
	    fail "commit and push: $1"
	HEAD_COMMIT=$(git -C "$WORK" rev-parse HEAD)
}

# repo_add NAME [EXTRA_JSON_FIELDS]: registers ORIGIN (no polling).
repo_add() {
	api PUT "/api/repos/$1" "{\"url\": \"$ORIGIN\", \"interval_s\": 0${2:+, $2}}"
	case $STATUS in 200|201) ;; *) fail "PUT repo $1: $STATUS $BODY" ;; esac
}

repo_synced() {
	api GET "/api/repos/$1"
	[ "$(jqr .sync.commit)" = "$2" ] &&
	    case $(jqr .sync.state) in ok|failed) true ;; *) false ;; esac
}

# wait_synced NAME COMMIT [SECONDS]: BODY is then the repository.
wait_synced() {
	wait_for "${3:-60}" repo_synced "$1" "$2" ||
	    fail "repository $1 did not sync commit $2: $BODY"
}

# push_hook NAME SECRET: POSTs a GitHub-style push event signed with
# SECRET (STATUS, BODY set).
push_hook() {
	local body='{"ref":"refs/heads/main","after":"'"${HEAD_COMMIT:-}"'"}' sig
	sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$2" -r | cut -d' ' -f1)
	STATUS=$(curl -sk -o "$STACK_TMP/body" -w '%{http_code}' \
	    -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
	    -H "X-Hub-Signature-256: sha256=$sig" --data-binary "$body" \
	    "$SLUICE_URL/api/repos/$1/webhook")
	BODY=$(cat "$STACK_TMP/body")
}

# flow_file NAME COMMAND_JSON [EXTRA_FIELDS]: writes flows/NAME.json.
flow_file() {
	printf '{"name": "%s", "tasks": [{"name": "main", "command": %s, "workdir": "."%s}]}\n' \
	    "$1" "$2" "${3:+, $3}" >"$WORK/flows/$1.json"
}

# sync_now NAME: asks for a sync (POST .../sync) and waits for HEAD_COMMIT.
sync_now() {
	api POST "/api/repos/$1/sync" '{}'
	expect_status 202 "POST /api/repos/$1/sync"
	wait_synced "$1" "$HEAD_COMMIT"
}
