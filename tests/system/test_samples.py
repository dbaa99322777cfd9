"""Samples in -> one record each on its category topic, with the fields
`noticeflow enrich` prints for the same text (the CLI is the worker's
offline twin: same enricher, same contract fields)."""
import datetime
import json

import pytest

import nfsys

# The contract fields (contract.md "Record fields"), compared one by one.
FIELDS = ("category", "category_confidence", "category_reasons",
          "incident_types", "organization", "title", "published_date",
          "dates", "discovered_date", "period_start", "period_end", "counts",
          "affected_count", "affected_unit", "provenance")


def jst_day(ts):
    """Day in Japan time of a timestamp-millis (fastavro gives a datetime)."""
    t = ts.astimezone(datetime.timezone.utc)
    return (t + datetime.timedelta(hours=9)).strftime("%Y-%m-%d")


def test_samples_match_cli(worker_bin, procs, tmp_path):
    t = nfsys.Topics("samples")
    docs = nfsys.samples()
    assert len(docs) >= 6
    items = [(name.encode(), text, [("sample", name.encode())])
             for name, text in docs]
    # the first sample again inside a JSON envelope with metadata
    env = {"text": docs[0][1].decode(), "id": "env-0001",
           "url": "https://notices.example.jp/0001", "source": "system-test",
           "fetched_at": "2025-03-15T08:00:00+09:00",
           "published_at": "2025-03-14"}
    items.append((b"envelope", json.dumps(env, ensure_ascii=False).encode(),
                  []))
    coords = nfsys.produce(t.input, items, partition=0)
    w = nfsys.start_worker(t.worker_config(), tmp_path)
    procs.append(w)
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", [w])
    assert w.term() == 0, w.log_tail()

    outs = nfsys.read_outputs(t)
    assert len(outs) == len(items)
    for (key, value, _), (part, off) in zip(items, coords):
        eid = "%s/%d/%d" % (t.input, part, off)
        got = outs.get(eid)
        assert got and len(got) == 1, (eid, got)
        topic, rec, msg = got[0]
        assert topic != t.dlq, (key, rec)
        assert msg.key == key
        text = value
        if key == b"envelope":
            text = env["text"].encode()
            assert rec["envelope"] == {k: env[k] for k in (
                "id", "url", "source", "fetched_at", "published_at")}
            assert rec["reference_date"] == "2025-03-14"
        else:
            assert rec["envelope"] is None
            assert rec["reference_date"] == jst_day(rec["source"]["timestamp"])
        cli = nfsys.enrich_cli(text, rec["reference_date"], tmp_path)
        assert "error" not in cli, cli
        assert topic == t.out[cli["category"]], (key, topic, cli["category"])
        for f in FIELDS:
            if f == "category_confidence":
                assert rec[f] == pytest.approx(cli[f], abs=1e-9), (key, f)
            else:
                assert rec[f] == cli[f], (key, f, rec[f], cli[f])
        print("%-24s -> %-16s affected %s %s" % (
            key.decode(), rec["category"], rec["affected_count"],
            rec["affected_unit"] or ""))
    rep = t.check()
    print(rep.summary())
    assert rep.failures() == []
    assert rep.dups == 0
