"""Fault-injection suite (scripts/faults.sh runs it against a 3-broker
cluster it started with scripts/kafka.sh). Each scenario runs the
at-least-once and the exactly-once pipeline SIDE BY SIDE (own topics and
groups, three workers each) under the same faults, then checks both with
nfcheck (read_uncommitted + read_committed, aborted records from the
brokers' log segments, committed vs end offsets) and prints one verdict
line per mode:

  1 worker-kill   SIGKILL a worker every 10 s, restart it
  2 broker-kill   SIGKILL a broker every 20 s, restart it
  3 broker-stop   SIGSTOP a broker for 15 s, ten times
  4 tiny-queue    producer queue.buffering.max.messages tiny: back-pressure
  5 poll-stall    max.poll.interval.ms exceeded on purpose (test build hook
                  NF_TEST_POLL_STALL): the worker rejoins
  neg             negative controls: the at-least-once worker with
                  testing.unsafe.store.before.produce + SIGKILL must make
                  the checker report loss; an exactly-once run checked with
                  a read_uncommitted "committed" view must report aborted
                  records visible

Pass: lost 0, unexpected 0, aborted visible 0, committed == end (and dups 0
for exactly-once); for neg: the checker FAILS. Env: NF_FAULT_DOCS (default
100000), NF_FAULT_RATE (input docs/s while faults run, default 2000),
NF_FAULT_STOPS (scenario 3 repetitions, default 10), NF_FAULT_CONFIG
(k=v,k=v worker settings for every pipeline), NF_BIN (a build with
-DNF_TEST_HOOKS=ON for scenario 5).

usage: faults.py [SCENARIO ...]   (default: all)
"""
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "tests", "system"))
import nfcheck  # noqa: E402
import nfsys  # noqa: E402

ROOT = nfsys.ROOT
DOCS = int(os.environ.get("NF_FAULT_DOCS", "100000"))
RATE = float(os.environ.get("NF_FAULT_RATE", "2000"))
STOPS = int(os.environ.get("NF_FAULT_STOPS", "10"))
# worker settings on top of the test ones (nfsys: 6 s session timeout),
# e.g. NF_FAULT_CONFIG="kafka.consumer.session.timeout.ms=45000"
EXTRA = dict(kv.split("=", 1) for kv in
             os.environ.get("NF_FAULT_CONFIG", "").split(",") if "=" in kv)
TMP = os.environ.get("NF_FAULT_TMP", "/tmp/noticeflow-faults")
MODES = ("at-least-once", "exactly-once")
N_WORKERS = 3
PIPES = []  # every Pipeline started: killed on exit, whatever happens


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


class Pipeline:
    """Topics + N_WORKERS supervised workers of one delivery mode."""

    def __init__(self, scenario, mode, extra=None, env=None):
        self.mode = mode
        self.t = nfsys.Topics("f%s-%s" % (scenario, "eos" if mode ==
                                          "exactly-once" else "alo"),
                              partitions=6)
        self.dir = os.path.join(TMP, self.t.group)
        os.makedirs(self.dir, exist_ok=True)
        self.extra = dict(EXTRA)
        self.extra.update(extra or {})
        self.env = env
        self.ws = [None] * N_WORKERS
        self.starts = [0] * N_WORKERS
        self.exits = []  # (slot, code) of exits not caused by us
        self.lock = threading.Lock()
        PIPES.append(self)
        for i in range(N_WORKERS):
            self.start(i)

    def config(self, i):
        cfg = self.t.worker_config(**{"delivery.mode": self.mode,
                                      "metrics.listen": ""})
        if self.mode == "exactly-once":
            cfg["eos.instance.id"] = "w%d" % i
        cfg.update(self.extra)
        return cfg

    def start(self, i):
        self.starts[i] += 1
        name = "w%d-%d" % (i, self.starts[i])
        path = os.path.join(self.dir, name + ".properties")
        with open(path, "w") as f:
            for k, v in self.config(i).items():
                f.write("%s=%s\n" % (k, v))
        self.ws[i] = nfsys.Proc([nfsys.NF_BIN, "run", "--config", path],
                                os.path.join(self.dir, name + ".log"),
                                env=self.env)

    def kill9(self, i):
        with self.lock:
            self.ws[i].kill9()
            self.ws[i].close()
            self.start(i)

    def supervise(self):
        """Restart workers that exited on their own (the orchestrator's
        job): at-least-once exits 1 on a delivery error by design."""
        with self.lock:
            for i, w in enumerate(self.ws):
                if not w.alive():
                    self.exits.append((i, w.p.returncode))
                    w.close()
                    self.start(i)

    def stop(self):
        codes = []
        for w in self.ws:
            codes.append(w.term())
            w.close()
        return codes

    def logs_text(self):
        out = []
        for n in sorted(os.listdir(self.dir)):
            if n.endswith(".log"):
                with open(os.path.join(self.dir, n), "rb") as f:
                    out.append(f.read().decode("utf-8", "replace"))
        return "\n".join(out)


