#!/usr/bin/env bash
# Fault-injection suite on a three-broker Kafka (replication factor 3,
# min.insync.replicas 2; scripts/kafka.sh start --nodes 3 on its own port):
# worker SIGKILLs, broker SIGKILLs, broker SIGSTOPs, a squeezed producer
# queue and an exceeded max.poll.interval.ms, each run for at-least-once
# and exactly-once side by side, each printing "VERDICT ..." lines; plus
# the checker's negative controls. Not part of scripts/test.sh (long).
#
#   scripts/faults.sh [SCENARIO ...]    1 2 3 4 5 neg (default: all)
#
# Env: NF_FAULT_DOCS (default 100000), NF_FAULT_RATE (input docs/s while
# the faults run, default 2000), NF_FAULT_STOPS (default 10), NF_FAULT_CONFIG
# (k=v,k=v worker settings for every pipeline),
# NF_KAFKA_PORT (default 39892), NF_KEEP_KAFKA=1, NF_BIN (default: a test
# build with -DNF_TEST_HOOKS=ON in build-faults/, made when missing; the
# hooks never exist in the production binary). Exit 1 if any verdict fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ -z "${NF_BIN:-}" ]; then
    export NF_BIN=$root/build-faults/worker/noticeflow
    if [ ! -x "$NF_BIN" ] || [ "$(find worker -newer "$NF_BIN" -name '*.[ch]' | head -1)" ]; then
        scripts/build.sh build-faults -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DNF_TEST_HOOKS=ON -DNF_BUILD_TESTS=OFF >&2
    fi
fi
export NF_KAFKA_PORT=${NF_KAFKA_PORT:-39892}
py=$(scripts/lib/pyenv.sh)
if [ "${NF_KEEP_KAFKA:-0}" != 1 ]; then
    trap 'scripts/kafka.sh stop' EXIT
fi
NF_BOOTSTRAP=$(scripts/kafka.sh start --nodes 3)
export NF_BOOTSTRAP
echo "faults: Kafka at $NF_BOOTSTRAP, worker $NF_BIN" >&2
"$py" scripts/lib/faults.py "$@" | tee "${NF_FAULT_TMP:-/tmp/noticeflow-faults}.out"
