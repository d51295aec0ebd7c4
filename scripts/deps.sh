#!/usr/bin/env bash
# scripts/deps.sh [--test] [--image]: makes sure the Debian packages Sluice
# needs are installed. Used by `make deps` (and so `make run`); `--test` adds
# what the test suite needs (Chromium and Node for the browser tests,
# croniter as a cron reference, PyYAML for the CI files of `sluicectl
# init`, valgrind) and installs the browser tests'
# npm packages into tests/browser/node_modules when they are missing;
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

browser_dir=$root/tests/browser
need_npm=0
# True when tests/browser/node_modules holds the playwright-core version
# package.json pins (1.56.x: the last that runs on Debian 12's Node 18),
# so a checkout updated to a new pin installs it again.
npm_current() {
	local want have
	want=$(sed -n 's/.*"playwright-core": *"\([^"]*\)".*/\1/p' \
	    "$browser_dir/package.json")
	have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
	    "$browser_dir/node_modules/playwright-core/package.json" \
	    2>/dev/null | head -n 1)
	[ -n "$have" ] && [ "$have" = "$want" ]
}
if [ $test_mode = 1 ]; then
	packages+=("${test_packages[@]}")
	# A Node.js from elsewhere (NodeSource) brings npm and conflicts with
	# Debian's npm package: ask for the commands, not the packages.
	command -v node >/dev/null 2>&1 || packages+=(nodejs)
	if [ -f "$browser_dir/package.json" ] && ! npm_current; then
		need_npm=1
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

if [ $need_npm = 1 ]; then
	echo "deps.sh: installing the browser tests' npm packages" >&2
	cd "$browser_dir"
	if [ -f package-lock.json ]; then
		npm ci --no-audit --no-fund
	else
		npm install --no-audit --no-fund
	fi
fi
