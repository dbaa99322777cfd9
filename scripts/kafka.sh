#!/usr/bin/env bash
# A real Apache Kafka 4.x on this machine, from its jars (KRaft, no docker).
#
#   scripts/kafka.sh start [--nodes N] [--sasl]
#                                        start 1 (default) or N combined
#                                        broker+controller nodes; returns when
#                                        every broker answers a metadata
#                                        request; prints the bootstrap address
#                                        (PLAINTEXT). --sasl adds a SASL_SSL
#                                        listener per node (SCRAM-SHA-512
#                                        user, TLS from a CA made here)
#   scripts/kafka.sh sasl                the SASL_SSL listener as key=value
#                                        lines: bootstrap, ca (PEM of the CA),
#                                        untrusted_ca (another CA, for
#                                        negative tests), mechanism,
#                                        username, password
#   scripts/kafka.sh stop [--keep]       stop (ok when stopped); deletes the
#                                        data unless --keep
#   scripts/kafka.sh status              per node: pid, answering or not
#                                        (exit 0 all up, 3 stopped, 1 partial)
#   scripts/kafka.sh bootstrap           print the bootstrap address
#   scripts/kafka.sh topic NAME PARTITIONS [RF] [--config k=v ...]
#                                        create a topic (if not exists)
#   scripts/kafka.sh fetch               only fetch the jars into the cache
#   scripts/kafka.sh logs [NODE]         tail a node's log
#
# Idempotent: start twice = the same broker(s); a dead node found by start
# is restarted on its data. Everything on 127.0.0.1.
#
# Environment:
#   NF_KAFKA_PORT     first broker port (default 39092); node i of N listens
#                     on PORT+i-1, its controller on PORT+N+i-1
#   NF_KAFKA_VERSION  Kafka version from Maven Central (default 4.1.1)
#   NF_KAFKA_CACHE    jar cache (default ~/.cache/noticeflow); jars land in
#                     $NF_KAFKA_CACHE/kafka-$NF_KAFKA_VERSION/libs
#   NF_KAFKA_STATE_DIR data, configs, logs, pids (default
#                     ${TMPDIR:-/tmp}/noticeflow-kafka-$NF_KAFKA_PORT)
#   NF_KAFKA_HEAP     JVM heap per node (default 512m)
#   NF_KAFKA_START_TIMEOUT seconds to wait for readiness (default 120)
#   NF_KAFKA_SASL_USER, NF_KAFKA_SASL_PASSWORD  the SCRAM user made by
#                     start --sasl (default noticeflow / noticeflow-test-secret)
#
# SASL_SSL (--sasl): node i also listens on PORT+2N+i-1 (after the
# controllers) with SASL_SSL, SCRAM-SHA-512 only; brokers still talk to
# each other over PLAINTEXT, and the PLAINTEXT listener stays, so tools and
# plain tests are unaffected. The CA, the broker certificate (SAN
# 127.0.0.1, localhost) and a second, untrusted CA are made with the
# openssl CLI in $NF_KAFKA_STATE_DIR/tls; the broker keystore is PEM
# (ssl.keystore.type=PEM). The SCRAM credential is written at format time
# (StorageTool format --add-scram), so it exists before the broker starts.
#
# Jars: `mvn dependency:copy-dependencies` over a generated pom naming
# org.apache.kafka:kafka_2.13 (broker, kafka.tools.StorageTool),
# org.apache.kafka:kafka-tools (TopicCommand; Kafka Connect excluded: not
# needed) and log4j-slf4j-impl: Kafka 4.x logs through slf4j 1.7 but its pom
# brings no binding, so without it the broker logs nothing at all.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${NF_KAFKA_VERSION:-4.1.1}
log4j_version=${NF_KAFKA_LOG4J_VERSION:-2.24.3}
port=${NF_KAFKA_PORT:-39092}
cache_root=${NF_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/noticeflow}
cache=$cache_root/kafka-$version
libs=$cache/libs
state=${NF_KAFKA_STATE_DIR:-${TMPDIR:-/tmp}/noticeflow-kafka-$port}
heap=${NF_KAFKA_HEAP:-512m}
sasl_user=${NF_KAFKA_SASL_USER:-noticeflow}
sasl_password=${NF_KAFKA_SASL_PASSWORD:-noticeflow-test-secret}
start_timeout=${NF_KAFKA_START_TIMEOUT:-120}
ping=(python3 "$root/scripts/lib/kafka_ping.py")

