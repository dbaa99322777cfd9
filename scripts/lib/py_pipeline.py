"""The baseline of scripts/bench.sh: the same pipeline as a typical user
would write it in Python with confluent-kafka + fastavro + re. One process,
one loop: consume, decode, regex extraction (category cues, organization,
title, dates, counts), a record of schemas/notice_event.avsc encoded with
fastavro (single-object framing, as the worker), produce with the same
delivery settings (idempotent, acks=all), offsets stored after delivery.
Its extraction is far cruder than the C core (no folding, no eras, no
full-width digits...): the comparison flatters Python.

usage: py_pipeline.py BOOTSTRAP GROUP INPUT OUTPUT
Stops on SIGTERM (flush, commit, close).
"""
import io
import json
import os
import re
import signal
import sys

import fastavro
from confluent_kafka import Consumer, Producer, TopicPartition
from fastavro.schema import fingerprint, to_parsing_canonical_form

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

INCIDENT = re.compile("不正アクセス|漏えい|漏洩|流出|ランサムウェア|紛失|"
                      "盗難|誤送信|サイバー攻撃|マルウェア")
CAMPAIGN = re.compile("ポイント|キャンペーン|プレゼント|抽選")
ORG = re.compile(r"(株式会社[^\s　、。]{1,30}|[^\s　、。]{1,30}株式会社)")
DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
COUNT = re.compile(r"(約)?([0-9,]+)(件|名|人)")


def enrich(text):
    cues = [(m.group(0), m.start(), m.end()) for m in INCIDENT.finditer(text)]
    camp = [(m.group(0), m.start(), m.end()) for m in CAMPAIGN.finditer(text)]
    cat = "incident" if cues else "loyalty_campaign" if camp else "other"
    reasons = [{"cue": c, "signal": cat, "start": s, "end": e}
               for c, s, e in (cues or camp)[:8]]
    lines = text.strip().split("\n")
    org = ORG.search(text)
    dates = [{"date": "%s-%02d-%02d" % (m.group(1), int(m.group(2)),
                                        int(m.group(3))),
              "text": m.group(0), "start": m.start(), "end": m.end(),
              "role": "other"} for m in DATE.finditer(text)]
    counts = []
    for m in COUNT.finditer(text):
        try:
            v = int(m.group(2).replace(",", ""))
        except ValueError:
            continue
        counts.append({"value": v, "unit": m.group(3), "text": m.group(0),
                       "start": m.start(), "end": m.end(),
                       "approximate": bool(m.group(1)), "role": "other"})
    best = max(counts, key=lambda c: c["value"]) if counts else None
    return {
        "category": cat, "category_confidence": 0.9 if cues else 0.5,
        "category_reasons": reasons,
        "incident_types": ["unauthorized_access"] if cues else [],
        "organization": org.group(0) if org else None,
        "title": lines[1] if len(lines) > 1 else None,
        "published_date": dates[0]["date"] if dates else None,
        "dates": dates, "discovered_date": None, "period_start": None,
        "period_end": None, "counts": counts,
        "affected_count": best["value"] if best else None,
        "affected_unit": best["unit"] if best else None,
        "provenance": {},
    }


def main():
    bootstrap, group, inp, out = sys.argv[1:5]
    with open(os.path.join(ROOT, "schemas", "notice_event.avsc")) as f:
        schema = fastavro.parse_schema(json.load(f))
    fp = fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO")
    head = b"\xc3\x01" + bytes.fromhex(fp)
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                  "auto.offset.reset": "earliest",
                  "enable.auto.offset.store": False})
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all",
                  "enable.idempotence": True})
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    c.subscribe([inp])

    def delivered(err, msg, src):
        if err is None:
            c.store_offsets(offsets=[TopicPartition(
                src[0], src[1], src[2] + 1)])

    while not stop:
        m = c.poll(0.1)
        if m is None or m.error():
            p.poll(0)
            continue
        text = m.value().decode("utf-8", "replace")
        eid = "%s/%d/%d" % (m.topic(), m.partition(), m.offset())
        rec = enrich(text)
        rec.update({"event_id": eid, "worker_version": "py",
                    "source": {"topic": m.topic(), "partition": m.partition(),
                               "offset": m.offset(),
                               "timestamp": m.timestamp()[1],
                               "key": m.key()},
                    "envelope": None, "reference_date": None})
        buf = io.BytesIO()
        buf.write(head)
        fastavro.schemaless_writer(buf, schema, rec)
        src = (m.topic(), m.partition(), m.offset())
        while True:
            try:
                p.produce(out, buf.getvalue(), key=m.key(),
                          headers=[("noticeflow-event-id", eid)],
                          on_delivery=lambda e, x, s=src: delivered(e, x, s))
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    p.flush(60)
    c.commit(asynchronous=False)
    c.close()


if __name__ == "__main__":
    main()
