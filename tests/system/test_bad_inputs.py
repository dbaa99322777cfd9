"""Bad inputs -> dead letters with their reasons and original bytes; the
good messages around them are still processed and the worker stays up."""
import nfsys

GOOD = nfsys.samples()[0][1]
DLQ_VALUE_MAX = 262144  # dead_letter.value.max.bytes default (contract.md)
BAD = [
    # (key, value, expected error_code)
    (b"bad-utf8", "不正アクセスのお知らせ".encode()[:-2] + b"\xff\xfe",
     "invalid_utf8"),
    (b"bad-empty", b"", "empty"),
    (b"bad-null", None, "empty"),
    (b"bad-blank", b" \n\t\xe3\x80\x80\n", "empty"),
    (b"bad-5mb", "漏えい".encode() * (5 * 1024 * 1024 // 9 + 1), "too_large"),
    (b"bad-binary", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)),
     "binary"),
    (b"bad-env-json", b'{"text": "\xe6\xbc\x8f\xe3\x81\x88\xe3\x81\x84',
     "envelope_json"),
    (b"bad-env-notext", b'{"id": "x-1", "body": "no text field"}',
     "envelope_invalid"),
    (b"bad-env-type", b'{"text": 42}', "envelope_invalid"),
]


def test_bad_inputs_dead_lettered(worker_bin, procs, tmp_path):
    t = nfsys.Topics("bad", partitions=1)
    items = []
    for i, (key, value, _) in enumerate(BAD):
        items.append((b"good-%d" % i, GOOD + b"\n" + str(i).encode(),
                      [("kind", b"good")]))
        items.append((key, value, [("kind", b"bad"), ("trace", b"t-%d" % i)]))
    items.append((b"good-last", GOOD, [("kind", b"good")]))
    coords = nfsys.produce(t.input, items, partition=0)
    w = nfsys.start_worker(t.worker_config(), tmp_path)
    procs.append(w)
    nfsys.wait_until(lambda: nfsys.drained(t), "drain", [w])
    assert w.alive(), "worker died on bad input:\n" + w.log_tail()

    outs = nfsys.read_outputs(t)
    want = {k: code for k, _, code in BAD}
    for (key, value, headers), (part, off) in zip(items, coords):
        got = outs.get("%s/%d/%d" % (t.input, part, off))
        assert got and len(got) == 1, (key, got)
        topic, rec, msg = got[0]
        if key in want:
            assert topic == t.dlq, (key, topic)
            assert rec["error_code"] == want[key], (key, rec["error_code"],
                                                    rec["error_message"])
            assert rec["error_message"], key
            if want[key] == "too_large":
                # a dead letter keeps the first dead_letter.value.max.bytes
                # (default 256 KiB) and the original length
                assert rec["value"] == value[:DLQ_VALUE_MAX], key
                assert rec["error_offset"] is None
            else:
                assert rec["value"] == value, key
            assert rec["value_length"] == (None if value is None
                                           else len(value)), key
            assert [(h["key"], h["value"]) for h in rec["headers"]] == \
                headers, key
            assert nfsys.hdr(msg, "noticeflow-error-code") == want[key]
            assert rec["source"]["key"] == key
        else:
            assert topic in t.outputs, (key, topic, rec.get("error_code"))
    assert w.term() == 0, w.log_tail()
    rep = t.check()
    print(rep.summary())
    assert rep.failures() == []
    assert rep.dead_letters == len(BAD)
