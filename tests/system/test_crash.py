"""At-least-once under crashes: 3 workers, one SIGKILLed midway and
restarted, nothing lost; and the negative control (offsets stored before
producing + SIGKILL) must make the checker report loss."""
import nfcheck
import nfsys
from nfsys import BOOTSTRAP

N_DOCS = 20000
RATE = 2000  # docs/s written while the workers run: 10 s of stream
DEBUG = {"log.level": "debug"}


def test_kill9_midway_loses_nothing(worker_bin, procs, tmp_path):
    t = nfsys.Topics("crash", partitions=6)
    ws = [nfsys.start_worker(t.worker_config(**DEBUG), tmp_path, "w%d" % i)
          for i in range(3)]
    procs += ws
    live = [ws[0], ws[2]]
    every = t.outputs + [t.dlq]

    def kill_and_restart():
        nfsys.wait_until(lambda: nfsys.output_count(every) > 0,
                         "the first outputs", ws)
        ws[1].kill9()
        print("SIGKILL w1 with %d of %d inputs written, %d outputs"
              % (N_DOCS // 2, N_DOCS, nfsys.output_count(every)))
        again = nfsys.start_worker(t.worker_config(**DEBUG), tmp_path,
                                   "w1-restarted")
        procs.append(again)
        live.append(again)

    nfsys.produce(t.input, nfsys.make_docs(N_DOCS), rate=RATE,
                  events={N_DOCS // 2: kill_and_restart})
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", live)
    for w in live:
        assert w.term() == 0, w.log_tail()
    rep = t.check()
    print("kill -9:", rep.summary())
    assert rep.inputs == N_DOCS
    assert rep.failures() == []


def test_unsafe_store_negative_control(worker_bin, procs, tmp_path):
    t = nfsys.Topics("crash-neg", partitions=6)
    n = 4000
    nfsys.produce(t.input, nfsys.make_docs(n))
    # Outputs linger 5 s in the producer while the offsets, stored on
    # consume by the test-only switch, are committed every 200 ms.
    bad = nfsys.start_worker(t.worker_config(**{
        "testing.unsafe.store.before.produce": "true",
        "kafka.producer.linger.ms": "5000",
        "kafka.consumer.auto.commit.interval.ms": "200"}), tmp_path, "unsafe")
    procs.append(bad)

    def committed_some():
        got = nfcheck.committed_offsets(BOOTSTRAP, t.group, t.input)
        return sum(v or 0 for v in got.values()) > 0

    nfsys.wait_until(committed_some, "a commit by the unsafe worker", [bad],
                     interval=0.05)
    bad.kill9()
    assert "UNSAFE" in bad.log_text(), "the unsafe switch was not logged"
    good = nfsys.start_worker(t.worker_config(), tmp_path, "safe")
    procs.append(good)
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", [good])
    assert good.term() == 0, good.log_tail()
    rep = t.check()
    print("unsafe kill -9:", rep.summary())
    assert rep.lost, "the checker did not see the loss of the unsafe worker"
    assert any("lost" in f for f in rep.failures())
