#!/usr/bin/env bash
# Alert latency: a notice produced to Kafka → its signed webhook received,
# p50/p99/max at a fixed rate (default 100 documents/s for 30 s), through
# the real `noticeflow run` + `noticeflow dispatch` on loopback (https with
# a test CA). Goal: p99 <= 50 ms. A benchmark, not a test.
#
#   scripts/bench-alerts.sh [--rate N] [--seconds S] [--direct]
#
# --direct produces alert messages straight to the alerts topic (the
# dispatcher alone). Env: NF_BIN (default build-bench/worker/noticeflow,
# built Release when missing), NF_KAFKA_PORT (default 39692: its own
# broker, stopped afterwards unless NF_KEEP_KAFKA=1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export NF_BIN=${NF_BIN:-$root/build-bench/worker/noticeflow}
if [ ! -x "$NF_BIN" ]; then
    scripts/build.sh "$(dirname "$(dirname "$NF_BIN")")" \
        -DCMAKE_BUILD_TYPE=Release -DNF_BUILD_TESTS=OFF
fi
export NF_KAFKA_PORT=${NF_KAFKA_PORT:-39692}
py=$(scripts/lib/pyenv.sh)
if [ "${NF_KEEP_KAFKA:-0}" != 1 ]; then
    trap 'scripts/kafka.sh stop' EXIT
fi
NF_BOOTSTRAP=$(scripts/kafka.sh start)
export NF_BOOTSTRAP
"$py" scripts/lib/bench_alerts.py "$@"
