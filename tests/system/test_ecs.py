"""ECS JSON feed (issue 5): the samples go to their Avro category topics
AND, side by side, to ECS JSON topics (output.ecs.topic.<category>). Every
ECS document is checked against the field rules of schemas/ecs.md and
against the Avro record of the same input; a second worker (new group, the
same input) must produce byte-identical documents, the same event.id
included (replay determinism)."""
import json
import re

import nfcheck
import nfsys

# ECS 8.11 allowed values (ecs/docs/fields/field-values).
KINDS = {"alert", "asset", "enrichment", "event", "metric", "state",
         "pipeline_error"}
CATEGORIES = {"api", "authentication", "configuration", "database", "driver",
              "email", "file", "host", "iam", "intrusion_detection",
              "library", "malware", "network", "package", "process",
              "registry", "session", "threat", "vulnerability", "web"}
TYPES = {"access", "admin", "allowed", "change", "connection", "creation",
         "deletion", "denied", "device", "end", "error", "group", "indicator",
         "info", "installation", "protocol", "start", "user"}
# ECS's "expected event types" of the categories we use.
EXPECTED = {"threat": {"indicator"}, "malware": {"info"}}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")
ORIGINAL_MAX = 300
NOTICE_FIELDS = ("category", "incident_types", "affected_count",
                 "affected_unit", "dates", "counts", "provenance",
                 "published_date", "discovered_date", "period_start",
                 "period_end", "reference_date")


def ecs_topics(base):
    return {c: "%s-ecs-%s" % (base, c.replace("_", "-"))
            for c in nfsys.CATEGORIES}


def check_doc(doc, text, rec, msg):
    """The field rules of schemas/ecs.md; returns a list of violations."""
    bad = []
    ev = doc.get("event", {})
    if not ISO.match(doc.get("@timestamp", "")):
        bad.append("@timestamp %r" % doc.get("@timestamp"))
    if doc.get("ecs", {}).get("version") != "8.11.0":
        bad.append("ecs.version")
    if ev.get("kind") not in KINDS or ev.get("kind") == "signal":
        bad.append("event.kind %r" % ev.get("kind"))
    cats = ev.get("category", [])
    types = ev.get("type", [])
    if not set(cats) <= CATEGORIES or not types or not set(types) <= TYPES:
        bad.append("category/type %r %r" % (cats, types))
    for c in cats:
        if not EXPECTED.get(c, TYPES) & set(types):
            bad.append("category %s without an expected type" % c)
    if (rec["category"] == "incident") != ("threat" in cats):
        bad.append("threat iff incident")
    if ev.get("id") != rec["event_id"]:
        bad.append("event.id %r != %r" % (ev.get("id"), rec["event_id"]))
    if not ISO.match(ev.get("created", "")):
        bad.append("event.created %r" % ev.get("created"))
    orig = ev.get("original", "").encode()
    if len(orig) > ORIGINAL_MAX or not text.startswith(orig) or \
            len(orig) < min(len(text), ORIGINAL_MAX) - 3:
        bad.append("event.original (%d bytes) not a capped prefix" % len(orig))
    n = doc.get("notice", {})
    if n.get("original", {}).get("truncated") != (len(text) > ORIGINAL_MAX):
        bad.append("notice.original.truncated")
    if rec["organization"] != doc.get("organization", {}).get("name"):
        bad.append("organization.name")
    if rec["title"] != doc.get("message"):
        bad.append("message")
    env = rec["envelope"]
    if env and env["url"] != ev.get("reference"):
        bad.append("event.reference")
    for f in NOTICE_FIELDS:
        if n.get(f) != rec[f]:
            bad.append("notice.%s %r != %r" % (f, n.get(f), rec[f]))
    if nfsys.hdr(msg, "content-type") != "application/json":
        bad.append("content-type")
    if nfsys.hdr(msg, "noticeflow-event-id") != rec["event_id"]:
        bad.append("event-id header")
    return bad


def read_ecs(topics):
    out = {}
    for t in topics.values():
        for m in nfcheck.read_topic(nfsys.BOOTSTRAP, t, "read_committed"):
            out.setdefault(nfsys.hdr(m, "noticeflow-event-id"), []).append(
                (t, m))
    return out


def run_worker(t, ecs, tmp_path, name, procs):
    cfg = t.worker_config(**{"output.ecs.original.max.bytes":
                             str(ORIGINAL_MAX)})
    for c, topic in ecs.items():
        cfg["output.ecs.topic." + c] = topic
    w = nfsys.start_worker(cfg, tmp_path, name=name)
    procs.append(w)
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", [w])
    assert w.term() == 0, w.log_tail()


def test_ecs_side_by_side(worker_bin, procs, tmp_path):
    t = nfsys.Topics("ecs")
    ecs = ecs_topics(t.input[:-3])
    nfsys.create_topics([(x, 3, {}) for x in ecs.values()])
    docs = nfsys.samples()
    items = [(n.encode(), text, []) for n, text in docs]
    env = {"text": docs[0][1].decode(), "id": "env-1",
           "url": "https://notices.example.jp/1", "source": "system-test",
           "published_at": "2025-03-14"}
    items.append((b"envelope", json.dumps(env, ensure_ascii=False).encode(),
                  []))
    items.append((b"bad", b"\xff\xfe", []))  # dead letter: no ECS document
    nfsys.produce(t.input, items)
    run_worker(t, ecs, tmp_path, "worker", procs)

    avro = nfsys.read_outputs(t)
    got = read_ecs(ecs)
    texts = {k: (env["text"].encode() if k == b"envelope" else v)
             for k, v, _ in items}
    assert len(avro) == len(items)
    n_dlq = 0
    for eid, recs in avro.items():
        topic, rec, amsg = recs[0]
        if topic == t.dlq:
            n_dlq += 1
            assert eid not in got, "a dead letter has no ECS document"
            continue
        assert eid in got and len(got[eid]) == 1, (eid, got.get(eid))
        etopic, m = got[eid][0]
        assert etopic == ecs[rec["category"]], (etopic, rec["category"])
        assert m.key == amsg.key
        doc = json.loads(m.value)
        bad = check_doc(doc, texts[m.key], rec, m)
        assert bad == [], (m.key, bad)
        print("%-22s %-17s %-20s %s" % (m.key.decode(), rec["category"],
                                        ",".join(doc["event"].get(
                                            "category", ["-"])),
                                        doc["@timestamp"]))
    assert n_dlq == 1
    rep = t.check()
    assert rep.failures() == [], rep.summary()

    # replay: a new group over the same input, new ECS topics
    t2 = nfsys.Topics("ecs-replay", input=t.input)
    ecs2 = ecs_topics(t2.out["other"][:-6])
    nfsys.create_topics([(x, 3, {}) for x in ecs2.values()])
    run_worker(t2, ecs2, tmp_path, "replay", procs)
    again = read_ecs(ecs2)
    assert set(again) == set(got)
    for eid in got:
        assert again[eid][0][1].value == got[eid][0][1].value, eid
