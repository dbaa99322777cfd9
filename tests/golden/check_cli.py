#!/usr/bin/env python3
"""Behaviour of `noticeflow enrich` that scripts rely on.

- one JSON line per file, in argument order, "id" = name without .txt;
- '-' reads stdin;
- an unreadable file: message on stderr naming it, other files still
  processed, exit status 1 at the end;
- an invalid document: an "error" object, exit status 0;
- a bad option value: exit status 2;
- --reference-date places a year-less date.
"""
import json
import os
import subprocess
import sys
import tempfile


def run(binary, args, stdin=b""):
    p = subprocess.run([binary, "enrich"] + args, input=stdin,
                       capture_output=True)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def main():
    binary = sys.argv[1]
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory() as d:
        good = os.path.join(d, "good-1.txt")
        with open(good, "w", encoding="utf-8") as f:
            f.write("株式会社テスト 不正アクセスに関するお知らせ 2022年12月16日\n")
        bad = os.path.join(d, "bad.txt")
        with open(bad, "wb") as f:
            f.write(b"\x00\x01binary")
        missing = os.path.join(d, "missing.txt")

        rc, out, err = run(binary, [good, missing, bad, "-"],
                           "本文のみ".encode())
        lines = [json.loads(x) for x in out.splitlines()]
        check(rc == 1, f"exit status {rc} with an unreadable file, want 1")
        check("missing.txt" in err, f"stderr does not name the file: {err!r}")
        check([x["id"] for x in lines] == ["good-1", "bad", "-"],
              f"ids {[x.get('id') for x in lines]}")
        check(lines[0].get("published_date") == "2022-12-16",
              f"published_date {lines[0].get('published_date')}")
        check(lines[1].get("error", {}).get("code") == "binary",
              f"error object {lines[1]}")
        check("category" in lines[2], "stdin document enriched")

        rc, out, err = run(binary, [good, bad])
        check(rc == 0, f"invalid documents are results, exit {rc}")

        rc, out, err = run(binary, ["--reference-date", "2022-13-01", good])
        check(rc == 2 and "reference-date" in err, f"bad date option: {rc} {err!r}")
        rc, out, err = run(binary, ["--bogus", good])
        check(rc == 2, f"unknown option exit {rc}")

        noyear = os.path.join(d, "noyear.txt")
        with open(noyear, "w", encoding="utf-8") as f:
            f.write("12月7日に不正アクセスを確認しました。\n")
        rc, out, err = run(binary, ["--reference-date", "2022-12-20", noyear])
        dates = [m["date"] for m in json.loads(out)["dates"]]
        check("2022-12-07" in dates, f"reference year not applied: {dates}")
        rc, out, err = run(binary, [noyear])
        dates = [m["date"] for m in json.loads(out)["dates"]]
        check(dates == [], f"a year-less day without reference is not a day: {dates}")

        rc, out, err = run(binary, ["--max-bytes", "10", good])
        check(json.loads(out).get("error", {}).get("code") == "too_large",
              f"--max-bytes: {out}")

    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
