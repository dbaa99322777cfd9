"""SIGTERM mid-stream: the worker drains and exits 0; what it committed has
no gap (every input below the committed offset has its output); a restart
finishes the rest with committed == end."""
import nfcheck
import nfsys
from nfsys import BOOTSTRAP


def test_sigterm_midway_no_gap(worker_bin, procs, tmp_path):
    t = nfsys.Topics("term", partitions=4)
    n = 8000
    nfsys.produce(t.input, nfsys.make_docs(n))
    w = nfsys.start_worker(t.worker_config(), tmp_path, "w")
    procs.append(w)
    watch = nfsys.EndOffsets(t.outputs + [t.dlq])
    nfsys.wait_until(lambda: watch.total() >= n // 4,
                     "a quarter of the outputs", [w], interval=0.02)
    watch.close()
    assert w.term() == 0, w.log_tail()

    committed = nfcheck.committed_offsets(BOOTSTRAP, t.group, t.input)
    assert any(committed.values()), "nothing committed at SIGTERM"
    done = set(nfsys.read_outputs(t))
    gaps = ["%s/%d/%d" % (t.input, p, o)
            for p, c in committed.items() for o in range(c or 0)
            if "%s/%d/%d" % (t.input, p, o) not in done]
    print("at SIGTERM: committed %s, outputs %d, gaps %d"
          % (committed, len(done), len(gaps)))
    assert gaps == []

    w2 = nfsys.start_worker(t.worker_config(), tmp_path, "w-restarted")
    procs.append(w2)
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", [w2])
    assert w2.term() == 0, w2.log_tail()
    rep = t.check()
    print("sigterm:", rep.summary())
    assert rep.failures() == []
