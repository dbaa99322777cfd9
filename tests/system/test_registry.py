"""Confluent framing against a REAL schema registry (issue 5).

The registry is Apicurio Registry's Confluent-compatible API, started by
scripts/registry.sh on the test Kafka (kafkasql storage), unless
NF_REGISTRY_URL names one already running. Records are decoded by an
independent client: confluent-kafka-python's AvroDeserializer with its
SchemaRegistryClient (it fetches the writer schema by the id in the
record). Covered: auto-registration with TopicNameStrategy, confluent
dead letters, schema evolution under BACKWARD (an optional field added:
a new version; records of both versions decode), the registry refusing an
incompatible schema (the worker exits 1, says why, consumes nothing), an
unreachable registry (same), lookup-only with use.latest.version, and
RecordNameStrategy."""
import json
import os
import socket
import subprocess

import pytest
from confluent_kafka.schema_registry import (Schema, SchemaRegistryClient,
                                             topic_subject_name_strategy)
from confluent_kafka.schema_registry.avro import (AvroDeserializer,
                                                  AvroSerializer)
from confluent_kafka.serialization import MessageField, SerializationContext

import nfcheck
import nfsys

ROOT = nfsys.ROOT


def free_port_pair(first=28181, last=32000):
    """A port P with P and P+1 (HTTP, management) both free, below the
    kernel's ephemeral range: a fixed port inside it (32768+) can be taken
    at any moment by some client's outgoing connection, as CI once saw."""
    for p in range(first, last, 2):
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", p))
                b.bind(("127.0.0.1", p + 1))
            return p
        except OSError:
            continue
    raise RuntimeError("no free port pair for the registry")


