#!/usr/bin/env bash
# scripts/image-base.sh ENGINE: makes sure ENGINE (podman or docker) holds
# the image the Dockerfile builds FROM, docker.io/library/debian:bookworm-slim.
# Present: nothing to do. Otherwise it is pulled; when no registry answers,
# a minimal Debian 12 made by debootstrap (--variant=minbase, from the apt
# mirror this machine uses) is imported under that name instead. The
# debootstrap tarball is cached in /var/tmp, so it is made once a machine.
# Like the official slim image, it keeps no documentation, manual pages or
# translations, and apt in it keeps no package caches.
# Making it needs root and debootstrap (scripts/deps.sh --image).
set -euo pipefail
engine=${1:?usage: scripts/image-base.sh podman|docker}
base=docker.io/library/debian:bookworm-slim
cache=${SLUICE_BASE_TAR:-/var/tmp/sluice-bookworm-slim.tar}

say() { echo "image-base: $*" >&2; }
die() { say "$*"; exit 1; }

# The first Debian archive this machine's apt uses (the security archive
# is its sibling), else deb.debian.org.
mirror() {
	local m
	m=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list \
	    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list |
	    grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ')
	echo "${m:-http://deb.debian.org/debian}"
}

# Writes apt sources like the official image's into the root at $1.
write_sources() {
	local m=${2%/}
	rm -f "$1/etc/apt/sources.list"
	cat >"$1/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $m
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $m-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
}

# Makes the root at $1 slim as the official image is: dpkg leaves out
# documentation (but copyrights), manual pages and translations, apt keeps
# no downloaded packages, caches or translated indexes; what debootstrap
# already installed of those goes.
slim_root() {
	cat >"$1/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
	cat >"$1/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
APT
	find "$1/usr/share/doc" -mindepth 1 -not -name copyright \
	    -not -type d -delete
	find "$1/usr/share/doc" -mindepth 1 -type d -empty -delete
	find "$1/usr/share/locale" -mindepth 1 -maxdepth 1 \
	    -not -name locale.alias -exec rm -rf {} +
	rm -rf "$1"/usr/share/man/* "$1"/usr/share/info/* \
	    "$1"/usr/share/groff/* "$1"/usr/share/lintian/*
	rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/cache/apt/*.bin \
	    "$1"/var/lib/apt/lists/* "$1"/var/log/*.log "$1"/tmp/*
}

# Makes $cache: debootstrap into a temp folder, make it slim, tar it.
make_tarball() {
	[ "$(id -u)" = 0 ] || die "making the base needs root"
	command -v debootstrap >/dev/null ||
	    die "debootstrap is missing (scripts/deps.sh --image)"
	local dir m
	dir=$(mktemp -d /var/tmp/sluice-bookworm.XXXXXX)
	m=$(mirror)
	say "debootstrap --variant=minbase bookworm from $m (once)"
	debootstrap --variant=minbase bookworm "$dir" "$m" \
	    >"$dir.log" 2>&1 || { tail -n 20 "$dir.log" >&2;
	    rm -rf "$dir"; die "debootstrap failed (log: $dir.log)"; }
	write_sources "$dir" "$m"
	slim_root "$dir"
	rm -f "$dir.log"
	tar --numeric-owner -C "$dir" -cf "$cache.part" .
	mv "$cache.part" "$cache"
	rm -rf "$dir"
}

if "$engine" image inspect "$base" >/dev/null 2>&1; then
	exit 0
fi
if timeout 120 "$engine" pull "$base" >/dev/null 2>&1; then
	say "pulled $base"
	exit 0
fi
say "no registry answered; importing a debootstrap'd bookworm as $base"
[ -s "$cache" ] || make_tarball
"$engine" import "$cache" "$base" >/dev/null || die "$engine import failed"
say "imported $base from $cache"
