"""Webhook alerts end to end: `noticeflow run` writes alerts as a second
output of each incident record, `noticeflow dispatch` delivers them
(issue 4, tests 1 and 6)."""
import json

import nfsys
import nfwebhook as W


def incident_ids(topics):
    """event_ids of the records on the incident topic."""
    return {nfsys.EVENT.decode(m.value)["event_id"]: nfsys.EVENT.decode(
                m.value)
            for m in W.read(topics.t.out["incident"])}


def setup(tmpdir, prefix):
    ca = W.TestCA(tmpdir)
    secret = W.new_secret()
    rx = W.Receiver(secret, tls=ca.server("127.0.0.1"))
    topics = W.AlertTopics(prefix)
    url = rx.url("https")
    cfg = topics.config(url, W.write_secret(tmpdir, secret),
                        **{"webhook.ca.file": ca.cert})
    return rx, topics, url, cfg


def test_incidents_signed_posts(tmpdir, procs):
    """Test 1: incidents in → one signed POST each, verified by the
    receiver with the standardwebhooks package; no alert for the other
    categories."""
    rx, topics, url, cfg = setup(tmpdir, "wh-e2e")
    w = nfsys.start_worker(cfg, tmpdir)
    d = W.start_dispatcher(cfg, tmpdir)
    procs += [w, d]
    nfsys.produce(topics.t.input, nfsys.make_docs(21, "e2e"))
    nfsys.wait_until(lambda: nfsys.drained(topics.t), "worker drained",
                     [w, d])
    records = incident_ids(topics)
    assert records, "no incident among the samples"
    want = {W.webhook_id(e, url): e for e in records}
    W.wait_ids(rx, list(want), [w, d], timeout=120)
    with rx.lock:
        reqs = list(rx.requests)
    assert all(r.verified for r in reqs), [r.error for r in reqs][:3]
    assert len({r.id for r in reqs}) == len(want), "alerts for non-incidents"
    for r in reqs:
        body = json.loads(r.body)
        rec = records[want[r.id]]
        assert body["event_id"] == rec["event_id"]
        assert body["category"] == "incident"
        assert body["severity"] in ("low", "medium", "high")
        assert body["organization"] == rec["organization"]
        assert body["affected_count"] == rec["affected_count"]
        assert body["summary"].startswith(rec["organization"] or "(")
        assert r.headers["content-type"] == "application/json"
    # the alerts topic holds exactly one alert per incident record
    alerts = W.read(topics.alerts)
    assert sorted(W.hdr(m, "noticeflow-event-id") for m in alerts) == \
        sorted(records)
    assert w.term() == 0 and d.term() == 0


def test_sigkill_with_alerts_pending(tmpdir, procs):
    """Test 6: worker and dispatcher SIGKILLed while alerts are pending
    (endpoint failing) → after a restart every alert arrives, with the
    webhook-id it had before the crash."""
    rx, topics, url, cfg = setup(tmpdir, "wh-kill")
    rx.behave(lambda req: (503, {}, b"down"))
    w = nfsys.start_worker(cfg, tmpdir)
    d = W.start_dispatcher(cfg, tmpdir)
    procs += [w, d]
    nfsys.produce(topics.t.input, nfsys.make_docs(21, "kill"))
    nfsys.wait_until(lambda: nfsys.drained(topics.t), "worker drained",
                     [w, d])
    want = {W.webhook_id(e, url) for e in incident_ids(topics)}
    nfsys.wait_until(lambda: want <= set(rx.ids()), "first attempts",
                     [w, d], timeout=60)
    before = set(rx.ids())
    d.kill9()
    w.kill9()
    rx.behave(lambda req: (200, {}, b"ok"))
    w2 = nfsys.start_worker(cfg, tmpdir, name="worker2")
    d2 = W.start_dispatcher(cfg, tmpdir, name="dispatch2")
    procs += [w2, d2]
    W.wait_ids(rx, list(want), [w2, d2], timeout=120)
    with rx.lock:
        ok = {r.id for r in rx.requests if r.status == 200}
    assert ok == want, "ids changed or alerts lost across the crash"
    assert before == want
    assert all(r.verified for r in rx.requests)
    assert w2.term() == 0 and d2.term() == 0
