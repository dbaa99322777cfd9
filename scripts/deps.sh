#!/usr/bin/env bash
# Install the Debian packages noticeflow builds and tests with (idempotent:
# does nothing when all are present). Why each one is in README "Dependencies".
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build pkg-config  # toolchain
  libutf8proc-dev      # core: UTF-8 validation and decoding
  libjansson-dev       # JSON: CLI output, envelopes
  librdkafka-dev       # Kafka consumer/producer
  libavro-dev          # Avro encoding of records
  libcurl4-openssl-dev # webhooks
  libssl-dev openssl   # webhook signatures (libcrypto); test CA (CLI)
  libmicrohttpd-dev    # /metrics, /healthz, /readyz endpoint
  clang libclang-rt-14-dev  # libFuzzer target
  clang-format         # style check
  valgrind             # memcheck of the unit tests
  python3 python3-venv # test harnesses, scorer
  python3-yaml         # deploy/ manifest checks (ctest deploy.*)
  default-jre-headless maven  # real Apache Kafka from Maven Central jars
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
