"""Loss / duplicate checker for an at-least-once Kafka pipeline.

After the workers stop, read every input topic, every output topic and the
dead-letter topic to their end offsets (outputs twice: read_uncommitted and
read_committed), map each output back to its input, and compare the
consumer group's committed offsets with the input end offsets. A reusable
module (the system tests, scripts/bench-pipeline.sh) and a command:

    python3 nfcheck.py --bootstrap B --input T --output T1,T2 --dlq D \
        --group G [--exactly-once] [--json]

How an output names its input: the "noticeflow-event-id" header,
"<topic>/<partition>/<offset>" of the input message (the worker's event id;
nf-relay sets the same header). An optional `verify(msg, input)` callback
lets a caller cross-check more (the tests decode the Avro record and compare
its event_id, source and key with the input).

Reported (Kafka system tests' and Jepsen's checks):
  lost            inputs with no output in the read_committed view
  dups            extra deliveries (occurrences beyond the first), with the
                  number of inputs delivered more than once
  unexpected      outputs naming no input, or failing verify()
  uncommitted_only outputs seen read_uncommitted but not read_committed
                  (aborted or still open transactions)
  aborted         records of aborted transactions on the output topics,
                  found by reading the brokers' log segments (--log-dirs):
                  the transaction markers say which producer batches were
                  aborted, independently of any client's filtering
  aborted_visible aborted records that a read_committed reader returned
  committed/end   per input partition: the group's committed offset vs the
                  partition's end offset
Failures: lost, unexpected, aborted_visible, committed != end, and dups
when exactly-once.
"""
import argparse
import glob
import json
import os
import struct
import sys
import time
import uuid
from collections import Counter, namedtuple

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

EVENT_ID_HEADER = "noticeflow-event-id"

Msg = namedtuple("Msg", "topic partition offset key value headers")


def header(msg, name):
    for k, v in msg.headers or ():
        if k == name:
            return v
    return None


def event_id(topic, partition, offset):
    return "%s/%d/%d" % (topic, partition, offset)


def retry(fn, what, timeout=60.0):
    """Call @fn until it stops raising a transient Kafka error (a fresh
    broker or topic answers NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
    NOT_LEADER_FOR_PARTITION for a while); anything else, or the deadline,
    is raised."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except KafkaException as e:
            err = e.args[0] if e.args else None
            transient = isinstance(err, KafkaError) and (
                err.retriable() or err.code() in (
                    KafkaError.NOT_COORDINATOR,
                    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
                    KafkaError.COORDINATOR_NOT_AVAILABLE,
                    KafkaError.NOT_LEADER_FOR_PARTITION,
                    KafkaError.LEADER_NOT_AVAILABLE,
                    KafkaError.UNKNOWN_TOPIC_OR_PART,
                    KafkaError._TIMED_OUT, KafkaError._TRANSPORT))
            if not transient or time.monotonic() > deadline:
                raise RuntimeError("%s: %s" % (what, e)) from e
            time.sleep(0.2)


def partitions_of(bootstrap, topic, timeout=30.0):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    md = admin.list_topics(topic, timeout=timeout)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        raise RuntimeError("topic %s: %s" % (topic, t.error if t else "absent"))
    return sorted(t.partitions)


def end_offsets(bootstrap, topic, isolation="read_uncommitted", timeout=30.0):
    """{partition: (low, high)}; high is the LSO under read_committed."""
    c = Consumer({"bootstrap.servers": bootstrap,
                  "group.id": "nfcheck-" + uuid.uuid4().hex,
                  "isolation.level": isolation,
                  "enable.auto.commit": False})
    try:
        return {p: retry(lambda: c.get_watermark_offsets(
                    TopicPartition(topic, p), timeout=timeout, cached=False),
                    "end offsets of %s/%d" % (topic, p))
                for p in partitions_of(bootstrap, topic, timeout)}
    finally:
        c.close()


def read_topic(bootstrap, topic, isolation="read_uncommitted", timeout=120.0):
    """Every message of @topic up to its end offsets, as Msg tuples."""
    c = Consumer({"bootstrap.servers": bootstrap,
                  "group.id": "nfcheck-" + uuid.uuid4().hex,
                  "isolation.level": isolation,
                  "enable.auto.commit": False,
                  "enable.partition.eof": True,
                  "fetch.max.bytes": 64 * 1024 * 1024,
                  "max.partition.fetch.bytes": 32 * 1024 * 1024})
    out = []
    try:
        todo = {}
        assign = []
        for p in partitions_of(bootstrap, topic):
            lo, hi = retry(lambda: c.get_watermark_offsets(
                TopicPartition(topic, p), timeout=30, cached=False),
                "end offsets of %s/%d" % (topic, p))
            if hi > lo:
                todo[p] = hi
                assign.append(TopicPartition(topic, p, lo))
        if not todo:
            return out
        c.assign(assign)
        deadline = time.monotonic() + timeout
        while todo:
            if time.monotonic() > deadline:
                raise TimeoutError("reading %s: partitions %s not at end"
                                   % (topic, sorted(todo)))
            for m in c.consume(num_messages=1000, timeout=1.0):
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        if m.offset() >= todo.get(m.partition(), 0):
                            todo.pop(m.partition(), None)
                        continue
                    raise RuntimeError("reading %s: %s" % (topic, m.error()))
                out.append(Msg(m.topic(), m.partition(), m.offset(), m.key(),
                               m.value(), m.headers() or []))
                if m.offset() + 1 >= todo.get(m.partition(), 1 << 62):
                    todo.pop(m.partition(), None)
        return out
    finally:
        c.close()


def committed_offsets(bootstrap, group, topic):
    """{partition: committed offset or None} of @group on @topic."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                  "enable.auto.commit": False})
    try:
        tps = [TopicPartition(topic, p) for p in partitions_of(bootstrap, topic)]
        got = retry(lambda: c.committed(tps, timeout=30),
                    "committed offsets of %s" % group)
        return {tp.partition: (tp.offset if tp.offset >= 0 else None)
                for tp in got}
    finally:
        c.close()