die() { echo "kafka.sh: $*" >&2; exit 1; }
log() { echo "kafka.sh: $*" >&2; }

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    java=$JAVA_HOME/bin/java
else
    java=java
fi

broker_port() { echo $((port + $1 - 1)); }
# Controllers right after the brokers: PORT..PORT+N-1 brokers,
# PORT+N..PORT+2N-1 controllers, so clusters on ports 100 apart never meet.
controller_port() { echo $((port + $(recorded_nodes) + $1 - 1)); }
# SASL_SSL listeners after the controllers (start --sasl only).
sasl_port() { echo $((port + 2 * $(recorded_nodes) + $1 - 1)); }
sasl_on() { [ -f "$state/sasl" ]; }

bootstrap_of() {
    local n=$1 i out=""
    for ((i = 1; i <= n; i++)); do
        out+="${out:+,}127.0.0.1:$(broker_port "$i")"
    done
    echo "$out"
}

recorded_nodes() { cat "$state/nodes" 2>/dev/null || echo 0; }

# A pid file names a live process only if it is our java for this state dir
# (pids are recycled: never signal a stranger).
node_pid() {
    local f=$state/node-$1/pid pid
    [ -f "$f" ] || return 1
    pid=$(cat "$f")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$state/node-$1/" \
        || return 1
    echo "$pid"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_java() {
    command -v "$java" >/dev/null || die "java not found (Java 17+ needed)"
    local v
    v=$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    [ -n "$v" ] && [ "$v" -ge 17 ] || die "Java 17+ needed, found: ${v:-?}"
}

# Fetch the jar set once; later runs only check the marker.
ensure_jars() {
    [ -f "$cache/.complete" ] && return 0
    command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
    mkdir -p "$cache_root"
    exec 8>"$cache_root/.fetch.lock"
    flock -w 600 8 || die "timed out waiting for another fetch"
    if [ -f "$cache/.complete" ]; then exec 8>&-; return 0; fi
    log "fetching Apache Kafka $version jars from Maven Central into $libs"
    local tmp
    tmp=$(mktemp -d "$cache_root/.fetch.XXXXXX")
    cat >"$tmp/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.noticeflow</groupId>
  <artifactId>kafka-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$version</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$version</version>
      <exclusions>
        <exclusion>
          <groupId>org.apache.kafka</groupId>
          <artifactId>connect-runtime</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$log4j_version</version>
    </dependency>
  </dependencies>
</project>
EOF
    if ! mvn -B -q -f "$tmp/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp/libs" >"$tmp/mvn.log" 2>&1; then
        tail -30 "$tmp/mvn.log" >&2
        rm -rf "$tmp"
        die "mvn could not fetch the Kafka $version jars"
    fi
    local j
    for j in "kafka_2.13-$version.jar" "kafka-tools-$version.jar" \
        "kafka-clients-$version.jar" "log4j-core-" "log4j-slf4j-impl-" "slf4j-api-"; do
        ls "$tmp/libs" | grep -q "^$j" || { rm -rf "$tmp"; die "jar set lacks $j"; }
    done
    rm -rf "$libs"
    mkdir -p "$cache"
    mv "$tmp/libs" "$libs"
    cp "$tmp/pom.xml" "$cache/pom.xml"
    rm -rf "$tmp"
    touch "$cache/.complete"
    exec 8>&-
}

write_log4j() {
    # stdout of each JVM goes to its node's server.log.
    cat >"$state/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = OUT
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
EOF
    cat >"$state/tools-log4j2.properties" <<'EOF'
status = error
appender.err.type = Console
appender.err.name = ERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m%n
rootLogger.level = warn
rootLogger.appenderRef.err.ref = ERR
EOF
}

# A CA, the brokers' certificate signed by it (PEM keystore: key, cert,
# chain in one file) and an unrelated CA, once per state dir.
make_tls() {
    local d=$state/tls
    [ -f "$d/broker-keystore.pem" ] && return 0
    command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
    mkdir -p "$d"
    (
        set -e
        cd "$d"
        openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 \
            -subj "/CN=noticeflow test CA" -keyout ca.key -out ca.crt
        openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 \
            -subj "/CN=noticeflow untrusted CA" -keyout untrusted-ca.key \
            -out untrusted-ca.crt
        openssl req -new -newkey rsa:2048 -nodes -sha256 \
            -subj "/CN=127.0.0.1" -keyout broker.key -out broker.csr
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >broker.ext
        openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key \
            -CAcreateserial -days 30 -sha256 -extfile broker.ext -out broker.crt
        # PKCS#8 key first, then the certificate chain
        openssl pkcs8 -topk8 -nocrypt -in broker.key -out broker.pk8
        cat broker.pk8 broker.crt ca.crt >broker-keystore.pem
        chmod 600 ./*.key broker.pk8 broker-keystore.pem
    ) >"$state/tls.log" 2>&1 || { cat "$state/tls.log" >&2; die "could not make the test CA"; }
}

write_config() {
    local i=$1 n=$2 voters="" j rf isr
    local listeners advertised protomap
    for ((j = 1; j <= n; j++)); do
        voters+="${voters:+,}$j@127.0.0.1:$(controller_port "$j")"
    done
    rf=$((n < 3 ? n : 3))
    isr=$((rf > 1 ? 2 : 1))
    listeners="PLAINTEXT://127.0.0.1:$(broker_port "$i"),CONTROLLER://127.0.0.1:$(controller_port "$i")"
    advertised="PLAINTEXT://127.0.0.1:$(broker_port "$i")"
    protomap="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    if sasl_on; then
        listeners+=",SASL_SSL://127.0.0.1:$(sasl_port "$i")"
        advertised+=",SASL_SSL://127.0.0.1:$(sasl_port "$i")"
        protomap+=",SASL_SSL:SASL_SSL"
    fi
    mkdir -p "$state/node-$i/data"
    cat >"$state/node-$i/server.properties" <<EOF
# Generated by scripts/kafka.sh: node $i of $n (combined broker+controller).
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protomap
log.dirs=$state/node-$i/data
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
group.initial.rebalance.delay.ms=0
# Topics are created explicitly (scripts/kafka.sh topic): a typo in a topic
# name must fail, not silently create a topic.
auto.create.topics.enable=false
# Room for the oversized-input tests (5 MB values and their dead letters).
message.max.bytes=16777216
replica.fetch.max.bytes=16777216
num.network.threads=2
num.io.threads=4
EOF
    if sasl_on; then
        cat >>"$state/node-$i/server.properties" <<EOF
# SASL_SSL listener (start --sasl): SCRAM-SHA-512 over TLS, no client cert.
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$state/tls/broker-keystore.pem
listener.name.sasl_ssl.ssl.client.auth=none
EOF
    fi
}

format_node() {
    local i=$1 cid=$2
    local scram=()
    [ -f "$state/node-$i/data/meta.properties" ] && return 0
    sasl_on && scram=(--add-scram "SCRAM-SHA-512=[name=$sasl_user,password=$sasl_password]")
    "$java" -Xmx256m -Dlog4j2.configurationFile="$state/tools-log4j2.properties" \
        -cp "$libs/*" kafka.tools.StorageTool format -t "$cid" \
        -c "$state/node-$i/server.properties" "${scram[@]}" \
        >"$state/node-$i/format.log" 2>&1 \
        || { cat "$state/node-$i/format.log" >&2; die "format of node $i failed"; }
}

launch_node() {
    local i=$1 dir=$state/node-$i
    local p
    local ports=("$(broker_port "$i")" "$(controller_port "$i")")
    sasl_on && ports+=("$(sasl_port "$i")")
    for p in "${ports[@]}"; do
        port_busy "$p" && die "port $p is in use by another process"
    done
    # setsid: its own session, so a terminal's ^C or the caller's exit
    # does not reach it; stop signals it by pid.
    setsid nohup "$java" -Xms256m -Xmx"$heap" -server -XX:+UseG1GC \
        -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
        -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$state/log4j2.properties" \
        -Dkafka.logs.dir="$dir" \
        -cp "$libs/*" kafka.Kafka "$dir/server.properties" \
        >"$dir/server.log" 2>&1 </dev/null 9>&- 8>&- &
    echo $! >"$dir/pid"
}

wait_ready() {
    local n=$1 deadline=$((SECONDS + start_timeout)) i ok
    while :; do
        ok=1
        for ((i = 1; i <= n; i++)); do
            # kill -0, not node_pid: right after the fork the child may not
            # have exec'd java yet, so its command line is still ours.
            if ! kill -0 "$(cat "$state/node-$i/pid")" 2>/dev/null; then
                tail -40 "$state/node-$i/server.log" >&2 || true
                die "node $i exited during start-up (log: $state/node-$i/server.log)"
            fi
            "${ping[@]}" --quiet --brokers "$n" "127.0.0.1:$(broker_port "$i")" || ok=0
        done
        [ $ok = 1 ] && return 0
        [ $SECONDS -ge $deadline ] && die "not ready after ${start_timeout}s (logs: $state/node-*/server.log)"
        sleep 0.5
    done
}

take_lock() {
    mkdir -p "$(dirname "$state")"
    exec 9>"$state.lock"
    flock -w 300 9 || die "timed out waiting for another kafka.sh on $state"
}

cmd_start() {
    local n="" want_sasl=""
    while [ $# -gt 0 ]; do
        case $1 in
        --nodes) n=${2:?--nodes needs a number}; shift 2 ;;
        --nodes=*) n=${1#*=}; shift ;;
        --sasl) want_sasl=1; shift ;;
        *) die "start: unknown argument $1" ;;
        esac
    done
    check_java
    ensure_jars
    take_lock
    local had i alive=0
    had=$(recorded_nodes)
    for ((i = 1; i <= had; i++)); do
        node_pid "$i" >/dev/null && alive=$((alive + 1))
    done
    # Without --nodes, a running cluster is taken as it is.
    [ -z "$n" ] && { [ $alive -gt 0 ] && n=$had || n=1; }
    [[ $n =~ ^[1-9]$ ]] || die "--nodes must be 1..9"
    # Without --sasl, a running cluster is taken as it is too.
    local had_sasl=0
    sasl_on && had_sasl=1
    [ -z "$want_sasl" ] && { [ $alive -gt 0 ] && want_sasl=$had_sasl || want_sasl=0; }
    if [ "$had" != "$n" ] || [ "$had_sasl" != "$want_sasl" ]; then
        [ $alive -gt 0 ] && die "running with $had node(s)$([ $had_sasl = 1 ] && echo ' and SASL_SSL'); stop it first"
        rm -rf "$state"
    fi
    mkdir -p "$state"
    echo "$n" >"$state/nodes"
    if [ "$want_sasl" = 1 ]; then
        echo "SCRAM-SHA-512" >"$state/sasl"
        make_tls
    fi
    [ -f "$state/cluster.id" ] || "$java" -cp "$libs/*" kafka.tools.StorageTool \
        random-uuid 2>/dev/null 9>&- | tail -1 >"$state/cluster.id"
    local cid
    cid=$(cat "$state/cluster.id")
    [ -n "$cid" ] || die "could not make a cluster id"
    write_log4j
    local pids=() started=0
    for ((i = 1; i <= n; i++)); do
        node_pid "$i" >/dev/null && continue
        write_config "$i" "$n"
        format_node "$i" "$cid" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || die "format failed"; done
    for ((i = 1; i <= n; i++)); do
        node_pid "$i" >/dev/null && continue
        launch_node "$i"
        started=$((started + 1))
    done
    wait_ready "$n"
    [ $started -gt 0 ] && log "Kafka $version up: $n node(s), state in $state"
    bootstrap_of "$n"
}

