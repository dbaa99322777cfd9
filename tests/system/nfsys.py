"""Harness of the system tests: topics, inputs, real processes, Avro.

Runs the REAL binaries against a real Kafka (scripts/system-test.sh starts
one with scripts/kafka.sh and exports NF_BOOTSTRAP):
  NF_BIN        noticeflow (default build/worker/noticeflow)
  NF_RELAY_BIN  nf-relay (default next to NF_BIN)
Outputs are decoded with fastavro against the committed schemas/*.avsc,
after checking the single-object header (C3 01 + the schema's CRC-64-AVRO
fingerprint, as fastavro computes it).
"""
import glob
import io
import json
import os
import signal
import subprocess
import time
import uuid

import fastavro
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from fastavro.schema import fingerprint, to_parsing_canonical_form

import nfcheck

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BOOTSTRAP = os.environ.get("NF_BOOTSTRAP", "127.0.0.1:39092")
NF_BIN = os.environ.get("NF_BIN", os.path.join(ROOT, "build/worker/noticeflow"))
NF_RELAY_BIN = os.environ.get(
    "NF_RELAY_BIN", os.path.join(os.path.dirname(NF_BIN), "nf-relay"))
SAMPLES = os.path.join(ROOT, "samples")
# Upper bounds so a broken worker fails a test instead of hanging it; they
# are not performance assertions.
WAIT_S = float(os.environ.get("NF_SYSTEM_WAIT_S", "300"))

CATEGORIES = ("incident", "loyalty_campaign", "other")


class Schema:
    """One committed .avsc: single-object decoding with a header check."""

    def __init__(self, name):
        with open(os.path.join(ROOT, "schemas", name)) as f:
            self.parsed = fastavro.parse_schema(json.load(f))
        self.fp_hex = fingerprint(to_parsing_canonical_form(self.parsed),
                                  "CRC-64-AVRO")
        self.header = b"\xc3\x01" + bytes.fromhex(self.fp_hex)

    def decode(self, value):
        if value is None or len(value) < 10:
            raise ValueError("not single-object Avro: too short")
        if value[:2] != b"\xc3\x01":
            raise ValueError("bad magic %r" % value[:2])
        if value[2:10] != self.header[2:]:
            raise ValueError("fingerprint %s != schema's %s"
                             % (value[2:10].hex(), self.fp_hex))
        bio = io.BytesIO(value[10:])
        rec = fastavro.schemaless_reader(bio, self.parsed)
        if bio.tell() != len(value) - 10:
            raise ValueError("%d trailing bytes" % (len(value) - 10 - bio.tell()))
        return rec


EVENT = Schema("notice_event.avsc")
DEAD = Schema("dead_letter.avsc")


def hdr(msg, name):
    v = nfcheck.header(msg, name)
    return v.decode("utf-8", "replace") if v is not None else None


def verify_output(msg, src):
    """nfcheck verify callback: the record agrees with its input."""
    is_dlq = hdr(msg, "noticeflow-error-code") is not None
    schema = DEAD if is_dlq else EVENT
    try:
        rec = schema.decode(msg.value)
    except Exception as e:  # any decoding failure is a finding
        return "undecodable: %s" % e
    if hdr(msg, "noticeflow-schema-fingerprint") != schema.fp_hex:
        return "fingerprint header %r" % hdr(msg, "noticeflow-schema-fingerprint")
    if hdr(msg, "content-type") != "application/avro":
        return "content-type %r" % hdr(msg, "content-type")
    want = nfcheck.event_id(src.topic, src.partition, src.offset)
    if rec["event_id"] != want:
        return "event_id %r != %r" % (rec["event_id"], want)
    s = rec["source"]
    if (s["topic"], s["partition"], s["offset"]) != (
            src.topic, src.partition, src.offset):
        return "source %r" % (s,)
    if msg.key != src.key or s["key"] != src.key:
        return "key %r / source.key %r != input key %r" % (
            msg.key, s["key"], src.key)
    return None


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