class Report:
    def __init__(self):
        self.inputs = 0
        self.outputs = 0
        self.dead_letters = 0
        self.lost = []
        self.dups = 0
        self.dup_inputs = 0
        self.unexpected = []
        self.uncommitted_only = 0
        self.aborted = None  # None: log dirs not read
        self.aborted_seen_uncommitted = 0
        self.aborted_visible = []
        self.offsets = {}  # "topic/p" -> {"committed": c, "end": e}
        self.offsets_behind = []

    def failures(self, exactly_once=False):
        f = []
        if self.lost:
            f.append("%d input(s) lost, e.g. %s" % (len(self.lost),
                                                   self.lost[:5]))
        if self.unexpected:
            f.append("%d unexpected output(s), e.g. %s"
                     % (len(self.unexpected), self.unexpected[:5]))
        if self.offsets_behind:
            f.append("committed != end on %s" % self.offsets_behind[:10])
        if self.aborted_visible:
            f.append("%d aborted record(s) visible to read_committed, e.g. %s"
                     % (len(self.aborted_visible), self.aborted_visible[:5]))
        if exactly_once and self.dups:
            f.append("%d duplicate(s) in exactly-once mode" % self.dups)
        return f

    def summary(self):
        return ("inputs %d outputs %d dead letters %d | lost %d dups %d "
                "(%d inputs) unexpected %d | uncommitted-only %d aborted %s "
                "aborted_visible %d | committed==end on %d/%d partitions"
                % (self.inputs, self.outputs, self.dead_letters,
                   len(self.lost), self.dups, self.dup_inputs,
                   len(self.unexpected), self.uncommitted_only,
                   "n/a" if self.aborted is None else self.aborted,
                   len(self.aborted_visible),
                   len(self.offsets) - len(self.offsets_behind),
                   len(self.offsets)))

    def as_dict(self):
        d = dict(self.__dict__)
        d["lost"] = self.lost[:100]
        d["lost_count"] = len(self.lost)
        d["unexpected"] = self.unexpected[:100]
        d["unexpected_count"] = len(self.unexpected)
        d["aborted_visible"] = self.aborted_visible[:100]
        d["aborted_visible_count"] = len(self.aborted_visible)
        return d


def _varint(b, i):
    """Zig-zag varint at b[i:]: (value, next index)."""
    shift = v = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        shift += 7
        if not x & 0x80:
            return (v >> 1) ^ -(v & 1), i


def _batches(path):
    """(base, last, producer_id, transactional, control, abort) of every
    record batch (magic 2) of one segment file."""
    with open(path, "rb") as f:
        data = f.read()
    i = 0
    while i + 61 <= len(data):
        base, length = struct.unpack_from(">qi", data, i)
        if length <= 0 or i + 12 + length > len(data):
            break  # end of the written part (or a batch being appended)
        magic = data[i + 16]
        if magic == 2:
            attrs, last_delta = struct.unpack_from(">hi", data, i + 21)
            pid = struct.unpack_from(">q", data, i + 43)[0]
            txn, control = bool(attrs & 0x10), bool(attrs & 0x20)
            abort = False
            if control:
                # one record: length, attrs, ts delta, offset delta, key
                j = i + 61
                _, j = _varint(data, j)
                j += 1
                _, j = _varint(data, j)
                _, j = _varint(data, j)
                klen, j = _varint(data, j)
                if klen >= 4:
                    abort = struct.unpack_from(">hh", data, j)[1] == 0
            yield base, base + last_delta, pid, txn, control, abort
        i += 12 + length


