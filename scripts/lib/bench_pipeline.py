"""Pipeline benchmark (scripts/bench-pipeline.sh runs it once Kafka is up):
documents/s of `noticeflow run` against nf-relay, the no-op client with the
worker's delivery settings, on the same broker and the same pre-filled
input topic, each run with a fresh consumer group and fresh output topics.

Measured from the first output produced (its CreateTime, stamped by the
producer right after the first consume) to the moment the output topics'
end offsets (acks=all: acknowledged writes) reach the number of inputs,
polled every 20 ms. Group join and process start-up are outside the window
(printed apart as "wall"). Each run is then checked with nfcheck (nothing
lost, committed == end), so a figure never comes from an incomplete run.

usage: bench_pipeline.py [--docs N] [--partitions P] [--rounds R]
                         [--threads T]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "tests", "system"))
import nfsys  # noqa: E402


def cpu_seconds(pid):
    """User + system CPU time of a live process (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_one(kind, input_topic, n, tmp, threads, kafka=()):
    """@kafka: librdkafka properties "k=v" for both clients of either."""
    t = nfsys.Topics("bench-" + kind, out_partitions=3, input=input_topic)
    t_start = time.time()
    if kind == "relay":
        outs = [t.out["other"]]
        proc = nfsys.start_relay(t, tmp, "relay-" + t.group,
                                 args=[a for kv in kafka for a in ("-X", kv)])
    else:
        outs = t.outputs + [t.dlq]
        cfg = t.worker_config(**{"worker.threads": str(threads)})
        # deployment defaults for the group, not the tests' fast ones
        for k in ("kafka.consumer.auto.commit.interval.ms",
                  "kafka.consumer.session.timeout.ms",
                  "kafka.consumer.heartbeat.interval.ms"):
            del cfg[k]
        cfg.update(("kafka." + kv.split("=", 1)[0], kv.split("=", 1)[1])
                   for kv in kafka)
        proc = nfsys.start_worker(cfg, tmp, "worker-" + t.group)
    watch = nfsys.EndOffsets(outs)
    try:
        nfsys.wait_until(lambda: watch.total() >= n, "%s outputs" % kind,
                         [proc], timeout=900, interval=0.02)
        t_done = time.time()
        first_ms = watch.first_timestamp()
        cpu = cpu_seconds(proc.pid)
        rc = proc.term()
    finally:
        watch.close()
        proc.close()
    if rc != 0:
        raise SystemExit("%s exited %d; log %s" % (kind, rc, proc.log_path))
    rep = t.check(verify=None if kind == "relay" else nfsys.verify_output)
    if rep.failures():
        raise SystemExit("%s run failed the checker: %s"
                         % (kind, rep.failures()))
    secs = t_done - first_ms / 1000.0
    return {"kind": kind, "secs": secs, "rate": n / secs,
            "wall": t_done - t_start, "dups": rep.dups, "cpu": cpu,
            "outputs": rep.outputs, "dead_letters": rep.dead_letters}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=50000)
    ap.add_argument("--partitions", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--kafka", action="append", default=[], metavar="K=V",
                    help="librdkafka property for worker and relay alike "
                    "(an A/B of a setting: run twice)")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="noticeflow-bench-")
    docs = nfsys.make_docs(a.docs, "bench")
    size = sum(len(v) for _, v, _ in docs) / len(docs)
    inp = nfsys.unique("bench") + "-in"
    nfsys.create_topics([(inp, a.partitions, {})])
    t0 = time.time()
    nfsys.produce(inp, docs)
    print("bench: input %s: %d docs (%.0f bytes avg) over %d partitions, "
          "filled in %.1f s" % (inp, a.docs, size, a.partitions,
                                time.time() - t0), file=sys.stderr)
    del docs
    res = {"relay": [], "worker": []}
    for r in range(a.rounds):
        for kind in ("relay", "worker"):
            x = run_one(kind, inp, a.docs, tmp, a.threads, a.kafka)
            res[kind].append(x)
            print("bench: round %d %-6s %7.0f docs/s (%.2f s, wall %.1f s, "
                  "dups %d, dead letters %d)" % (
                      r + 1, kind, x["rate"], x["secs"], x["wall"],
                      x["dups"], x["dead_letters"]), file=sys.stderr)
    relay = statistics.median(x["rate"] for x in res["relay"])
    worker = statistics.median(x["rate"] for x in res["worker"])
    print("pipeline: %d docs, %d partitions, worker.threads=%d, %d round(s)"
          % (a.docs, a.partitions, a.threads, a.rounds))
    print("relay  (no-op, same delivery settings): %8.0f docs/s" % relay)
    print("worker (noticeflow run):                %8.0f docs/s" % worker)
    print("ratio worker/relay: %.2f" % (worker / relay))
    return 0


if __name__ == "__main__":
    sys.exit(main())
