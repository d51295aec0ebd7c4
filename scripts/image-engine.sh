# shellcheck shell=bash
# scripts/image-engine.sh (sourced): picks the container engine and its
# flags for `make image` and the image tests. Sets engine (SLUICE_ENGINE,
# else podman, else docker), build_flags and run_flags; returns 1 with a
# message when neither engine is installed.
#
# With podman: --format docker keeps HEALTHCHECK (OCI images drop it);
# --pull=never because scripts/image-base.sh provides the base; runc, not
# crun, when it is installed (crun fails on cgroup v1/hybrid hosts), and
# explicit ulimits for builds and runs (the default rlimits fail there);
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
	run_flags=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
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
