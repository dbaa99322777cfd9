#!/usr/bin/env bash
# Keep README's configuration reference equal to the code's own table
# (`noticeflow run --help-config`).
#   scripts/config-doc.sh [--check] [BIN]
# Without --check, rewrites the block between the config-reference markers;
# with --check, exits 1 when README differs (a ctest runs this).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
bin=${1:-$root/build/worker/noticeflow}
python3 - "$root/README.md" "$check" "$("$bin" run --help-config)" <<'PY'
import sys
path, check, table = sys.argv[1], sys.argv[2] == "1", sys.argv[3].strip()
text = open(path, encoding="utf-8").read()
begin, end = "<!-- config-reference:begin -->", "<!-- config-reference:end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
new = f"{head}{begin}\n{table}\n{end}{tail}"
if check:
    if new != text:
        sys.exit("README.md config reference differs from `noticeflow run "
                 "--help-config`: run scripts/config-doc.sh")
else:
    open(path, "w", encoding="utf-8").write(new)
PY