@pytest.fixture(scope="module")
def registry():
    url = os.environ.get("NF_REGISTRY_URL")
    started = False
    if not url:
        port = os.environ.get("NF_REGISTRY_PORT") or str(free_port_pair())
        env = dict(os.environ, NF_BOOTSTRAP=nfsys.BOOTSTRAP,
                   NF_REGISTRY_PORT=port)
        r = subprocess.run([os.path.join(ROOT, "scripts/registry.sh"),
                            "start"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=600)
        if r.returncode != 0:
            pytest.fail("scripts/registry.sh start failed:\n%s"
                        % r.stderr.decode(errors="replace")[-3000:])
        url = r.stdout.decode().strip().splitlines()[-1]
        started = True
    yield url
    if started:
        subprocess.run([os.path.join(ROOT, "scripts/registry.sh"), "stop"],
                       env=env, timeout=120)


def schema_text(name):
    with open(os.path.join(ROOT, "schemas", name)) as f:
        return f.read()


def registry_client(url):
    """A registry client that cannot hang a test: every request times out."""
    return SchemaRegistryClient({"url": url, "timeout": 30})


def decode_all(url, topic):
    """[(msg, record)] of @topic, decoded by the independent client."""
    sr = registry_client(url)
    # The default strategy of confluent-kafka 2.16 first asks the registry
    # for topic "associations", an endpoint Apicurio does not answer (the
    # request hangs): name the subject the way our worker registers it.
    de = AvroDeserializer(sr, conf={
        "subject.name.strategy": topic_subject_name_strategy})
    out = []
    for m in nfcheck.read_topic(nfsys.BOOTSTRAP, topic, "read_committed"):
        assert m.value[0] == 0, "not confluent framing: %r" % m.value[:5]
        rec = de(m.value, SerializationContext(topic, MessageField.VALUE))
        out.append((m, rec))
    return out


def confluent_cfg(t, url, **extra):
    cfg = t.worker_config(**{"output.avro.framing": "confluent",
                             "schema.registry.url": url,
                             "schema.registry.retries": "2",
                             "schema.registry.retry.backoff.ms": "200"})
    cfg.update(extra)
    return cfg


def same_topics(cfg, t):
    """Write to the outputs of @t (their subjects are registered)."""
    for c in nfsys.CATEGORIES:
        cfg["output.topic." + c] = t.out[c]
    cfg["output.topic.dead_letter"] = t.dlq


def run_to_drain(cfg, t, tmp_path, procs, name="worker"):
    w = nfsys.start_worker(cfg, tmp_path, name=name)
    procs.append(w)
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", [w])
    assert w.term() == 0, w.log_tail()
    return w


def expect_start_failure(cfg, t, tmp_path, procs, name, words):
    w = nfsys.start_worker(cfg, tmp_path, name=name)
    procs.append(w)
    code = w.wait(120)
    log = w.log_text()
    assert code == 1, log[-2000:]
    for word in words:
        assert word in log, (word, log[-2000:])
    assert '"msg":"started"' not in log
    # nothing consumed, nothing written
    assert nfcheck.committed_offsets(nfsys.BOOTSTRAP, t.group, t.input) \
        in ({}, None) or all(v is None for v in nfcheck.committed_offsets(
            nfsys.BOOTSTRAP, t.group, t.input).values())
    assert nfsys.output_count(t.outputs + [t.dlq]) == 0
    return log


def test_confluent_and_evolution(worker_bin, procs, tmp_path, registry):
    t = nfsys.Topics("cf")
    docs = nfsys.samples()
    items = [(n.encode(), text, []) for n, text in docs]
    items.append((b"bad", b"\xff\xfe", []))
    coords = nfsys.produce(t.input, items)
    sr = registry_client(registry)
    inc = t.out["incident"] + "-value"
    # BACKWARD before the first registration, as an operator would set it
    sr.set_compatibility(inc, "BACKWARD")
    run_to_drain(confluent_cfg(t, registry), t, tmp_path, procs)

    ids = {}
    for topic in t.outputs + [t.dlq]:
        subj = topic + "-value"
        try:
            ids[topic] = sr.get_latest_version(subj).schema_id
        except Exception:  # topic got no record: subject never needed
            pass
    seen = {}
    for topic in t.outputs + [t.dlq]:
        for m, rec in decode_all(registry, topic):
            assert int.from_bytes(m.value[1:5], "big") == ids[topic]
            assert nfsys.hdr(m, "noticeflow-event-id") == rec["event_id"]
            seen[rec["event_id"]] = (topic, rec)
    want = {"%s/%d/%d" % (t.input, p, o) for p, o in coords}
    assert set(seen) == want
    dl = [r for tp, r in seen.values() if tp == t.dlq]
    assert len(dl) == 1 and dl[0]["error_code"] == "invalid_utf8"
    rep = t.check(verify=None)
    assert rep.failures() == [], rep.summary()
    print("subjects/ids:", {k: v for k, v in ids.items()})

    # evolution: an optional field → version 2 under BACKWARD
    v1 = sr.get_latest_version(inc)
    s2 = json.loads(schema_text("notice_event.avsc"))
    s2["fields"].append({"name": "siem_note", "type": ["null", "string"],
                         "default": None})
    id2 = sr.register_schema(inc, Schema(json.dumps(s2), "AVRO"))
    # a fresh client: the first one caches "latest"
    sr2 = registry_client(registry)
    v2 = sr2.get_latest_version(inc)
    assert v2.version == v1.version + 1 and id2 != v1.schema_id
    # a record written with version 2 by the Confluent serializer
    ser = AvroSerializer(sr2, json.dumps(s2),
                         conf={"auto.register.schemas": False,
                               "use.latest.version": True,
                               "subject.name.strategy":
                                   topic_subject_name_strategy})
    rec2 = dict(seen[next(e for e in seen if seen[e][0] ==
                          t.out["incident"])][1])
    rec2["event_id"] = "v2-record"
    rec2["siem_note"] = "written with v2"
    value = ser(rec2, SerializationContext(t.out["incident"],
                                           MessageField.VALUE))
    nfsys.produce(t.out["incident"], [(b"v2", value,
                                       [("noticeflow-event-id", b"v2")])])
    both = decode_all(registry, t.out["incident"])
    assert {int.from_bytes(m.value[1:5], "big") for m, _ in both} == \
        {v1.schema_id, id2}
    assert any(r.get("siem_note") == "written with v2" for _, r in both)
    assert all(r["event_id"] for _, r in both)

    # the worker restarts fine on v2 as latest: its v1 is still registered
    t2 = nfsys.Topics("cf2", input=t.input)
    cfg = confluent_cfg(t2, registry)
    same_topics(cfg, t)
    cfg["schema.registry.auto.register.schemas"] = "false"
    run_to_drain(cfg, t2, tmp_path, procs, name="lookup")
    # use.latest.version: latest is v2, not the worker's schema: refused
    t3 = nfsys.Topics("cf3", input=t.input)
    cfg = confluent_cfg(t3, registry)
    same_topics(cfg, t)
    cfg["schema.registry.auto.register.schemas"] = "false"
    cfg["schema.registry.use.latest.version"] = "true"
    w = nfsys.start_worker(cfg, tmp_path, name="latest")
    procs.append(w)
    assert w.wait(120) == 1
    assert "not the worker's schema" in w.log_text() and inc in w.log_text()
    assert '"msg":"started"' not in w.log_text()


def test_incompatible_refused(worker_bin, procs, tmp_path, registry):
    t = nfsys.Topics("cfbad")
    nfsys.produce(t.input, [(b"k", nfsys.samples()[0][1], [])])
    sr = registry_client(registry)
    subj = t.out["incident"] + "-value"
    sr.set_compatibility(subj, "BACKWARD")
    # an earlier, unrelated NoticeEvent: ours cannot read its data
    sr.register_schema(subj, Schema(json.dumps({
        "type": "record", "name": "NoticeEvent", "namespace": "noticeflow.v1",
        "fields": [{"name": "legacy", "type": "int"}]}), "AVRO"))
    log = expect_start_failure(confluent_cfg(t, registry), t, tmp_path, procs,
                               "incompatible", ["incompatible", subj])
    print([line for line in log.splitlines() if "incompatible" in line][-1])


def test_not_registered_lookup_only(worker_bin, procs, tmp_path, registry):
    t = nfsys.Topics("cfnone")
    nfsys.produce(t.input, [(b"k", nfsys.samples()[0][1], [])])
    cfg = confluent_cfg(t, registry,
                        **{"schema.registry.auto.register.schemas": "false"})
    expect_start_failure(cfg, t, tmp_path, procs, "lookup",
                         ["not registered", t.out["incident"] + "-value"])


def test_record_name_strategy(worker_bin, procs, tmp_path, registry):
    t = nfsys.Topics("cfrec")
    nfsys.produce(t.input, [(n.encode(), x, []) for n, x in nfsys.samples()])
    cfg = confluent_cfg(t, registry, **{
        "schema.registry.subject.name.strategy": "RecordNameStrategy",
        "output.topic.dead_letter.avro.framing": "single-object"})
    w = run_to_drain(cfg, t, tmp_path, procs)
    assert "noticeflow.v1.NoticeEvent" in w.log_text()
    n = sum(len(decode_all(registry, topic)) for topic in t.outputs)
    assert n == len(nfsys.samples())


def test_unreachable_registry(worker_bin, procs, tmp_path):
    t = nfsys.Topics("cfdown")
    nfsys.produce(t.input, [(b"k", nfsys.samples()[0][1], [])])
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    cfg = confluent_cfg(t, "http://127.0.0.1:%d" % port)
    expect_start_failure(cfg, t, tmp_path, procs, "down",
                         ["unreachable", "gave up after 3 attempts"])
