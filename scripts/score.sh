#!/usr/bin/env bash
# Score the enrichment core against ../shared/corpus (seed + dev) with the
# shared scorer. Usage: scripts/score.sh [--show-errors] [--json]
# Env: NF_BIN (default build/worker/noticeflow), NF_CORPUS (default ../shared/corpus).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${NF_BIN:-$root/build/worker/noticeflow}
corpus=${NF_CORPUS:-$root/../shared/corpus}
tools=$(dirname "$corpus")/tools
[ -x "$bin" ] || "$root/scripts/build.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat "$corpus"/seed/labels.jsonl "$corpus"/dev/labels.jsonl > "$tmp/gold.jsonl"
"$bin" enrich "$corpus"/seed/*.txt "$corpus"/dev/*.txt > "$tmp/pred.jsonl"
python3 "$tools/score_corpus.py" "$tmp/gold.jsonl" "$tmp/pred.jsonl" "$@"