def node_pid(i):
    state = os.environ.get("NF_KAFKA_STATE_DIR") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"),
        "noticeflow-kafka-%s" % os.environ.get("NF_KAFKA_PORT", "39092"))
    with open(os.path.join(state, "node-%d" % i, "pid")) as f:
        return int(f.read().strip())


def kafka_start():
    subprocess.run([os.path.join(ROOT, "scripts", "kafka.sh"), "start"],
                   check=True, stdout=subprocess.DEVNULL)


class Chaos(threading.Thread):
    """Runs @action every @every seconds until stopped; restarts workers
    that died meanwhile."""

    def __init__(self, pipes, action, every):
        super().__init__(daemon=True)
        self.pipes, self.action, self.every = pipes, action, every
        self.halt = threading.Event()
        self.count = 0
        self.error = None

    def run(self):
        nxt = time.monotonic() + self.every
        try:
            while not self.halt.is_set():
                for p in self.pipes:
                    p.supervise()
                if self.action and time.monotonic() >= nxt:
                    self.action(self.count)
                    self.count += 1
                    nxt = time.monotonic() + self.every
                self.halt.wait(0.5)
        except Exception as e:  # reported by the scenario
            self.error = e

    def stop(self):
        self.halt.set()
        self.join()
        if self.error:
            raise self.error


def run_scenario(name, pipes, action=None, every=10.0, min_actions=0,
                 docs=DOCS):
    """Stream @docs documents into every pipeline while @action runs every
    @every s; then heal, drain, stop and check. Returns verdict lines."""
    docs = nfsys.make_docs(docs, tag="f" + name)
    chaos = Chaos(pipes, action, every)
    t0 = time.monotonic()
    chaos.start()
    threads = [threading.Thread(target=nfsys.produce,
                                args=(p.t.input, docs), kwargs={"rate": RATE})
               for p in pipes]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    # keep the faults going until the minimum number happened
    while chaos.count < min_actions and chaos.is_alive():
        time.sleep(0.5)
    chaos.stop()
    log("scenario %s: %d fault action(s) in %.0f s; draining"
        % (name, chaos.count, time.monotonic() - t0))
    heal = Chaos(pipes, None, 1.0)  # restarts only
    heal.start()
    try:
        nfsys.wait_until(lambda: all(nfsys.drained(p.t) for p in pipes),
                         "drain after scenario " + name, timeout=900)
    finally:
        heal.stop()
    out = []
    for p in pipes:
        codes = p.stop()
        rep = p.t.check()
        eos = p.mode == "exactly-once"
        fails = rep.failures(exactly_once=eos)
        if any(c != 0 for c in codes):
            fails.append("SIGTERM exit codes %s" % codes)
        out.append((p, rep, fails))
        log("scenario %s [%s]: %s | restarts: killed/self-exited %s"
            % (name, p.mode, rep.summary(), p.exits))
    return out


