# shellcheck shell=bash
# scripts/image-engine.sh (sourced): picks the container engine and its
# flags for `make image` and the image tests. Sets engine (SLUICE_ENGINE,
# else podman, else docker), build_flags and run_flags; returns 1 with a
# message when neither engine is installed.
#
# With podman: --format docker keeps HEALTHCHECK (OCI images drop it);
# --pull=never because scripts/image-base.sh provides the base; runc, not
# crun, when it is installed (crun fails on cgroup v1/hybrid hosts), and
# explicit ulimits for builds and runs, at most the host's hard limits
# (podman's default rlimits fail there);
# --network=host for the build, so apt reaches the mirror the host does.
engine=${SLUICE_ENGINE:-}
if [ -z "$engine" ]; then
	if command -v podman >/dev/null 2>&1; then engine=podman
	elif command -v docker >/dev/null 2>&1; then engine=docker
	fi
fi
build_flags=()
run_flags=()
# shellcheck disable=SC2034  # used by the scripts that source this
case $engine in
podman)
	# 20000 files and 32768 processes work on the machines this was
	# written on (podman's defaults fail there), or the host's hard
	# limits where those are lower.
	nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
	[ "$nofile" = unlimited ] || [ "$nofile" -gt 20000 ] && nofile=20000
	[ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
	run_flags=(--ulimit "nofile=$nofile:$nofile"
	    --ulimit "nproc=$nproc:$nproc")
	build_flags=(--format docker --pull=never --network=host
	    "${run_flags[@]}")
	if command -v runc >/dev/null 2>&1; then
		build_flags+=(--runtime runc)
		run_flags+=(--runtime runc)
	fi ;;
docker)
	build_flags=(--pull=false --network=host) ;;
'')
	echo "neither podman nor docker is installed" \
	    "(as root: scripts/deps.sh --image installs podman)" >&2
	return 1 ;;
esac
