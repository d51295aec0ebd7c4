#!/usr/bin/env bash
# scripts/deps.sh [--test] [--image]: makes sure the Debian packages Sluice
# needs are installed. Used by `make deps` (and so `make run`); `--test` adds
# what the test suite needs (Chromium and Node for the browser tests,
# croniter as a cron reference, PyYAML for the CI files of `sluicectl
# init`, valgrind) and installs the npm packages of the
# browser tests (tests/browser) and the contract test (tests/lib/openapi)
# when they are missing or not the pinned versions;
# `--image` (`make test-image`) adds what building and running the image
# needs: podman and runc unless a docker engine answers, and debootstrap
# for a base image when no registry does.
#
# Quick when nothing is missing: it only asks dpkg, never apt-get update.
# As root it installs what is missing (apt-get update, then apt-get
# install -y); otherwise it prints the command to run and exits 1.
# On a system without dpkg it warns and leaves the build to fail or not.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

test_mode=0
image_mode=0
for arg in "$@"; do
	case $arg in
	--test) test_mode=1 ;;
	--image) image_mode=1 ;;
	-h|--help)
		sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
		exit 0 ;;
	*) echo "usage: scripts/deps.sh [--test] [--image]" >&2; exit 2 ;;
	esac
done

# Build, runtime and tool packages. "a|b" accepts either (the first is
# installed when neither is): any nginx flavour has auth_request.
packages=(
	build-essential pkg-config
	libfcgi-dev libfcgi-bin libsqlite3-dev sqlite3 libjson-c-dev
	libcrypt-dev libcurl4-openssl-dev
	"nginx-light|nginx-core|nginx-full|nginx-extras"
	openssl curl jq ca-certificates python3 python3-venv git tzdata
)
test_packages=(chromium python3-croniter python3-wheel python3-yaml valgrind)

# The test suite's npm packages: each folder's package.json pins exact
# versions (package-lock.json pins the rest) of packages that run on
# Debian 12's Node 18: the browser tests' playwright-core (1.56.x, the
# last that does) and the contract test's OpenAPI validator and ajv.
# Each folder is named with the package whose installed version tells
# whether it is current.
npm_dirs=("$root/tests/browser:playwright-core"
    "$root/tests/lib/openapi:@seriousme/openapi-schema-validator")
stale_npm_dirs=()
# npm_current DIR PACKAGE: true when DIR/node_modules holds the version
# of PACKAGE that DIR/package.json pins, so a checkout updated to a new
# pin installs it again.
npm_current() {
	local want have
	want=$(sed -n "s|.*\"$2\": *\"\([^\"]*\)\".*|\1|p" \
	    "$1/package.json")
	have=$(sed -n 's/^[[:space:]]*"version": *"\([^"]*\)".*/\1/p' \
	    "$1/node_modules/$2/package.json" 2>/dev/null | head -n 1)
	[ -n "$have" ] && [ "$have" = "$want" ]
}
if [ $test_mode = 1 ]; then
	packages+=("${test_packages[@]}")
	# A Node.js from elsewhere (NodeSource) brings npm and conflicts with
	# Debian's npm package: ask for the commands, not the packages.
	command -v node >/dev/null 2>&1 || packages+=(nodejs)
	for spec in "${npm_dirs[@]}"; do
		dir=${spec%%:*}
		[ -f "$dir/package.json" ] && ! npm_current "$dir" "${spec#*:}" &&
		    stale_npm_dirs+=("$dir")
	done
	if [ ${#stale_npm_dirs[@]} -gt 0 ]; then
		command -v npm >/dev/null 2>&1 || packages+=(npm)
	fi
fi

if [ $image_mode = 1 ]; then
	packages+=(debootstrap)
	docker info >/dev/null 2>&1 || packages+=(podman runc)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: not a Debian system (no dpkg-query); make sure these" \
	    "are installed: ${packages[*]}" >&2
	exit 0
fi

installed() {
	local status
	status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[ "$status" = "install ok installed" ]
}

missing=()
for spec in "${packages[@]}"; do
	found=0
	IFS='|' read -r -a alternatives <<<"$spec"
	for p in "${alternatives[@]}"; do
		if installed "$p"; then found=1; break; fi
	done
	[ $found = 1 ] || missing+=("${alternatives[0]}")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
		echo "deps.sh: install them as root with:" >&2
		echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "deps.sh: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q "${missing[@]}"
fi

# npm ci installs exactly what package-lock.json pins, or fails.
for dir in "${stale_npm_dirs[@]}"; do
	echo "deps.sh: installing the npm packages of ${dir#"$root"/}" >&2
	(cd "$dir" && npm ci --no-audit --no-fund)
done
