"""A rebalance while the worker is back-pressured (input paused) must not
leave partitions paused for ever: librdkafka keeps a partition's pause flag
across unassign/assign (librdkafka#1849), so a worker that resumes "its
assignment" between revoke and assign resumes nothing."""
import nfsys


def test_rebalance_while_paused(worker_bin, procs, tmp_path):
    t = nfsys.Topics("rebal", partitions=4)
    n = 3000
    nfsys.produce(t.input, nfsys.make_docs(n))
    # Outputs linger 2 s in the producer and at most 50 messages may be in
    # process: the worker pauses its input within a second or two.
    slow = t.worker_config(**{"log.level": "debug",
                              "worker.queue.max": "50",
                              "kafka.producer.linger.ms": "2000"})
    a = nfsys.start_worker(slow, tmp_path, "a")
    procs.append(a)
    nfsys.wait_until(lambda: '"input paused"' in a.log_text(),
                     "worker a to pause its input", [a], interval=0.1)
    b = nfsys.start_worker(t.worker_config(), tmp_path, "b")
    procs.append(b)
    nfsys.wait_until(lambda: nfsys.drained(t), "drain after the rebalance",
                     [a, b], timeout=min(nfsys.WAIT_S, 180))
    assert a.term() == 0, a.log_tail()
    assert b.term() == 0, b.log_tail()
    rep = t.check()
    print("rebalance while paused:", rep.summary())
    assert rep.failures() == []
