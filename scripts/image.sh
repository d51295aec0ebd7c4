#!/usr/bin/env bash
# scripts/image.sh [TAG]: `make image`. Builds the Dockerfile into TAG
# (default sluice) with podman or docker, whichever is there (see
# scripts/image-engine.sh), after making sure the base image is present
# (scripts/image-base.sh: pulled, or imported from debootstrap without a
# registry). Prints the image's size at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tag=${1:-sluice}
source "$root/scripts/image-engine.sh" || exit 1

"$root/scripts/image-base.sh" "$engine"
echo "image: $engine build -t $tag ${build_flags[*]} $root" >&2
"$engine" build -t "$tag" "${build_flags[@]}" "$root"
size=$("$engine" image inspect --format '{{.Size}}' "$tag")
echo "image: $tag is $((size / 1000000)) MB ($size bytes)" >&2
