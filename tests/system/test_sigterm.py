"""SIGTERM mid-stream: the worker drains and exits 0; what it committed has
no gap (every input below the committed offset has its output); a restart
finishes the rest with committed == end."""
import nfcheck
import nfsys
from nfsys import BOOTSTRAP

N_DOCS = 10000
RATE = 2000


def test_sigterm_midway_no_gap(worker_bin, procs, tmp_path):
    t = nfsys.Topics("term", partitions=4)
    w = nfsys.start_worker(t.worker_config(), tmp_path, "w")
    procs.append(w)
    live = [w]
    every = t.outputs + [t.dlq]

    def term_check_restart():
        nfsys.wait_until(lambda: nfsys.output_count(every) > 0,
                         "the first outputs", [w])
        assert w.term() == 0, w.log_tail()
        committed = nfcheck.committed_offsets(BOOTSTRAP, t.group, t.input)
        assert any(committed.values()), "nothing committed at SIGTERM"
        done = set(nfsys.read_outputs(t))
        gaps = ["%s/%d/%d" % (t.input, p, o)
                for p, c in committed.items() for o in range(c or 0)
                if "%s/%d/%d" % (t.input, p, o) not in done]
        print("at SIGTERM: %d of %d written, committed %s, outputs %d, "
              "gaps %d" % (N_DOCS // 2, N_DOCS, committed, len(done),
                           len(gaps)))
        assert gaps == []
        w2 = nfsys.start_worker(t.worker_config(), tmp_path, "w-restarted")
        procs.append(w2)
        live[:] = [w2]

    nfsys.produce(t.input, nfsys.make_docs(N_DOCS), rate=RATE,
                  events={N_DOCS // 2: term_check_restart})
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", live)
    assert live[0].term() == 0, live[0].log_tail()
    rep = t.check()
    print("sigterm:", rep.summary())
    assert rep.inputs == N_DOCS
    assert rep.failures() == []
