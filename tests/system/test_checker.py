"""The loss checker proves itself on nf-relay (the no-op at-least-once
client with the worker's settings): it passes on a relay killed with
SIGKILL and restarted, and it FAILS when the relay stores offsets before
producing (the negative control). A checker that cannot fail proves
nothing."""
import signal

import nfcheck
import nfsys
from nfsys import BOOTSTRAP


def test_relay_kill9_restart_loses_nothing(relay_bin, procs, tmp_path):
    t = nfsys.Topics("chk-kill", partitions=6)
    n = 6000
    a = nfsys.start_relay(t, tmp_path, "relay-a")
    b = nfsys.start_relay(t, tmp_path, "relay-b")
    procs += [a, b]
    live = [b]

    def kill_and_restart():
        nfsys.wait_until(lambda: nfsys.output_count([t.out["other"]]) > 0,
                         "the first outputs", [a, b])
        a.kill9()
        a2 = nfsys.start_relay(t, tmp_path, "relay-a2")
        procs.append(a2)
        live.append(a2)

    # a paced stream: the relay is killed with half of it still to come
    nfsys.produce(t.input, nfsys.make_docs(n), rate=2000,
                  events={n // 2: kill_and_restart})
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", live)
    for p in live:
        assert p.term() == 0, p.log_tail()
    rep = t.check(verify=None)
    print("relay kill -9:", rep.summary())
    assert rep.inputs == n
    assert rep.failures() == []


def test_relay_unsafe_store_is_caught(relay_bin, procs, tmp_path):
    t = nfsys.Topics("chk-neg", partitions=6)
    n = 4000
    nfsys.produce(t.input, nfsys.make_docs(n))
    # Outputs wait 5 s in the producer queue while their offsets, stored on
    # consume, are committed every 200 ms: a SIGKILL then loses them.
    bad = nfsys.start_relay(t, tmp_path, "relay-unsafe", args=[
        "--unsafe-store-before-produce",
        "-X", "producer.linger.ms=5000",
        "-X", "consumer.auto.commit.interval.ms=200"])
    procs.append(bad)

    def committed_some():
        got = nfcheck.committed_offsets(BOOTSTRAP, t.group, t.input)
        return sum(v or 0 for v in got.values()) > 0

    nfsys.wait_until(committed_some, "a commit by the unsafe relay", [bad],
                     interval=0.05)
    bad.kill9()
    good = nfsys.start_relay(t, tmp_path, "relay-safe")
    procs.append(good)
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", [good])
    assert good.term() == 0, good.log_tail()
    rep = t.check(verify=None)
    print("unsafe relay kill -9:", rep.summary())
    assert rep.lost, "the checker missed the loss of the unsafe relay"
    assert any("lost" in f for f in rep.failures())
