#!/usr/bin/env bash
# Style gate: clang-format conformance and banned functions in our C code.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h')
status=0
if command -v clang-format >/dev/null; then
  if ! clang-format --dry-run --Werror $files 2>/tmp/nf-format.$$; then
    head -40 /tmp/nf-format.$$ >&2
    echo "check-style: run clang-format -i on the files above" >&2
    status=1
  fi
  rm -f /tmp/nf-format.$$
fi
# Unbounded or locale/thread-unsafe calls (curl and Redis ban the same).
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll|strncpy)\s*\('
if grep -nE "$banned" $files | grep -vE '^\S+:[0-9]+:\s*(/\*|\*)'; then
  echo "check-style: banned function (use snprintf/memcpy/strtol)" >&2
  status=1
fi
exit $status
