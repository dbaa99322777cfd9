#!/usr/bin/env bash
# Run the libFuzzer target over the core for a fixed time (default 60 s),
# starting from the committed seeds. Usage: scripts/fuzz.sh [SECONDS]
# A crash leaves its input as crash-* in build-fuzz/ and exits non-zero.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
"$root/scripts/deps.sh"
CC=clang "$root/scripts/build.sh" "$root/build-fuzz" -DNF_FUZZ=ON -DNF_SANITIZE=ON
work="$root/build-fuzz/corpus"
mkdir -p "$work"
cd "$root/build-fuzz"
ASAN_OPTIONS=detect_leaks=1 ./tests/fuzz_nf_enrich -max_total_time="$secs" \
  -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  "$work" "$root/tests/fuzz/seeds"
