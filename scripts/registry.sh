#!/usr/bin/env bash
# A real Confluent-compatible schema registry on this machine, for the
# confluent-framing tests and demos: Apicurio Registry (Apache-2.0) from
# Maven Central, serving Confluent's Schema Registry REST API under
# /apis/ccompat/v7, storing its schemas in our Kafka (kafkasql storage).
#
#   scripts/registry.sh start    start (idempotent); returns once the API
#                                answers; prints the Confluent-compatible
#                                base URL (schema.registry.url)
#   scripts/registry.sh stop     stop (ok when stopped); deletes its state
#   scripts/registry.sh status   exit 0 when answering, 3 when stopped
#   scripts/registry.sh url      print the base URL
#   scripts/registry.sh fetch    only fetch the distribution into the cache
#   scripts/registry.sh logs     tail its log
#
# Why Apicurio: Karapace (the issue's first choice) is not published on
# PyPI (`pip install karapace`: "No matching distribution"), and
# Confluent's own registry is not on Maven Central. Apicurio publishes its
# runnable Quarkus distribution there as
# io.apicurio:apicurio-registry-app:<v>:tar.gz:all. It needs Java 21+
# (class files 65): found as $NF_REGISTRY_JAVA, $JAVA_HOME, or the newest
# /usr/lib/jvm/*/bin/java.
#
# Environment:
#   NF_REGISTRY_PORT     HTTP port (default 38081); management on PORT+1
#   NF_REGISTRY_VERSION  Apicurio version (default 3.3.3)
#   NF_REGISTRY_STORAGE  kafkasql (default: journal topic in Kafka) or mem
#   NF_BOOTSTRAP         Kafka for kafkasql (default: scripts/kafka.sh
#                        bootstrap)
#   NF_REGISTRY_STATE_DIR pid, log (default
#                        ${TMPDIR:-/tmp}/noticeflow-registry-$PORT)
#   NF_REGISTRY_START_TIMEOUT seconds to wait for the API (default 180)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${NF_REGISTRY_VERSION:-3.3.3}
port=${NF_REGISTRY_PORT:-38081}
storage=${NF_REGISTRY_STORAGE:-kafkasql}
cache_root=${NF_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/noticeflow}
dist=$cache_root/apicurio-registry-$version
state=${NF_REGISTRY_STATE_DIR:-${TMPDIR:-/tmp}/noticeflow-registry-$port}
start_timeout=${NF_REGISTRY_START_TIMEOUT:-180}
url=http://127.0.0.1:$port/apis/ccompat/v7

die() { echo "registry.sh: $*" >&2; exit 1; }
log() { echo "registry.sh: $*" >&2; }

java_major() {
    "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}

find_java() {
    local j v best="" bestv=0
    for j in "${NF_REGISTRY_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" \
        /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
        [ -n "$j" ] && [ -x "$j" ] || continue
        v=$(java_major "$j")
        [ -n "$v" ] || continue
        if [ "$v" -ge 21 ] && [ "$v" -gt "$bestv" ]; then
            best=$j
            bestv=$v
        fi
    done
    [ -n "$best" ] || die "Java 21+ needed by Apicurio Registry $version; none found (set NF_REGISTRY_JAVA)"
    echo "$best"
}

ensure_dist() {
    [ -f "$dist/.complete" ] && return 0
    command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
    local tmp
    tmp=$(mktemp -d)
    log "fetching io.apicurio:apicurio-registry-app:$version (Maven Central)"
    if ! mvn -B -q dependency:copy \
        -Dartifact="io.apicurio:apicurio-registry-app:$version:tar.gz:all" \
        -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1; then
        tail -20 "$tmp/mvn.log" >&2
        rm -rf "$tmp"
        die "mvn could not fetch Apicurio Registry $version"
    fi
    rm -rf "$dist"
    mkdir -p "$dist"
    tar xzf "$tmp"/apicurio-registry-app-"$version"-all.tar.gz -C "$dist"
    rm -rf "$tmp"
    [ -f "$dist/quarkus-run.jar" ] || die "no quarkus-run.jar in the distribution"
    touch "$dist/.complete"
}

# Our pid only if it is the registry java of this state dir.
reg_pid() {
    local pid
    [ -f "$state/pid" ] || return 1
    pid=$(cat "$state/pid")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
        grep -qF "noticeflow.state=$state" || return 1
    echo "$pid"
}

answering() {
    curl -fsS --max-time 3 "$url/subjects" >/dev/null 2>&1
}

cmd_start() {
    local java pid i bootstrap props=()
    if reg_pid >/dev/null && answering; then
        echo "$url"
        return 0
    fi
    ensure_dist
    java=$(find_java)
    mkdir -p "$state"
    if [ "$storage" = kafkasql ]; then
        bootstrap=${NF_BOOTSTRAP:-$("$root/scripts/kafka.sh" bootstrap)}
        # a journal topic per start: a fresh registry every time, even on a
        # broker that outlives it
        props+=(-Dapicurio.storage.kind=kafkasql
            "-Dapicurio.kafkasql.bootstrap.servers=$bootstrap"
            "-Dapicurio.kafkasql.topic=noticeflow-registry-$port-$(date +%s)")
    elif [ "$storage" != mem ]; then
        die "NF_REGISTRY_STORAGE must be kafkasql or mem"
    fi
    log "starting Apicurio Registry $version on 127.0.0.1:$port ($storage; $java)"
    # setsid: its own process group, so a test's Ctrl-C does not reach it
    setsid "$java" -Xmx512m "-Dnoticeflow.state=$state" \
        -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$port" \
        -Dquarkus.management.host=127.0.0.1 \
        "-Dquarkus.management.port=$((port + 1))" \
        "${props[@]}" -jar "$dist/quarkus-run.jar" \
        >"$state/registry.log" 2>&1 </dev/null &
    echo $! >"$state/pid"
    for ((i = 0; i < start_timeout * 2; i++)); do
        if answering; then
            log "ready: $url"
            echo "$url"
            return 0
        fi
        pid=$(cat "$state/pid")
        if ! kill -0 "$pid" 2>/dev/null; then
            grep -v '^\s*at ' "$state/registry.log" | tail -20 >&2
            die "registry exited during start-up (log: $state/registry.log)"
        fi
        sleep 0.5
    done
    tail -20 "$state/registry.log" >&2
    die "registry not answering after ${start_timeout}s"
}

cmd_stop() {
    local pid i
    if pid=$(reg_pid); then
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 60; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$state"
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status)
    if reg_pid >/dev/null && answering; then
        echo "answering: $url"
    else
        echo "stopped"
        exit 3
    fi
    ;;
url) echo "$url" ;;
fetch) ensure_dist ;;
logs) tail -50 "$state/registry.log" ;;
*)
    sed -n '2,30p' "$0" >&2
    exit 2
    ;;
esac