def verdicts(name, title, results):
    ok = True
    for p, rep, fails in results:
        v = "PASS" if not fails else "FAIL"
        ok &= not fails
        print("VERDICT %-2s %-13s %-14s %s  lost=%d dups=%d unexpected=%d "
              "aborted=%s aborted_visible=%d committed==end %d/%d%s"
              % (name, title, p.mode, v, len(rep.lost), rep.dups,
                 len(rep.unexpected), rep.aborted, len(rep.aborted_visible),
                 len(rep.offsets) - len(rep.offsets_behind), len(rep.offsets),
                 "" if not fails else "  " + "; ".join(fails)), flush=True)
    return ok


# ---- scenarios ------------------------------------------------------------

def s1():
    pipes = [Pipeline("1", m) for m in MODES]

    def kill(n):
        for p in pipes:
            i = n % N_WORKERS
            p.kill9(i)
        log("SIGKILL worker w%d of both pipelines (restarted)" % (n % 3))

    return verdicts("1", "worker-kill",
                    run_scenario("1", pipes, kill, 10.0, min_actions=1))


def s2():
    pipes = [Pipeline("2", m) for m in MODES]

    def kill(n):
        node = n % 3 + 1
        os.kill(node_pid(node), signal.SIGKILL)
        log("SIGKILL broker %d" % node)
        time.sleep(2)
        kafka_start()
        log("broker %d restarted" % node)

    return verdicts("2", "broker-kill",
                    run_scenario("2", pipes, kill, 20.0, min_actions=3))


def s3():
    pipes = [Pipeline("3", m) for m in MODES]

    def stop(n):
        node = n % 3 + 1
        pid = node_pid(node)
        os.kill(pid, signal.SIGSTOP)
        log("SIGSTOP broker %d (%d/%d)" % (node, n + 1, STOPS))
        time.sleep(15)
        os.kill(pid, signal.SIGCONT)

    return verdicts("3", "broker-stop",
                    run_scenario("3", pipes, stop, 3.0, min_actions=STOPS))


def s4():
    # a queue of 20 messages: QUEUE_FULL on nearly every batch (the
    # throughput drops ~50x, so the document count is capped)
    extra = {"kafka.producer.queue.buffering.max.messages": "20",
             "worker.queue.max": "50", "log.level": "debug"}
    pipes = [Pipeline("4", m, extra) for m in MODES]
    ok = verdicts("4", "tiny-queue",
                  run_scenario("4", pipes, docs=min(DOCS, 20000)))
    for p in pipes:
        # back-pressure really happened, and nothing was dropped (checked)
        paused = p.logs_text().count('"input paused"')
        print("  [%s] input paused %d time(s) (debug log)" % (p.mode, paused))
    return ok


