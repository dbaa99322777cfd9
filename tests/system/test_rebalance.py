"""A rebalance while the worker is back-pressured (input paused) must not
leave partitions paused for ever: librdkafka keeps a partition's pause flag
across unassign/assign (librdkafka#1849), so a worker that resumes "its
assignment" between revoke and assign resumes nothing, and the partitions
it gets back are never fetched again."""
import nfsys


def last_flow_event(log):
    paused = log.rfind('"input paused"')
    resumed = log.rfind('"input resumed"')
    return "paused" if paused > resumed else "resumed"


def test_rebalance_while_paused(worker_bin, procs, tmp_path):
    t = nfsys.Topics("rebal", partitions=4)
    n = 160
    nfsys.produce(t.input, nfsys.make_docs(n))
    # Worker a: at most 20 messages in its producer queue, each batch held
    # 3 s (linger), so the queue is full most of the time and the input is
    # paused (after 1 s of congestion) until the batch goes out. Heartbeats
    # every 100 ms: a rebalance reaches it while it is still paused.
    slow = t.worker_config(**{
        "log.level": "debug",
        "kafka.producer.linger.ms": "3000",
        "kafka.producer.queue.buffering.max.messages": "20",
        "kafka.consumer.heartbeat.interval.ms": "100"})
    a = nfsys.start_worker(slow, tmp_path, "a")
    b = nfsys.start_worker(t.worker_config(), tmp_path, "b")
    procs += [a, b]
    nfsys.wait_until(lambda: b.log_text().count('"assigned"') > 0 and
                     a.log_text().count('"assigned"') > 0,
                     "both workers to get partitions", [a, b], interval=0.05)
    nfsys.wait_until(lambda: last_flow_event(a.log_text()) == "paused",
                     "worker a to pause its input", [a, b], interval=0.01)
    # b leaves the group at once: a is revoked and re-assigned every
    # partition while its input is paused
    assert b.term() == 0, b.log_tail()
    nfsys.wait_until(lambda: nfsys.drained(t),
                     "worker a to drain every partition after the rebalance",
                     [a], timeout=min(nfsys.WAIT_S, 180))
    assert a.term() == 0, a.log_tail()
    rep = t.check()
    print("rebalance while paused:", rep.summary())
    assert rep.failures() == []
