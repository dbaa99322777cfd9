"""Produce → webhook latency of alerts (scripts/bench-alerts.sh).

Each input notice is produced at a fixed rate; its produce time is taken
just before rd_kafka produce. The receiver (tests/system/webhook_receiver,
https on 127.0.0.1 with a test CA) stamps each POST on arrival and maps it
back to its input through the body's event_id (<topic>/<partition>/
<offset>, from the producer's delivery report). Latency = arrival - produce.
"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from confluent_kafka import Consumer, Producer  # noqa: E402

import nfsys  # noqa: E402
import nfwebhook as W  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def alert_create_times(topic, n):
    """event_id -> CreateTime (s) of each alert record: when the worker
    called produce for it (it sets no timestamp of its own)."""
    c = Consumer({"bootstrap.servers": nfsys.BOOTSTRAP,
                  "group.id": nfsys.unique("bench-hops"),
                  "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    out = {}
    deadline = time.time() + 30
    while len(out) < n and time.time() < deadline:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        out[json.loads(m.value())["event_id"]] = m.timestamp()[1] / 1000.0
    c.close()
    return out


def line(name, xs):
    return "%-28s p50 %7.1f  p90 %7.1f  p99 %7.1f  max %7.1f" % (
        name, pct(xs, 50), pct(xs, 90), pct(xs, 99), max(xs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--direct", action="store_true",
                    help="alerts straight to the alerts topic")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="nf-bench-alerts-")
    ca = W.TestCA(tmp)
    secret = W.new_secret()
    rx = W.Receiver(secret, tls=ca.server("127.0.0.1"))
    topics = W.AlertTopics("bench-alerts", partitions=3)
    url = rx.url("https")
    cfg = topics.config(url, W.write_secret(tmp, secret),
                        **{"webhook.ca.file": ca.cert, "log.level": "warn",
                           # produce at once: latency, not batching
                           "kafka.producer.linger.ms": "0",
                           "kafka.consumer.fetch.wait.max.ms": "10"})
    procs = [W.start_dispatcher(cfg, tmp)]
    if not a.direct:
        procs.append(nfsys.start_worker(cfg, tmp))
    # only incidents alert: take the incident samples
    base = [(n, t) for n, t in nfsys.samples()
            if not any(k in n for k in ("campaign", "newsletter"))]
    n = int(a.rate * a.seconds)
    sent = {}  # event_id -> produce time
    lock = threading.Lock()
    p = Producer({"bootstrap.servers": nfsys.BOOTSTRAP, "linger.ms": 0,
                  "acks": "all", "enable.idempotence": True})
    topic = topics.alerts if a.direct else topics.t.input

    def dr(err, msg, t0):
        if err:
            raise RuntimeError(err)
        if a.direct:
            return
        eid = "%s/%d/%d" % (msg.topic(), msg.partition(), msg.offset())
        with lock:
            sent[eid] = t0

    time.sleep(5)  # group joins
    start = time.time()
    for i in range(n):
        due = start + i / a.rate
        while time.time() < due:
            p.poll(max(0.0, min(0.005, due - time.time())))
        name, text = base[i % len(base)]
        t0 = time.time()
        if a.direct:
            key, value, hdrs = W.alert_items(1, "bench-%d" % i)[0]
            with lock:
                sent[W.event_ids([(key, value, hdrs)])[0]] = t0
        else:
            key, value, hdrs = (b"b%06d" % i, text +
                                ("\n（管理番号 B-%06d）\n" % i).encode(), [])
        p.produce(topic, value=value, key=key, headers=hdrs,
                  on_delivery=lambda e, m, t0=t0: dr(e, m, t0))
        p.poll(0)
    p.flush(60)
    deadline = time.time() + 60
    while time.time() < deadline:
        with rx.lock:
            if len({r.id for r in rx.requests}) >= n:
                break
        time.sleep(0.2)
    lat, hop_w, hop_d = [], [], []
    with rx.lock:
        reqs = list(rx.requests)
    created = {} if a.direct else alert_create_times(topics.alerts, n)
    for r in reqs:
        # the body's event_id: the input's coordinates (worker mode), or
        # the made-up id the alert was produced with (direct mode)
        eid = json.loads(r.body)["event_id"]
        if eid in sent and r.status == 200:
            t0 = sent.pop(eid)
            lat.append((r.t - t0) * 1000.0)
            if eid in created:
                hop_w.append((created[eid] - t0) * 1000.0)
                hop_d.append((r.t - created[eid]) * 1000.0)
    for q in procs:
        q.term(60)
        q.close()
    rx.close()
    bad = sum(1 for r in reqs if not r.verified)
    if not lat:
        print("bench-alerts: no alert received", file=sys.stderr)
        return 1
    print("alerts: %d sent, %d received, %d unverified; rate %.0f/s %s"
          % (n, len(lat), bad, a.rate, "(dispatcher only)" if a.direct
             else "(worker + dispatcher)"))
    print("latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f"
          % (pct(lat, 50), pct(lat, 90), pct(lat, 99), max(lat)))
    if hop_w:
        # CreateTime has millisecond resolution: hops are +-1 ms
        print(line("  produce -> worker produces", hop_w))
        print(line("  worker produces -> POST", hop_d))
    print("goal p99 <= 50 ms: %s" % ("met" if pct(lat, 99) <= 50 else
                                     "NOT met"))
    return 0 if len(lat) == n and bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
