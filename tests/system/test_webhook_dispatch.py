"""Webhook dispatcher against a real local receiver (issue 4, tests 2-5, 7).

Alerts are produced straight to the alerts topic, as the worker writes
them (contract "Alert notes"), so these tests do not depend on the
pipeline; test_webhook_e2e.py runs `noticeflow run` + `dispatch` together.
"""
import json

import nfsys
import nfwebhook as W


def setup(tmpdir, prefix, tls=True, **cfg_extra):
    ca = W.TestCA(tmpdir) if tls else None
    secret = W.new_secret()
    rx = W.Receiver(secret, tls=ca.server("127.0.0.1", "localhost")
                    if tls else None)
    topics = W.AlertTopics(prefix)
    url = rx.url("https" if tls else "http")
    extra = {"webhook.ca.file": ca.cert} if tls else {}
    extra.update(cfg_extra)
    cfg = topics.config(url, W.write_secret(tmpdir, secret), **extra)
    return ca, rx, topics, url, cfg


def answered(rx, code):
    with rx.lock:
        return [r for r in rx.requests if r.status == code]


def test_outage_503_then_recovery(tmpdir, procs):
    """Test 2: 503 for 30 s, then 200: every alert arrives (each webhook-id
    at least once, signatures verified independently), and the worker's
    enriched records keep flowing during the outage."""
    # the schedule spans the outage (1+2+4+8x6 s > 30 s)
    _, rx, topics, url, cfg = setup(
        tmpdir, "wh-outage",
        **{"webhook.retry.schedule": "0s,1s,2s,4s,8s,8s,8s,8s,8s,8s"})
    t_end = W.now() + 30
    rx.behave(lambda req: (503, {}, b"down") if W.now() < t_end
              else (200, {}, b"ok"))
    d = W.start_dispatcher(cfg, tmpdir)
    w = nfsys.start_worker(cfg, tmpdir)
    procs += [d, w]
    items = W.alert_items(20, topics.t.input)
    nfsys.produce(topics.alerts, items)
    want = [W.webhook_id(e, url) for e in W.event_ids(items)]
    # during the outage: notices in, enriched records out
    docs = nfsys.make_docs(30, "outage")
    nfsys.produce(topics.t.input, docs)
    nfsys.wait_until(lambda: nfsys.drained(topics.t), "worker drained", [w],
                     timeout=60)
    assert W.now() < t_end, "the worker needed the endpoint to recover"
    assert len(answered(rx, 503)) >= 20, "alerts were not attempted"
    W.wait_ids(rx, want, [d], timeout=120)
    with rx.lock:
        reqs = list(rx.requests)
    assert all(r.verified for r in reqs), [r.error for r in reqs
                                           if not r.verified][:3]
    ok = [r for r in reqs if r.status == 200]
    # (the worker's own alerts for the notices above arrive too)
    assert set(want) <= {r.id for r in ok}
    # the retry topic holds the parked attempts with their schedule
    parked = W.read(topics.retry)
    assert parked, "nothing parked during the outage"
    for m in parked:
        assert int(W.hdr(m, "noticeflow-attempt")) >= 1
        assert int(W.hdr(m, "noticeflow-next-attempt-ms")) > 0
        assert W.hdr(m, "noticeflow-last-status") == "503"
    assert not W.read(topics.adlq)
    assert d.term() == 0
    assert w.term() == 0


def test_429_retry_after_honoured(tmpdir, procs):
    """Test 3: 429 with Retry-After: 3 → the next attempt not earlier."""
    _, rx, topics, url, cfg = setup(tmpdir, "wh-429")
    seen = set()

    def respond(req):
        if req.id not in seen:
            seen.add(req.id)
            return (429, {"Retry-After": "3"}, b"slow down")
        return (200, {}, b"ok")

    rx.behave(respond)
    d = W.start_dispatcher(cfg, tmpdir)
    procs.append(d)
    items = W.alert_items(3, topics.t.input)
    nfsys.produce(topics.alerts, items)
    want = [W.webhook_id(e, url) for e in W.event_ids(items)]
    W.wait_ids(rx, want, [d], timeout=60)
    with rx.lock:
        reqs = list(rx.requests)
    for wid in want:
        times = [r.t for r in reqs if r.id == wid]
        assert len(times) == 2, (wid, times)
        assert times[1] - times[0] >= 3.0, times
    assert d.term() == 0


