#!/usr/bin/env bash
# The main job end to end on this machine: install what is needed, build,
# start a local Apache Kafka, run a worker over the sample notices in
# samples/, print the enriched records read back from the output topics, and
# stop everything (scripts/demo-kafka.sh). NF_DEMO_OFFLINE=1 only runs the
# offline CLI over the samples.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/deps.sh
scripts/build.sh build -DNF_BUILD_TESTS=OFF
if [ "${NF_DEMO_OFFLINE:-0}" = 1 ]; then
  build/worker/noticeflow enrich --pretty samples/*.txt
  exit 0
fi
exec scripts/demo-kafka.sh
