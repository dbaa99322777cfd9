#!/usr/bin/env bash
# Fail when the core scores below the bar of issue 2 on ../shared/corpus.
# Skips (with a message) when the corpus is not beside the checkout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${NF_CORPUS:-$root/../shared/corpus}
if [ ! -d "$corpus/seed" ]; then
  echo "quality-gate: no corpus at $corpus, skipped"
  exit 0
fi
"$root/scripts/score.sh" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
bar = {"category_accuracy": 0.97, "published_date_exact": 0.95,
       "affected_count_exact": 0.90, "dates_f1": 0.93, "counts_f1": 0.90,
       "organization_exact": 0.85, "discovered_date_exact": 0.80}
bad = 0
for k, v in bar.items():
    ok = r[k] >= v
    bad += not ok
    verdict = "ok" if ok else "BELOW"
    print(f"{k:24s} {r[k]:.3f}  (bar {v:.2f}) {verdict}")
sys.exit(1 if bad else 0)
'
