#!/usr/bin/env bash
# Pipeline throughput: documents/s of the worker vs the no-op relay
# (nf-relay: same librdkafka delivery settings, no enrichment) on the same
# local Kafka, the same pre-filled input topic, a fresh group each run.
# Prints both and the ratio (method in scripts/lib/bench_pipeline.py).
#
#   scripts/bench-pipeline.sh [--docs 50000] [--partitions 6] [--rounds 1]
#                             [--threads 2] [--kafka K=V]...
#
# Env: NF_BIN (default build/worker/noticeflow), NF_RELAY_BIN (beside it),
# NF_KAFKA_PORT (default 39492: its own broker, stopped at the end).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export NF_BIN=${NF_BIN:-$root/build/worker/noticeflow}
export NF_RELAY_BIN=${NF_RELAY_BIN:-$(dirname "$NF_BIN")/nf-relay}
export NF_KAFKA_PORT=${NF_KAFKA_PORT:-39492}
if [ ! -x "$NF_BIN" ] || [ ! -x "$NF_RELAY_BIN" ]; then
    scripts/build.sh "$(dirname "$(dirname "$NF_BIN")")" -DNF_BUILD_TESTS=OFF
fi
py=$(scripts/lib/pyenv.sh)
trap 'scripts/kafka.sh stop' EXIT
NF_BOOTSTRAP=$(scripts/kafka.sh start)
export NF_BOOTSTRAP
"$py" scripts/lib/bench_pipeline.py "$@"
