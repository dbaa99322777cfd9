#!/usr/bin/env bash
# Everything the tests need, then the tests (the README's test command; CI
# runs it through .ci/run). Stages, each must pass:
#   deps → style → build (-Werror) + ctest → core purity → ASan+UBSan build +
#   ctest → valgrind over the unit tests → libFuzzer for NF_FUZZ_SECONDS →
#   corpus quality gate → system tests against a real Kafka.
# Env: NF_SKIP_SYSTEM=1 skips the Kafka stage; NF_FUZZ_SECONDS (default 60).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
stage() { printf '\n=== %s ===\n' "$*"; }

stage deps
scripts/deps.sh

stage style
scripts/check-style.sh

stage "build + unit/golden/fuzz-replay tests"
scripts/build.sh build -DNF_WERROR=ON
ctest --test-dir build --output-on-failure -j2 -LE system

stage "core purity"
scripts/check-deps.sh build/worker/libnf_core.a

stage "ASan + UBSan"
scripts/build.sh build-asan -DNF_SANITIZE=ON -DNF_WERROR=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j2 -LE system

stage valgrind
shopt -s nullglob
for t in build/tests/test_nf_* build/tests/shell/test_* ; do
  [ -x "$t" ] || continue
  # the mock-cluster fault tests run librdkafka's threads for seconds: they
  # are covered by the ASan+UBSan stage, not worth minutes under valgrind
  case $t in *_fault) continue ;; esac
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    "$t" >/dev/null || { echo "valgrind: $t failed" >&2; exit 1; }
done
valgrind -q --error-exitcode=99 --leak-check=full build/tests/fuzz_nf_enrich_replay tests/fuzz/seeds/* >/dev/null
echo "valgrind: clean"

stage "fuzz (${NF_FUZZ_SECONDS:-60} s)"
scripts/fuzz.sh "${NF_FUZZ_SECONDS:-60}" 2>&1 | tail -5

stage "corpus quality gate"
scripts/quality-gate.sh

if [ "${NF_SKIP_SYSTEM:-0}" != 1 ] && [ -x scripts/system-test.sh ]; then
  stage "system tests (real Kafka)"
  scripts/system-test.sh
fi
stage "all tests passed"
