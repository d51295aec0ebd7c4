#!/usr/bin/env bash
# PUT /api/repos/{repo} refuses what git must never be handed, with a 400
# whose message begins with the field: URLs that are options ("-..."),
# git's transport::address form, other schemes, https credentials,
# control characters; refs with "..", a leading "-" or odd characters;
# absolute or climbing paths; intervals out of range; env keys other
# than PIP_*; non-string secrets and a non-PEM ssh key; unknown keys and
# a bad name. Nothing is stored. The accepted URL forms are accepted.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

bad() { # FIELD BODY
	api PUT /api/repos/r "$2"
	expect_status 400 "$2"
	case $(jqr .error.message) in
	"$1"*) ;;
	*) fail "$2: message does not name $1: $BODY" ;;
	esac
}
bad url '{}'
bad url '{"url": 5}'
bad url '{"url": ""}'
bad url '{"url": "-uhttps://x/y"}'
bad url '{"url": "--upload-pack=touch /tmp/x"}'
bad url '{"url": "/srv/-x.git"}'
bad url '{"url": "ext::sh -c touch% /tmp/pwned"}'
bad url '{"url": "fd::17"}'
bad url '{"url": "http://git.example/x.git"}'
bad url '{"url": "ftp://git.example/x.git"}'
bad url '{"url": "https://user:pw@git.example/x.git"}'
bad url '{"url": "https://tok@git.example/x.git"}'
bad url '{"url": "https://git.example"}'
bad url '{"url": "https://-oProxyCommand=x/y"}'
bad url '{"url": "ssh://git:pw@host/x.git"}'
bad url '{"url": "ssh://host:22x/x.git"}'
bad url '{"url": "git@host:-x"}'
bad url '{"url": "relative/path"}'
bad url '{"url": "file://relative"}'
bad url '{"url": "/srv/x\ny.git"}'
bad url '{"url": "/srv/x\u0000y"}'
bad ref '{"url": "/srv/x.git", "ref": "-main"}'
bad ref '{"url": "/srv/x.git", "ref": "a..b"}'
bad ref '{"url": "/srv/x.git", "ref": "main lock"}'
bad ref '{"url": "/srv/x.git", "ref": "x.lock"}'
bad ref '{"url": "/srv/x.git", "ref": "a/.b"}'
bad ref '{"url": "/srv/x.git", "ref": "@{1}"}'
bad ref '{"url": "/srv/x.git", "ref": ""}'
bad ref '{"url": "/srv/x.git", "ref": 1}'
bad path '{"url": "/srv/x.git", "path": "/etc"}'
bad path '{"url": "/srv/x.git", "path": "flows/../.."}'
bad path '{"url": "/srv/x.git", "path": "-x/"}'
bad path '{"url": "/srv/x.git", "path": "a\\b"}'
bad interval_s '{"url": "/srv/x.git", "interval_s": 5}'
bad interval_s '{"url": "/srv/x.git", "interval_s": 86401}'
bad interval_s '{"url": "/srv/x.git", "interval_s": -1}'
bad interval_s '{"url": "/srv/x.git", "interval_s": "60"}'
bad interval_s '{"url": "/srv/x.git", "interval_s": 60.5}'
bad env '{"url": "/srv/x.git", "env": []}'
bad env '{"url": "/srv/x.git", "env": {"PATH": "/tmp"}}'
bad env '{"url": "/srv/x.git", "env": {"LD_PRELOAD": "/tmp/x.so"}}'
bad env '{"url": "/srv/x.git", "env": {"PIP_": "x"}}'
bad env '{"url": "/srv/x.git", "env": {"pip_index_url": "x"}}'
bad env.PIP_NO_INDEX '{"url": "/srv/x.git", "env": {"PIP_NO_INDEX": 1}}'
bad env.PIP_INDEX_URL '{"url": "/srv/x.git", "env": {"PIP_INDEX_URL": "a\nb"}}'
bad webhook_secret '{"url": "/srv/x.git", "webhook_secret": ""}'
bad webhook_secret '{"url": "/srv/x.git", "webhook_secret": 12345}'
bad token '{"url": "/srv/x.git", "token": "a\tb"}'
bad ssh_key '{"url": "/srv/x.git", "ssh_key": "ssh-ed25519 AAAA me@host"}'
bad ssh_key '{"url": "/srv/x.git", "ssh_key": true}'
bad body '{"url": "/srv/x.git", "branch": "main"}'
api PUT /api/repos/Bad_Name '{"url": "/srv/x.git"}'
expect_status 400 "bad name"
api PUT /api/repos/r '["url"]'
expect_status 400 "not an object"
api GET /api/repos
[ "$(jqr '.items | length')" = 0 ] || fail "something was stored: $BODY"

n=0
for url in /srv/git/x.git file:///srv/git/x.git https://git.example/t/x.git \
    https://git.example:8443/t/x.git ssh://git@git.example/t/x.git \
    ssh://git.example:2222/t/x.git git@github.com:team/x.git; do
	n=$((n + 1))
	api PUT "/api/repos/ok$n" "{\"url\": \"$url\", \"ref\": \"release/v1.2\",
	    \"ssh_key\": \"-----BEGIN OPENSSH PRIVATE KEY-----\\nAAAA\\n-----END OPENSSH PRIVATE KEY-----\\n\"}"
	expect_status 201 "$url"
	[ "$(jqr .url)" = "$url" ] && [ "$(jqr .has_ssh_key)" = true ] ||
	    fail "$url stored as: $BODY"
done
echo ok
