#!/usr/bin/env bash
# The Kafka part of the demo (scripts/demo.sh calls it after building):
# start a local Apache Kafka (scripts/kafka.sh), create topics, run the
# worker, feed samples/*.txt (or the files given), print the enriched
# records read back from the output topics as JSON, stop everything.
#
#   scripts/demo-kafka.sh [--compact] [FILE...]
#
# A Kafka that was already running (scripts/kafka.sh start) is used and left
# running; one started here is stopped at the end. Env: NF_BIN (default
# build/worker/noticeflow), NF_KAFKA_PORT (default 39092).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export NF_BIN=${NF_BIN:-$root/build/worker/noticeflow}
[ -x "$NF_BIN" ] || scripts/build.sh build -DNF_BUILD_TESTS=OFF
py=$(scripts/lib/pyenv.sh)

if scripts/kafka.sh status >/dev/null 2>&1; then
    echo "demo: using the running Kafka" >&2
else
    trap 'scripts/kafka.sh stop' EXIT
fi
NF_BOOTSTRAP=$(scripts/kafka.sh start)
export NF_BOOTSTRAP
echo "demo: Kafka at $NF_BOOTSTRAP" >&2
"$py" scripts/lib/demo_kafka.py "$@"
