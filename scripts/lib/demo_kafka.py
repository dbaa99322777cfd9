"""The Kafka half of the demo (scripts/demo-kafka.sh runs it once Kafka is
up): create topics, start `noticeflow run`, feed samples/*.txt, wait until
the worker has committed them all, stop it with SIGTERM, and print every
enriched record read back from the output topics as JSON (Avro decoded with
fastavro against schemas/*.avsc).

usage: demo_kafka.py [--compact] [FILE...]   (default: samples/*.txt)
"""
import argparse
import base64
import datetime
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "tests", "system"))
import nfsys  # noqa: E402


def jsonable(v):
    if isinstance(v, datetime.datetime):  # timestamp-millis
        return v.isoformat()
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(v).decode()
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--compact", action="store_true",
                    help="one JSON object per line")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    if a.files:
        docs = []
        for p in a.files:
            with open(p, "rb") as f:
                docs.append((os.path.basename(p).rsplit(".", 1)[0], f.read()))
    else:
        docs = nfsys.samples()

    t = nfsys.Topics("demo")
    tmp = tempfile.mkdtemp(prefix="noticeflow-demo-")
    cfg = t.worker_config()
    w = nfsys.start_worker(cfg, tmp, "worker")
    try:
        print("demo: worker pid %d, config %s/worker.properties, log %s"
              % (w.pid, tmp, w.log_path), file=sys.stderr)
        print("demo: feeding %d notice(s) to topic %s"
              % (len(docs), t.input), file=sys.stderr)
        nfsys.produce(t.input, [(name.encode(), text, [])
                                for name, text in docs])
        nfsys.wait_until(lambda: nfsys.drained(t),
                         "the worker to commit every input", [w], timeout=120)
        rc = w.term()
        print("demo: worker stopped with SIGTERM, exit %d" % rc,
              file=sys.stderr)
        outs = nfsys.read_outputs(t)
    finally:
        w.close()

    n = 0
    for eid in sorted(outs, key=lambda e: (e.split("/")[1],
                                           int(e.split("/")[2]))):
        for topic, rec, msg in outs[eid]:
            rec = dict({"topic": topic}, **jsonable(rec))
            if a.compact:
                print(json.dumps(rec, ensure_ascii=False))
            else:
                print(json.dumps(rec, ensure_ascii=False, indent=2))
            n += 1
    counts = {}
    for got in outs.values():
        for topic, _, _ in got:
            counts[topic] = counts.get(topic, 0) + 1
    print("demo: %d record(s): %s" % (n, ", ".join(
        "%s=%d" % kv for kv in sorted(counts.items()))), file=sys.stderr)
    return 0 if rc == 0 and n == len(docs) else 1


if __name__ == "__main__":
    sys.exit(main())
