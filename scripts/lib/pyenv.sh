#!/usr/bin/env bash
# Print the python of the test venv, creating it on first use. The system
# tests, the demo and the benchmark decode Avro with fastavro and talk to
# Kafka with confluent-kafka (its bundled librdkafka: only the harness uses
# it; the worker under test links Debian's librdkafka).
# Venv: $NF_VENV, default ~/.cache/noticeflow/venv-py<major.minor>.
set -euo pipefail
py=${NF_PYTHON:-python3}
ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
venv=${NF_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/noticeflow/venv-py$ver}
# Pinned: the harness is tested with these (fastavro's fingerprint API and
# confluent-kafka's AdminClient / list_consumer_group_offsets).
# standardwebhooks: the independent signature verifier of the webhook tests.
# [avro,schemaregistry]: the independent consumer of confluent-framed
# records (AvroDeserializer + SchemaRegistryClient; tests/system/
# test_registry.py).
reqs="confluent-kafka[avro,schemaregistry]==2.16.1 fastavro==1.13.1 pytest==9.2.0 standardwebhooks==1.1.0"
stamp="$venv/.noticeflow-reqs"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$reqs" ]; then
    mkdir -p "$(dirname "$venv")"
    exec 7>"$venv.lock"
    flock -w 600 7
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$reqs" ]; then
        echo "pyenv: creating $venv ($reqs)" >&2
        "$py" -m venv "$venv" >&2
        # shellcheck disable=SC2086
        "$venv/bin/python" -m pip install -q --disable-pip-version-check $reqs >&2
        echo "$reqs" >"$stamp"
    fi
fi
echo "$venv/bin/python"