def s5():
    # each worker stalls its poll loop once, 12 s, after DOCS/10 messages,
    # with a 6 s max.poll.interval.ms: the member leaves the group, its
    # partitions move, it rejoins. (Stalling every N messages livelocks the
    # group: every stall is two rebalances of all members.)
    stall = "%d:12000" % max(1, DOCS // 10)
    extra = {"kafka.consumer.max.poll.interval.ms": "6000"}
    pipes = [Pipeline("5", m, extra, env={"NF_TEST_POLL_STALL": stall})
             for m in MODES]
    res = run_scenario("5", pipes)
    ok = verdicts("5", "poll-stall", res)
    for p in pipes:
        text = p.logs_text()
        hooks = text.count("TEST HOOK: stalling")
        exceeded = text.count("max.poll.interval.ms")
        print("  [%s] poll stalls %d, max.poll.interval exceeded logged %d "
              "time(s)" % (p.mode, hooks, exceeded))
        if hooks == 0:
            print("  FAIL: the test hook did not fire (NF_BIN built without "
                  "-DNF_TEST_HOOKS=ON?)")
            ok = False
    return ok


def neg():
    # 1. loss: offsets stored before producing, then SIGKILL
    t = nfsys.Topics("fneg", partitions=6)
    n = min(DOCS, 20000)
    nfsys.produce(t.input, nfsys.make_docs(n, tag="neg"))
    d = os.path.join(TMP, t.group)
    os.makedirs(d, exist_ok=True)
    bad = nfsys.start_worker(t.worker_config(**{
        "testing.unsafe.store.before.produce": "true",
        "kafka.producer.linger.ms": "5000",
        "kafka.consumer.auto.commit.interval.ms": "200",
        "metrics.listen": ""}), d, "unsafe")
    nfsys.wait_until(lambda: sum(v or 0 for v in nfcheck.committed_offsets(
        nfsys.BOOTSTRAP, t.group, t.input).values()) > 0,
        "a commit by the unsafe worker", [bad], interval=0.05)
    bad.kill9()
    good = nfsys.start_worker(t.worker_config(**{"metrics.listen": ""}), d,
                              "safe")
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", [good])
    good.term()
    rep = t.check()
    caught = bool(rep.lost) and any("lost" in f for f in rep.failures())
    print("VERDICT neg unsafe-store   at-least-once  %s  checker reports "
          "lost=%d (must be > 0): %s"
          % ("PASS" if caught else "FAIL", len(rep.lost), rep.summary()),
          flush=True)
    # 2. aborted visibility: an exactly-once run with kills (aborted
    # transactions), read back by a reader that ignores transactions. The
    # kills must abort something, else the control proves nothing:
    # transactions are held open 5 s and every worker is killed once an
    # open transaction holds records (the outputs' end offsets run ahead
    # of their last stable offsets). A kill at a fixed input count could
    # land between a rebalance's commit and the next output, leaving
    # nothing to abort.
    p = Pipeline("neg", "exactly-once", extra={"eos.batch.max.ms": "5000"})
    docs = nfsys.make_docs(min(DOCS, 6000), tag="nege")
    ends = nfsys.EndOffsets(p.t.outputs, isolation="read_uncommitted")
    stable = nfsys.EndOffsets(p.t.outputs)

    def kill():
        nfsys.wait_until(lambda: ends.total() > stable.total(),
                         "records in an open transaction", timeout=120,
                         interval=0.05)
        for i in range(N_WORKERS):
            p.kill9(i)

    try:
        nfsys.produce(p.t.input, docs, rate=1000,
                      events={len(docs) // 2: kill})
    finally:
        ends.close()
        stable.close()
    nfsys.wait_until(lambda: nfsys.drained(p.t), "drain")
    p.stop()
    good_rep = p.t.check()
    bad_rep = p.t.check(committed_isolation="read_uncommitted")
    caught2 = bool(bad_rep.aborted_visible) and not good_rep.aborted_visible
    print("VERDICT neg uncommitted-reader exactly-once %s  aborted=%s; "
          "visible to read_committed %d, to read_uncommitted %d (must be > 0)"
          % ("PASS" if caught2 else "FAIL", good_rep.aborted,
             len(good_rep.aborted_visible), len(bad_rep.aborted_visible)),
          flush=True)
    return caught and caught2


SCENARIOS = {"1": s1, "2": s2, "3": s3, "4": s4, "5": s5, "neg": neg}


def cleanup():
    for p in PIPES:
        for w in p.ws:
            if w is not None:
                w.close()


def main():
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    try:
        return run_all()
    finally:
        cleanup()


def run_all():
    want = sys.argv[1:] or ["neg", "1", "2", "3", "4", "5"]
    os.makedirs(TMP, exist_ok=True)
    log("faults: docs %d at %.0f/s, worker %s, logs under %s"
        % (DOCS, RATE, nfsys.NF_BIN, TMP))
    ok = True
    for s in want:
        if s not in SCENARIOS:
            raise SystemExit("unknown scenario %s (have %s)"
                             % (s, " ".join(SCENARIOS)))
        t0 = time.monotonic()
        try:
            ok &= SCENARIOS[s]()
        except Exception as e:  # a scenario that cannot finish fails
            print("VERDICT %s ERROR %s" % (s, e), flush=True)
            ok = False
        log("scenario %s took %.0f s" % (s, time.monotonic() - t0))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
