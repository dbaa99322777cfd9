"""Operations endpoint against a real Kafka (issue 6): the counters of a
scrape equal what reached the topics, consumer lag is the real backlog,
and /readyz flips at start-up (not ready before the assignment and the
producer) and during the SIGTERM drain."""
import json
import re
import signal
import time
import urllib.error
import urllib.request

from confluent_kafka import Consumer, TopicPartition

import nfcheck
import nfsys
from nfsys import BOOTSTRAP

SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$')


def ops_config(t, **extra):
    cfg = t.worker_config(**{
        "metrics.listen": "127.0.0.1:0",  # the log says which port
        "kafka.statistics.interval.ms": "100",
    })
    cfg.update(extra)
    return cfg


def endpoint_port(w):
    """The port of the worker's endpoint, from its start-up log line."""
    def port():
        for line in w.log_text().splitlines():
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if o.get("msg") == "metrics endpoint listening":
                return o["port"]
        return None
    return nfsys.wait_until(port, "metrics endpoint", [w], interval=0.02)


def get(port, path):
    """(status, body) of GET http://127.0.0.1:port/path."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                    timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def scrape(port):
    status, body = get(port, "/metrics")
    assert status == 200, body
    out = {}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SERIES.match(line)
        assert m, "bad exposition line %r" % line
        assert m.group(1) not in out, "series twice: %s" % m.group(1)
        out[m.group(1)] = float(m.group(2))
    return out


def lag_of(m, topic):
    """{partition: lag} of @topic in scrape @m."""
    pat = re.compile(r'^noticeflow_consumer_lag\{topic="%s",partition="(\d+)"\}$'
                     % re.escape(topic))
    return {int(pm.group(1)): v for k, v in m.items()
            for pm in [pat.match(k)] if pm}


BAD_INPUTS = [
    (b"bad-utf8", b"\xff\xfe\xfd not utf-8", []),
    (b"empty", b"", []),
    (b"broken-envelope", b'{"text": "unterminated', []),
    (b"invalid-envelope", b'{"text": 42}', []),
]


def test_counters_match_topics_and_readiness_at_start(worker_bin, procs,
                                                      tmp_path):
    t = nfsys.Topics("ops", partitions=3)
    w = nfsys.start_worker(ops_config(t), tmp_path, "w")
    procs.append(w)
    port = endpoint_port(w)

    # start-up: alive at once, not ready until assignment + producer
    codes = []
    while True:
        assert get(port, "/healthz")[0] == 200
        status, body = get(port, "/readyz")
        codes.append(status)
        if status == 200:
            assert json.loads(body) == {
                "ready": True, "assignment_held": True,
                "producer_connected": True, "draining": False}
            break
        assert w.alive(), w.log_tail()
        assert len(codes) < 3000, "never ready: %s" % body
        time.sleep(0.01)
    assert codes[0] == 503, codes[:5]
    print("readyz at start-up: %d x 503, then 200" % (len(codes) - 1))

    docs = nfsys.make_docs(300) + BAD_INPUTS
    nfsys.produce(t.input, docs)
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", [w])

    # what reached the topics, from the topics themselves
    outs = nfsys.read_outputs(t)
    per_topic = {}
    reasons = {}
    for recs in outs.values():
        for topic, rec, _ in recs:
            per_topic[topic] = per_topic.get(topic, 0) + 1
            if topic == t.dlq:
                reasons[rec["error_code"]] = reasons.get(
                    rec["error_code"], 0) + 1
    n = len(docs)
    m = scrape(port)
    assert m['noticeflow_messages_consumed_total{topic="%s"}' % t.input] == n
    for topic in t.outputs + [t.dlq]:
        assert m['noticeflow_messages_produced_total{topic="%s"}'
                 % topic] == per_topic.get(topic, 0), topic
        assert per_topic.get(topic, 0) == nfsys.output_count([topic])
    assert m['noticeflow_messages_dead_lettered_total{topic="%s"}'
             % t.input] == per_topic[t.dlq] == len(BAD_INPUTS)
    assert reasons == {"invalid_utf8": 1, "empty": 1, "envelope_json": 1,
                       "envelope_invalid": 1}
    for reason, k in reasons.items():
        assert m['noticeflow_enrich_errors_total{reason="%s"}' % reason] == k
    assert m['noticeflow_processing_seconds_count'] == n
    assert m['noticeflow_processing_seconds_bucket{le="+Inf"}'] == n
    assert m['noticeflow_enrich_seconds_count'] == n
    assert m['noticeflow_in_flight_messages'] == 0
    assert m['noticeflow_delivery_errors_total'] == 0
    assert m['noticeflow_rebalances_total{event="assign"}'] >= 1
    assert m['noticeflow_ready'] == 1

    # drained and committed: every assigned partition reports lag 0
    nfsys.wait_until(lambda: lag_of(scrape(port), t.input) == {
        0: 0, 1: 0, 2: 0}, "lag 0 on the 3 partitions", [w])
    assert w.term() == 0, w.log_tail()
    rep = t.check()
    print("ops:", rep.summary(), "per topic:", per_topic)
    assert rep.failures() == []


def test_consumer_lag_is_the_backlog(worker_bin, procs, tmp_path):
    t = nfsys.Topics("opslag", partitions=2)
    coords = nfsys.produce(t.input, nfsys.make_docs(400))
    backlog = {p: sum(1 for q, _ in coords if q == p) for p in (0, 1)}
    # the group starts committed at 0, so the lag is known from the first
    # statistics on; the first auto-commit comes only after 3 s
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": t.group,
                  "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition(t.input, p, 0) for p in (0, 1)],
             asynchronous=False)
    c.close()
    w = nfsys.start_worker(
        ops_config(t, **{"kafka.consumer.auto.commit.interval.ms": "3000"}),
        tmp_path, "w")
    procs.append(w)
    port = endpoint_port(w)
    seen = {}
    deadline = time.monotonic() + nfsys.WAIT_S
    while not nfsys.drained(t) or lag_of(scrape(port), t.input) != {0: 0,
                                                                   1: 0}:
        for p, v in lag_of(scrape(port), t.input).items():
            seen[p] = max(seen.get(p, 0), v)
        assert w.alive(), w.log_tail()
        assert time.monotonic() < deadline, "lag never back to 0"
        time.sleep(0.02)
    print("backlog %s, largest lag seen %s" % (backlog, seen))
    assert seen == backlog
    assert w.term() == 0, w.log_tail()


def test_not_ready_while_draining(worker_bin, procs, tmp_path):
    t = nfsys.Topics("opsdrain", partitions=1)
    # outputs wait 3 s in the producer: the drain after SIGTERM lasts that
    # long, with the endpoint still up
    w = nfsys.start_worker(
        ops_config(t, **{"kafka.producer.linger.ms": "3000"}), tmp_path, "w")
    procs.append(w)
    port = endpoint_port(w)
    nfsys.wait_until(lambda: get(port, "/readyz")[0] == 200, "ready", [w],
                     interval=0.05)
    n = 20
    nfsys.produce(t.input, nfsys.make_docs(n))
    key = 'noticeflow_messages_consumed_total{topic="%s"}' % t.input
    nfsys.wait_until(lambda: scrape(port)[key] == n, "consumed", [w],
                     interval=0.02)
    assert scrape(port)["noticeflow_processing_seconds_count"] < n
    w.signal(signal.SIGTERM)
    draining = None
    while w.alive():
        try:
            status, body = get(port, "/readyz")
        except (urllib.error.URLError, ConnectionError):
            break  # the endpoint closes as the process exits
        if status == 503 and json.loads(body)["draining"]:
            draining = body
            assert get(port, "/healthz")[0] == 200  # alive while draining
            break
        assert status in (200, 503), status
        time.sleep(0.01)
    assert draining, "never seen not ready while draining"
    print("during drain:", draining.strip())
    assert w.wait() == 0, w.log_tail()
    assert nfcheck.committed_offsets(BOOTSTRAP, t.group, t.input) == {0: n}
    rep = t.check()
    assert rep.failures() == []
