#!/usr/bin/env bash
# Enrichment speed: MB/s of notice text on one core and µs per document,
# over the corpus repeated. A benchmark, not a test.
# Usage: scripts/bench-enrich.sh [REPEAT]   (default 200 passes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DNF_BUILD_TESTS=OFF
corpus=${NF_CORPUS:-$root/../shared/corpus}
files=$(ls "$corpus"/seed/*.txt "$corpus"/dev/*.txt 2>/dev/null || ls "$root"/samples/*.txt)
taskset -c 0 "$root/build-bench/worker/nf-bench-enrich" "${1:-200}" $files