cmd_stop() {
    local keep=0
    [ "${1:-}" = --keep ] && keep=1
    take_lock
    local n i pid pids=() deadline
    n=$(recorded_nodes)
    for ((i = 1; i <= n; i++)); do
        if pid=$(node_pid "$i"); then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$i:$pid")
        fi
    done
    # All at once: a combined node's controlled shutdown needs the quorum,
    # so stopping them one by one would leave the last ones waiting.
    deadline=$((SECONDS + ${NF_KAFKA_STOP_TIMEOUT:-30}))
    for i in "${pids[@]}"; do
        pid=${i#*:}
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "node ${i%%:*} ignored SIGTERM; killing"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    for i in "${pids[@]}"; do
        pid=${i#*:}
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    done
    if [ $keep = 0 ]; then
        # only a directory this script made (NF_KAFKA_STATE_DIR may be set
        # by hand: never delete something else)
        if [ -f "$state/nodes" ] || [ -f "$state/cluster.id" ]; then
            rm -rf "$state"
        fi
    else
        for ((i = 1; i <= n; i++)); do rm -f "$state/node-$i/pid"; done
    fi
    [ ${#pids[@]} -gt 0 ] && log "stopped ${#pids[@]} node(s)"
    return 0
}

cmd_status() {
    local n i pid up=0 alive=0
    n=$(recorded_nodes)
    if [ "$n" = 0 ]; then
        echo "stopped (no state in $state)"
        return 3
    fi
    for ((i = 1; i <= n; i++)); do
        if pid=$(node_pid "$i"); then
            alive=$((alive + 1))
            if "${ping[@]}" --quiet --brokers "$n" "127.0.0.1:$(broker_port "$i")"; then
                echo "node $i: pid $pid, 127.0.0.1:$(broker_port "$i") ready"
                up=$((up + 1))
            else
                echo "node $i: pid $pid, 127.0.0.1:$(broker_port "$i") not ready"
            fi
        else
            echo "node $i: stopped"
        fi
    done
    [ $up = "$n" ] && { echo "bootstrap: $(bootstrap_of "$n")"; return 0; }
    [ $alive = 0 ] && return 3
    return 1
}

cmd_topic() {
    local name=${1:?topic NAME PARTITIONS [RF]} parts=${2:?topic NAME PARTITIONS [RF]}
    shift 2
    local n rf
    n=$(recorded_nodes)
    [ "$n" != 0 ] || die "not running"
    rf=$((n < 3 ? n : 3))
    if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
        rf=$1
        shift
    fi
    "$java" -Xmx256m -Dlog4j2.configurationFile="$state/tools-log4j2.properties" \
        -cp "$libs/*" org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "$(bootstrap_of "$n")" --create --if-not-exists \
        --topic "$name" --partitions "$parts" --replication-factor "$rf" "$@" >/dev/null
}

cmd=${1:-}
shift || true
case $cmd in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
status) cmd_status "$@" ;;
bootstrap)
    n=$(recorded_nodes)
    [ "$n" != 0 ] || die "not running"
    bootstrap_of "$n"
    ;;
topic) cmd_topic "$@" ;;
sasl)
    n=$(recorded_nodes)
    [ "$n" != 0 ] || die "not running"
    sasl_on || die "running without SASL_SSL (start --sasl)"
    out=""
    for ((i = 1; i <= n; i++)); do out+="${out:+,}127.0.0.1:$(sasl_port "$i")"; done
    printf 'bootstrap=%s\nca=%s\nuntrusted_ca=%s\nmechanism=SCRAM-SHA-512\nusername=%s\npassword=%s\n' \
        "$out" "$state/tls/ca.crt" "$state/tls/untrusted-ca.crt" "$sasl_user" "$sasl_password"
    ;;
fetch) check_java; ensure_jars; echo "$libs" ;;
logs) tail -n "${NF_KAFKA_LOG_LINES:-50}" "$state/node-${1:-1}/server.log" ;;
*)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
