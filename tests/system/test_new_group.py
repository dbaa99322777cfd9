"""A new consumer group on a pre-filled topic processes everything from the
start (auto.offset.reset=earliest in the worker, not the librdkafka
default 'largest'); a second new group does it all again."""
import nfsys


def test_new_group_reads_history(worker_bin, procs, tmp_path):
    t = nfsys.Topics("newgroup", partitions=3)
    n = 600
    nfsys.produce(t.input, nfsys.make_docs(n))
    cfg = t.worker_config()
    del cfg["kafka.consumer.session.timeout.ms"]  # defaults, as deployed
    w = nfsys.start_worker(cfg, tmp_path, "first")
    procs.append(w)
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", [w])
    assert w.term() == 0, w.log_tail()
    rep = t.check()
    print("first group:", rep.summary())
    assert rep.failures() == []
    assert rep.outputs + rep.dead_letters == n

    first = t.group
    t.group = first + "-second"
    w2 = nfsys.start_worker(t.worker_config(), tmp_path, "second")
    procs.append(w2)
    nfsys.wait_until(lambda: nfsys.drained(t), "drain of the second group",
                     [w2])
    assert w2.term() == 0, w2.log_tail()
    rep = t.check()
    print("second group:", rep.summary())
    assert rep.failures() == []
    # every input processed once by each group
    assert rep.dups == n and rep.dup_inputs == n
