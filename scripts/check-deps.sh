#!/usr/bin/env bash
# The core must stay pure: no I/O library headers under worker/core, and the
# built library may reference only libc and utf8proc symbols.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=${1:-build/worker/libnf_core.a}
status=0
if grep -nE '#include\s*[<"](librdkafka|rdkafka|avro|curl|jansson|stdio)' worker/core/*.[ch] \
   | grep -v 'nf_enrich.c:.*stdio'; then
  echo "check-deps: the core includes an I/O library" >&2
  status=1
fi
# nf_enrich.c uses stdio only for snprintf into caller buffers.
defined=$(nm -g --defined-only "$lib" | awk 'NF==3{print $3}' | sort -u)
undef=$(nm -u "$lib" | awk 'NF>=2{print $2}' | sort -u | comm -23 - <(echo "$defined"))
allowed='^(utf8proc_|mem|str|snprintf|vsnprintf|malloc|calloc|realloc|free|abort|__|_GLOBAL|qsort|bsearch|isw?|tolower|toupper)'
bad=$(echo "$undef" | grep -vE "$allowed" || true)
if [ -n "$bad" ]; then
  echo "check-deps: libnf_core.a references unexpected symbols:" >&2
  echo "$bad" >&2
  status=1
fi
for f in fopen getenv open read write socket rd_kafka_new curl_easy_init; do
  if echo "$undef" | grep -qx "$f"; then
    echo "check-deps: libnf_core.a calls $f" >&2; status=1
  fi
done
# exported symbols carry the nf_ prefix
exported=$(echo "$defined" | grep -v '^nf_' || true)
if [ -n "$exported" ]; then
  echo "check-deps: exported symbols without nf_ prefix:" >&2; echo "$exported" >&2; status=1
fi
exit $status