class Topics:
    """Input + the four output topics of one test, created on the broker."""

    def __init__(self, prefix, partitions=3, out_partitions=3, input=None):
        """@input: an existing input topic to share (else one is made)."""
        base = unique(prefix)
        self.input = input or base + "-in"
        self.out = {c: "%s-%s" % (base, c.replace("_", "-"))
                    for c in CATEGORIES}
        self.dlq = base + "-dlq"
        self.group = base + "-group"
        big = {"max.message.bytes": str(16 * 1024 * 1024)}
        create_topics(([] if input else [(self.input, partitions, big)]) +
                      [(t, out_partitions, {}) for t in self.out.values()] +
                      [(self.dlq, out_partitions, big)])

    @property
    def outputs(self):
        return list(self.out.values())

    def worker_config(self, **extra):
        cfg = {
            "input.topics": self.input,
            "group.id": self.group,
            "output.topic.incident": self.out["incident"],
            "output.topic.loyalty_campaign": self.out["loyalty_campaign"],
            "output.topic.other": self.out["other"],
            "output.topic.dead_letter": self.dlq,
            "worker.threads": "2",
            "kafka.bootstrap.servers": BOOTSTRAP,
            # commit more often than the 5 s default: faster drains
            "kafka.consumer.auto.commit.interval.ms": "500",
            # several workers share this host: each its own free port
            # (the default 0.0.0.0:9464 lets only one start)
            "metrics.listen": "127.0.0.1:0",
            # a SIGKILLed member is noticed after 6 s, not 45 s
            "kafka.consumer.session.timeout.ms": "6000",
            "kafka.consumer.heartbeat.interval.ms": "1000",
        }
        cfg.update(extra)
        return cfg

    def check(self, verify=verify_output, **kw):
        kw.setdefault("log_dirs", kafka_log_dirs())
        return nfcheck.check(BOOTSTRAP, [self.input], self.outputs, self.dlq,
                             self.group, verify=verify, **kw)


def kafka_log_dirs():
    """log.dirs of the local scripts/kafka.sh cluster (its state dir, as
    kafka.sh derives it), or None when not found: the checker then does
    not report aborted records."""
    state = os.environ.get("NF_KAFKA_STATE_DIR") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"),
        "noticeflow-kafka-%s" % os.environ.get("NF_KAFKA_PORT", "39092"))
    dirs = sorted(glob.glob(os.path.join(state, "node-*", "data")))
    return dirs or None


def create_topics(specs):
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    futs = admin.create_topics(
        [NewTopic(n, num_partitions=p, replication_factor=-1, config=c)
         for n, p, c in specs], operation_timeout=30)
    for f in futs.values():
        f.result(timeout=60)
    # wait until every partition has a leader (metadata propagation)
    deadline = time.monotonic() + 60
    for n, p, _ in specs:
        while True:
            md = admin.list_topics(n, timeout=10).topics.get(n)
            if md and not md.error and len(md.partitions) == p and all(
                    x.leader >= 0 for x in md.partitions.values()):
                break
            if time.monotonic() > deadline:
                raise TimeoutError("topic %s has no leaders" % n)
            time.sleep(0.1)


def produce(topic, items, partition=None, rate=None, events=None):
    """items: (key, value, headers) tuples; returns [(partition, offset)].

    @rate: about that many messages/s (a stream the workers consume while
    it is written; the worker is far faster than any pre-filled topic a test
    can afford, so "mid-stream" needs a paced input). @events: {i: fn} runs
    fn once the first i items are handed to the producer, while the
    stream flows (kill a worker midway...)."""
    p = Producer({"bootstrap.servers": BOOTSTRAP, "acks": "all",
                  "enable.idempotence": True, "linger.ms": 20,
                  "message.max.bytes": 16 * 1024 * 1024,
                  "queue.buffering.max.messages": 200000})
    got = []
    errors = []

    def dr(err, msg):
        if err:
            errors.append(err)
        else:
            got.append((msg.partition(), msg.offset()))

    t0 = time.monotonic()
    for i, (key, value, headers) in enumerate(items):
        if events and i in events:
            p.poll(0)
            events[i]()  # no flush: the stream is still flowing
        if rate and i % 50 == 0:
            p.poll(0)
            ahead = t0 + i / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)  # not poll(ahead): it returns early
        kw = {} if partition is None else {"partition": partition}
        while True:
            try:
                p.produce(topic, value=value, key=key, headers=headers,
                          on_delivery=dr, **kw)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(60)
    if errors or left:
        raise RuntimeError("produce to %s: %s, %d unflushed"
                           % (topic, errors[:3], left))
    return got


def samples():
    """[(name, text bytes)] of samples/*.txt, sorted."""
    out = []
    for n in sorted(os.listdir(SAMPLES)):
        if n.endswith(".txt"):
            with open(os.path.join(SAMPLES, n), "rb") as f:
                out.append((n[:-4], f.read()))
    return out


def make_docs(n, tag="doc"):
    """n distinct notices built from the samples (a serial line appended),
    key and header "nf-test-id" = a unique id."""
    base = samples()
    docs = []
    for i in range(n):
        name, text = base[i % len(base)]
        key = ("%s-%06d" % (tag, i)).encode()
        value = text + ("\n（管理番号 NF-%06d）\n" % i).encode()
        docs.append((key, value, [("nf-test-id", key)]))
    return docs


