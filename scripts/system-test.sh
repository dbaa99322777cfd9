#!/usr/bin/env bash
# System tests against a real Apache Kafka: starts one with scripts/kafka.sh
# (its own port and state dir, so a developer's broker is never touched),
# runs tests/system (pytest, in the cached venv of scripts/lib/pyenv.sh)
# against the REAL worker binary, stops Kafka, exits non-zero on failure.
#
#   scripts/system-test.sh [pytest args...]   e.g. -k crash, -x, or test
#                                             files (tests/system/test_x.py)
#
# Env: NF_BIN (default build/worker/noticeflow; built with scripts/build.sh
# when missing), NF_RELAY_BIN (default beside NF_BIN), NF_KAFKA_PORT
# (default 39392), NF_KAFKA_NODES (default 1; 3 runs on a replicated
# cluster), NF_KEEP_KAFKA=1 leaves Kafka running afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

export NF_BIN=${NF_BIN:-$root/build/worker/noticeflow}
export NF_RELAY_BIN=${NF_RELAY_BIN:-$(dirname "$NF_BIN")/nf-relay}
export NF_KAFKA_PORT=${NF_KAFKA_PORT:-39392}
if [ ! -x "$NF_BIN" ] || [ ! -x "$NF_RELAY_BIN" ]; then
    echo "system-test: building $(dirname "$(dirname "$NF_BIN")")" >&2
    scripts/build.sh "$(dirname "$(dirname "$NF_BIN")")"
fi
py=$(scripts/lib/pyenv.sh)

if [ "${NF_KEEP_KAFKA:-0}" != 1 ]; then
    trap 'scripts/kafka.sh stop' EXIT
fi
NF_BOOTSTRAP=$(scripts/kafka.sh start --nodes "${NF_KAFKA_NODES:-1}")
export NF_BOOTSTRAP
echo "system-test: Kafka at $NF_BOOTSTRAP, worker $NF_BIN" >&2

# Logs of every worker a test ran stay in $tmp/<test>/ after the run.
tmp=${NF_SYSTEM_TMP:-${TMPDIR:-/tmp}/noticeflow-system-$NF_KAFKA_PORT}
echo "system-test: worker logs under $tmp" >&2
# -rA: a line per test and the checkers' summaries (captured stdout).
targets=(tests/system)
for a in "$@"; do
    case $a in tests/*) targets=() ;; esac
done
"$py" -m pytest -p no:cacheprovider -q -rA --basetemp="$tmp" "${targets[@]}" "$@"
