#!/usr/bin/env bash
# Configure and build one flavour: scripts/build.sh [DIR] [cmake args...]
# DIR defaults to build/. Prints nothing but errors on success.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
# quiet on success; on failure show what the compiler said
if ! out=$(ninja -C "$dir" 2>&1); then
  printf '%s\n' "$out" | grep -v '^\[' >&2
  exit 1
fi