class Proc:
    """A real process (worker or relay) with its stderr in a log file."""

    def __init__(self, argv, log_path, env=None):
        self.argv = argv
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=self.log,
                                  stdin=subprocess.DEVNULL,
                                  env=dict(os.environ, **(env or {})))

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def signal(self, sig):
        if self.alive():
            self.p.send_signal(sig)

    def wait(self, timeout=WAIT_S):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError("%s did not exit within %ss; log:\n%s"
                                 % (self.argv[0], timeout, self.log_tail()))
        finally:
            self.log.flush()

    def term(self, timeout=WAIT_S):
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill9(self):
        self.signal(signal.SIGKILL)
        self.p.wait()

    def log_text(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_tail(self, n=40):
        return "\n".join(self.log_text().splitlines()[-n:])

    def close(self):
        if self.alive():
            self.p.kill()
            self.p.wait()
        self.log.close()


def start_worker(cfg, tmpdir, name="worker", args=()):
    path = os.path.join(str(tmpdir), name + ".properties")
    with open(path, "w") as f:
        f.write("# written by tests/system/nfsys.py\n")
        for k, v in cfg.items():
            f.write("%s=%s\n" % (k, v))
    return Proc([NF_BIN, "run", "--config", path] + list(args),
                os.path.join(str(tmpdir), name + ".log"))


def start_relay(topics, tmpdir, name="relay", output=None, args=()):
    argv = [NF_RELAY_BIN, "-b", BOOTSTRAP, "-g", topics.group,
            "-i", topics.input, "-o", output or topics.out["other"],
            "-X", "consumer.auto.commit.interval.ms=500",
            "-X", "consumer.session.timeout.ms=6000",
            "-X", "consumer.heartbeat.interval.ms=1000"] + list(args)
    return Proc(argv, os.path.join(str(tmpdir), name + ".log"))


class EndOffsets:
    """Sum of the end offsets of some topics, polled cheaply (one client
    for all the calls, so a test can watch progress every few ms)."""

    def __init__(self, topics_list, isolation="read_committed"):
        # read_committed (librdkafka's default) ends at the last stable
        # offset: records of open transactions are not counted yet
        self.c = Consumer({"bootstrap.servers": BOOTSTRAP,
                           "group.id": unique("nfsys-watch"),
                           "enable.auto.commit": False,
                           "isolation.level": isolation})
        self.tps = [TopicPartition(t, p) for t in topics_list
                    for p in nfcheck.partitions_of(BOOTSTRAP, t)]

    def total(self):
        n = 0
        for tp in self.tps:
            lo, hi = nfcheck.retry(lambda: self.c.get_watermark_offsets(
                tp, timeout=10, cached=False), "end offsets")
            n += hi - lo
        return n

    def first_timestamp(self):
        """Smallest message timestamp (ms) at the start of the partitions:
        when the first output was produced (CreateTime)."""
        first = None
        for tp in self.tps:
            lo, hi = self.c.get_watermark_offsets(tp, timeout=10)
            if hi <= lo:
                continue
            self.c.assign([TopicPartition(tp.topic, tp.partition, lo)])
            m = self.c.poll(10)
            if m is not None and not m.error():
                ts = m.timestamp()[1]
                first = ts if first is None else min(first, ts)
        self.c.unassign()
        return first

    def close(self):
        self.c.close()


def output_count(topics_list):
    """Messages on @topics_list (sum of end offsets)."""
    w = EndOffsets(topics_list)
    try:
        return w.total()
    finally:
        w.close()


def wait_until(pred, what, procs=(), timeout=WAIT_S, interval=0.3):
    """Poll @pred; fail early with logs if a process in @procs dies."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        for p in procs:
            if not p.alive():
                raise AssertionError("%s exited (%s) while waiting for %s; "
                                     "log:\n%s" % (p.argv[0], p.p.returncode,
                                                   what, p.log_tail()))
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


def drained(topics):
    """True when the group's committed offsets reached every end offset."""
    ends = nfcheck.end_offsets(BOOTSTRAP, topics.input)
    got = nfcheck.committed_offsets(BOOTSTRAP, topics.group, topics.input)
    return all(got.get(p) == hi or (hi == lo and got.get(p) is None)
               for p, (lo, hi) in ends.items())


def read_outputs(topics):
    """{event_id: (topic, decoded record, msg)} over outputs and the DLQ."""
    out = {}
    for t in topics.outputs + [topics.dlq]:
        schema = DEAD if t == topics.dlq else EVENT
        for m in nfcheck.read_topic(BOOTSTRAP, t, "read_committed"):
            rec = schema.decode(m.value)
            out.setdefault(rec["event_id"], []).append((t, rec, m))
    return out


def enrich_cli(text, reference_date=None, tmpdir="/tmp"):
    """What `noticeflow enrich` prints for @text (one JSON object)."""
    path = os.path.join(str(tmpdir), unique("cli") + ".txt")
    with open(path, "wb") as f:
        f.write(text)
    argv = [NF_BIN, "enrich"]
    if reference_date:
        argv += ["--reference-date", reference_date]
    res = subprocess.run(argv + [path], capture_output=True, timeout=60)
    os.unlink(path)
    if res.returncode != 0:
        raise AssertionError("noticeflow enrich failed: %s" % res.stderr)
    return json.loads(res.stdout)
