#!/usr/bin/env python3
"""Run `noticeflow enrich` on CASE/input.txt and compare with CASE/expected.json.

expected.json holds only the fields that the case is about; each must equal
the CLI's value exactly, except:
  "dates": a list of YYYY-MM-DD compared as a set with the mentions' dates;
  "counts": a list of integers compared as a set with the counts' values;
  "spans": {"<text as written>": true}: each string must be the text of some
           date or count mention, proving the span points at the right bytes;
  "reference_date": passed as --reference-date (not compared).
"""
import json
import subprocess
import sys


def main():
    binary, case = sys.argv[1], sys.argv[2]
    with open(f"{case}/expected.json", encoding="utf-8") as f:
        want = json.load(f)
    cmd = [binary, "enrich"]
    if "reference_date" in want:
        cmd += ["--reference-date", want.pop("reference_date")]
    out = subprocess.run(cmd + [f"{case}/input.txt"], capture_output=True,
                         check=True, text=True).stdout
    got = json.loads(out)
    text = open(f"{case}/input.txt", "rb").read()
    bad = []
    for key, val in want.items():
        if key == "dates":
            g = sorted({d["date"] for d in got.get("dates", [])})
            if g != sorted(set(val)):
                bad.append(f"dates: got {g} want {sorted(set(val))}")
        elif key == "counts":
            g = sorted({c["value"] for c in got.get("counts", [])})
            if g != sorted(set(val)):
                bad.append(f"counts: got {g} want {sorted(set(val))}")
        elif key == "spans":
            mentions = got.get("dates", []) + got.get("counts", [])
            for m in mentions:
                if text[m["start"]:m["end"]].decode("utf-8") != m["text"]:
                    bad.append(f"span {m['start']}:{m['end']} is not {m['text']!r}")
            texts = {m["text"] for m in mentions}
            for s in val:
                if s not in texts:
                    bad.append(f"no mention written as {s!r} (have {sorted(texts)})")
        elif got.get(key) != val:
            bad.append(f"{key}: got {got.get(key)!r} want {val!r}")
    for b in bad:
        print(f"{case}: {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