def test_400_dead_letter_no_retry(tmpdir, procs):
    """Test 4: 400 → an alert dead letter with the status; no retry."""
    _, rx, topics, url, cfg = setup(tmpdir, "wh-400")
    rx.behave(lambda req: (400, {}, b"bad payload"))
    d = W.start_dispatcher(cfg, tmpdir)
    procs.append(d)
    items = W.alert_items(2, topics.t.input)
    nfsys.produce(topics.alerts, items)
    nfsys.wait_until(lambda: len(W.read(topics.adlq)) >= 2, "dead letters",
                     [d], timeout=60)
    dl = W.read(topics.adlq)
    got = {}
    for m in dl:
        rec = json.loads(m.value)
        got[rec["event_id"]] = rec
        assert rec["status"] == 400 and rec["error_code"] == "http_status"
        assert rec["webhook_id"] == W.webhook_id(rec["event_id"], url)
        assert rec["alert"]["event_id"] == rec["event_id"]
        assert rec["response_snippet"] == "bad payload"
        assert W.hdr(m, "noticeflow-http-status") == "400"
    assert set(got) == set(W.event_ids(items))
    nfsys.time.sleep(3)  # longer than the first retry delay
    assert len(rx.requests) == 2, "a 400 was retried"
    assert not W.read(topics.retry)
    assert d.term() == 0


def test_hanging_endpoint_times_out(tmpdir, procs):
    """Test 5: the receiver accepts and never answers: each attempt is
    aborted by webhook.timeout.ms, the alert is parked, the dispatcher
    keeps going (attempts run side by side, never one after the other)."""
    _, rx, topics, url, cfg = setup(tmpdir, "wh-hang",
                                    **{"webhook.timeout.ms": "2000"})
    seen = set()

    def respond(req):
        if req.id not in seen:
            seen.add(req.id)
            return (None, {}, b"")
        return (200, {}, b"ok")

    rx.behave(respond)
    d = W.start_dispatcher(cfg, tmpdir)
    procs.append(d)
    items = W.alert_items(4, topics.t.input)
    nfsys.produce(topics.alerts, items)
    want = [W.webhook_id(e, url) for e in W.event_ids(items)]
    W.wait_ids(rx, want, [d], timeout=60)
    with rx.lock:
        reqs = list(rx.requests)
    firsts = sorted(min(r.t for r in reqs if r.id == w) for w in want)
    assert firsts[-1] - firsts[0] < 1.5, "attempts were serialized"
    for wid in want:
        ts = sorted(r.t for r in reqs if r.id == wid)
        assert ts[1] - ts[0] >= 2.0, "retried before the timeout"
    parked = W.read(topics.retry)
    assert len(parked) >= 4
    assert all("imeout" in (W.hdr(m, "noticeflow-last-error") or "")
               for m in parked), [W.hdr(m, "noticeflow-last-error")
                                  for m in parked]
    assert d.alive()
    rx.hang.set()
    assert d.term() == 0


def tls_case(tmpdir, prefix, names, with_ca):
    ca = W.TestCA(tmpdir.mkdir(prefix))
    secret = W.new_secret()
    rx = W.Receiver(secret, tls=ca.server(*names))
    topics = W.AlertTopics(prefix, partitions=1)
    url = rx.url("https")
    extra = {"webhook.ca.file": ca.cert} if with_ca else {}
    cfg = topics.config(url, W.write_secret(tmpdir.mkdir(prefix + "-s"),
                                            secret), **extra)
    d = W.start_dispatcher(cfg, tmpdir, name=prefix)
    items = W.alert_items(1, topics.t.input)
    nfsys.produce(topics.alerts, items)
    return rx, topics, url, d, items


def test_tls_verification(tmpdir, procs):
    """Test 7: a self-made CA is trusted when configured, refused when not;
    a certificate for another name is refused."""
    rx, topics, url, d, items = tls_case(tmpdir, "wh-tls-ok",
                                         ("127.0.0.1",), True)
    procs.append(d)
    W.wait_ids(rx, [W.webhook_id(W.event_ids(items)[0], url)], [d])
    assert d.term() == 0
    rx.close()

    for prefix, names, with_ca in (("wh-tls-noca", ("127.0.0.1",), False),
                                   ("wh-tls-name", ("wrong.example",), True)):
        rx, topics, url, d, items = tls_case(tmpdir, prefix, names, with_ca)
        procs.append(d)
        nfsys.wait_until(lambda: W.read(topics.retry), prefix + " parked",
                         [d], timeout=60)
        m = W.read(topics.retry)[0]
        err = W.hdr(m, "noticeflow-last-error") or ""
        assert W.hdr(m, "noticeflow-last-status") == "0", err
        assert "SSL" in err or "certificate" in err, err
        assert rx.connections >= 1 and not rx.requests, \
            "%s: a request got through" % prefix
        assert d.term() == 0
        rx.close()