def aborted_offsets(log_dirs, topic):
    """{partition: set of offsets of aborted records} of @topic, from the
    log segments under @log_dirs (the brokers' log.dirs; every replica is
    read and the sets are united: replicas agree once caught up)."""
    out = {}
    for d in log_dirs:
        for pdir in glob.glob(os.path.join(d, topic + "-*")):
            name = os.path.basename(pdir)
            if name.rsplit("-", 1)[0] != topic:
                continue
            part = int(name.rsplit("-", 1)[1])
            open_txn = {}  # producer id -> [(base, last)]
            got = out.setdefault(part, set())
            for seg in sorted(glob.glob(os.path.join(pdir, "*.log"))):
                for base, last, pid, txn, control, abort in _batches(seg):
                    if control:
                        for b, l in open_txn.pop(pid, []):
                            if abort:
                                got.update(range(b, l + 1))
                    elif txn:
                        open_txn.setdefault(pid, []).append((base, last))
    return out


def check(bootstrap, inputs, outputs, dlq, group, verify=None,
          check_offsets=True, log_dirs=None,
          committed_isolation="read_committed"):
    """Run every check; returns a Report (see its failures()).
    @log_dirs: the brokers' log directories (local cluster): enables the
    aborted / aborted_visible report. @committed_isolation: the isolation
    level of the "committed" view; read_uncommitted there is the negative
    control of the aborted_visible check (a reader that ignores
    transactions sees aborted records)."""
    rep = Report()
    aborted = {}
    if log_dirs:
        for t in list(outputs) + ([dlq] if dlq else []):
            for p, offs in aborted_offsets(log_dirs, t).items():
                for o in offs:
                    aborted[(t, p, o)] = True
        rep.aborted = len(aborted)
    by_id = {}
    for t in inputs:
        for m in read_topic(bootstrap, t):
            by_id[event_id(m.topic, m.partition, m.offset)] = m
    rep.inputs = len(by_id)

    views = {}
    for iso in ("read_uncommitted", "read_committed"):
        seen = Counter()
        level = committed_isolation if iso == "read_committed" else iso
        for t in list(outputs) + ([dlq] if dlq else []):
            for m in read_topic(bootstrap, t, level):
                pos = (m.topic, m.partition, m.offset)
                if pos in aborted:
                    if iso == "read_committed":
                        rep.aborted_visible.append("%s/%d/%d" % pos)
                    else:
                        rep.aborted_seen_uncommitted += 1
                if iso == "read_committed":
                    if t == dlq:
                        rep.dead_letters += 1
                    else:
                        rep.outputs += 1
                raw = header(m, EVENT_ID_HEADER)
                eid = raw.decode("utf-8", "replace") if raw else None
                src = by_id.get(eid)
                if src is None:
                    if iso == "read_committed":
                        rep.unexpected.append("%s/%d/%d names %r" % (
                            m.topic, m.partition, m.offset, eid))
                    continue
                if verify is not None and iso == "read_committed":
                    why = verify(m, src)
                    if why:
                        rep.unexpected.append("%s/%d/%d (%s): %s" % (
                            m.topic, m.partition, m.offset, eid, why))
                seen[eid] += 1
        views[iso] = seen

    committed = views["read_committed"]
    rep.lost = sorted(set(by_id) - set(committed), key=_id_order)
    rep.dups = sum(n - 1 for n in committed.values() if n > 1)
    rep.dup_inputs = sum(1 for n in committed.values() if n > 1)
    rep.uncommitted_only = sum(
        max(0, n - committed.get(e, 0))
        for e, n in views["read_uncommitted"].items())

    if check_offsets:
        for t in inputs:
            ends = end_offsets(bootstrap, t)
            got = committed_offsets(bootstrap, group, t)
            for p, (lo, hi) in sorted(ends.items()):
                c = got.get(p)
                name = "%s/%d" % (t, p)
                rep.offsets[name] = {"committed": c, "end": hi}
                # an empty partition needs no commit
                if not (c == hi or (c is None and hi == lo)):
                    rep.offsets_behind.append("%s committed %s end %d"
                                              % (name, c, hi))
    return rep


def _id_order(eid):
    t, p, o = eid.rsplit("/", 2)
    return (t, int(p), int(o))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--input", action="append", required=True)
    ap.add_argument("--output", required=True,
                    help="comma-separated output topics")
    ap.add_argument("--dlq")
    ap.add_argument("--group", required=True)
    ap.add_argument("--exactly-once", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--log-dirs", help="glob of the brokers' log.dirs "
                    "(e.g. /tmp/noticeflow-kafka-39092/node-*/data): "
                    "report aborted records and their visibility")
    a = ap.parse_args()
    rep = check(a.bootstrap, a.input, a.output.split(","), a.dlq, a.group,
                log_dirs=glob.glob(a.log_dirs) if a.log_dirs else None)
    fails = rep.failures(a.exactly_once)
    if a.json:
        print(json.dumps(dict(rep.as_dict(), failures=fails), indent=1))
    else:
        print(rep.summary())
        for f in fails:
            print("FAIL: " + f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
