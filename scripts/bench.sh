#!/usr/bin/env bash
# Performance report: one run, one machine, one local broker, a Markdown
# table on stdout (progress on stderr): enrichment MB/s per core, worker
# vs no-op relay, worker vs the same pipeline in Python, exactly-once vs
# at-least-once, p50/p99 latency at a fixed rate, RSS over 1,000,000
# documents. Method: scripts/lib/bench_report.py. Not a test.
#
#   scripts/bench.sh [--docs 50000] [--py-docs 20000] [--rate 1000]
#                    [--seconds 20] [--rss-docs 1000000] [--threads 2]
#                    [--rounds 3]
#
# Env: NF_BENCH_BUILD (default build-bench: Release, made when missing),
# NF_KAFKA_PORT (default 39592: its own broker, stopped at the end unless
# NF_KEEP_KAFKA=1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${NF_BENCH_BUILD:-$root/build-bench}
scripts/build.sh "$build" -DCMAKE_BUILD_TYPE=Release -DNF_BUILD_TESTS=OFF
export NF_BIN=$build/worker/noticeflow NF_RELAY_BIN=$build/worker/nf-relay
export NF_KAFKA_PORT=${NF_KAFKA_PORT:-39592}
py=$(scripts/lib/pyenv.sh)
if [ "${NF_KEEP_KAFKA:-0}" != 1 ]; then
    trap 'scripts/kafka.sh stop' EXIT
fi
NF_BOOTSTRAP=$(scripts/kafka.sh start)
export NF_BOOTSTRAP
"$py" scripts/lib/bench_report.py --bench-enrich "$build/worker/nf-bench-enrich" "$@"
