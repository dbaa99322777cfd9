"""Exactly-once mode (delivery.mode=exactly-once), short: two workers on a
paced stream, one SIGKILLed mid-stream and restarted with the same
eos.instance.id. In the read_committed view: lost 0, dups 0, every alert
(hence every webhook-id) once; and an aborted transaction (the test's own,
plus whatever the killed worker left open) is in the log, seen by
read_uncommitted readers, and invisible to read_committed ones. The long
fault scenarios are in scripts/faults.sh."""
import collections

from confluent_kafka import Producer

import nfcheck
import nfsys
from nfsys import BOOTSTRAP

N_DOCS = 4000
RATE = 1000  # docs/s: the kill lands mid-stream


def eos_config(t, alerts, instance):
    return t.worker_config(**{
        "delivery.mode": "exactly-once",
        "eos.instance.id": instance,
        "output.topic.alerts": alerts,
        "metrics.listen": "",
    })


def abort_one_transaction(topic, marker):
    """A transactional record on @topic that is aborted: read_committed
    readers must never see it."""
    p = Producer({"bootstrap.servers": BOOTSTRAP,
                  "transactional.id": nfsys.unique("nf-test-abort")})
    p.init_transactions(60)
    p.begin_transaction()
    p.produce(topic, value=b"aborted", key=b"aborted",
              headers=[("noticeflow-event-id", marker)])
    p.flush(30)
    p.abort_transaction(60)


def test_exactly_once_kill9(worker_bin, procs, tmp_path):
    t = nfsys.Topics("eos", partitions=6)
    alerts = t.input.replace("-in", "-alerts")
    nfsys.create_topics([(alerts, 3, {})])
    ws = {}

    def start(name):
        w = nfsys.start_worker(eos_config(t, alerts, name[:2]), tmp_path,
                               name)
        procs.append(w)
        ws[name[:2]] = w

    start("w0")
    start("w1")

    def kill_and_restart():
        nfsys.wait_until(lambda: nfsys.output_count(t.outputs) > 0,
                         "the first committed outputs", list(ws.values()))
        ws["w1"].kill9()
        start("w1-restarted")

    nfsys.produce(t.input, nfsys.make_docs(N_DOCS), rate=RATE,
                  events={N_DOCS // 2: kill_and_restart})
    abort_one_transaction(t.out["other"], b"never/0/0")
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", list(ws.values()))
    for w in ws.values():
        assert w.term() == 0, w.log_tail()
    assert "exactly-once" in ws["w0"].log_text()

    rep = t.check()
    print("exactly-once kill -9:", rep.summary())
    assert rep.inputs == N_DOCS
    assert rep.failures(exactly_once=True) == []
    assert rep.lost == [] and rep.dups == 0
    # the aborted transactions are really there, and filtered
    assert rep.aborted is not None, "broker log dirs not found"
    assert rep.aborted >= 1
    assert rep.aborted_seen_uncommitted == rep.aborted
    assert rep.aborted_visible == []

    # alerts: produced in the same transactions, so at most one per input
    # (one webhook-id per input), and only for inputs with a record
    ids = collections.Counter(
        nfsys.hdr(m, "noticeflow-event-id")
        for m in nfcheck.read_topic(BOOTSTRAP, alerts, "read_committed"))
    recs = nfsys.read_outputs(t)
    print("alerts: %d, most per input %d" % (
        sum(ids.values()), max(ids.values(), default=0)))
    assert ids, "no alert at all: the alert path was not exercised"
    assert max(ids.values()) == 1
    incidents = {e for e, v in recs.items() if v[0][0] == t.out["incident"]}
    assert set(ids) <= incidents
