#!/usr/bin/env python3
"""`noticeflow check-config FILE [--env] [-X k=v]` (ctest label deploy):
valid files pass, each kind of mistake is refused with exit 2 naming the
key, the environment counts only with --env, nothing connects to Kafka,
secrets are never printed.

  check_config_cli.py NOTICEFLOW_BIN
"""
import os
import socket
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.abspath(sys.argv[1])
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


BASE = """input.topics=notices
group.id=g
output.topic.incident=o.incident
output.topic.loyalty_campaign=o.campaign
output.topic.other=o.other
output.topic.dead_letter=o.dlq
kafka.bootstrap.servers={bootstrap}
"""


def run(text, *args, env=None):
    with tempfile.NamedTemporaryFile("w", suffix=".properties",
                                     delete=False) as f:
        f.write(text)
    try:
        e = {"PATH": os.environ.get("PATH", "")}
        e.update(env or {})
        r = subprocess.run([BIN, "check-config", f.name] + list(args),
                           capture_output=True, text=True, env=e, timeout=30)
        return r.returncode, r.stdout + r.stderr
    finally:
        os.unlink(f.name)


def main():
    # a listener that must never see a connection
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.setblocking(False)
    base = BASE.format(bootstrap="127.0.0.1:%d" % srv.getsockname()[1])

    code, out = run(base)
    check(code == 0 and "ok" in out, "valid file: %d %s" % (code, out))
    ex = os.path.join(ROOT, "deploy", "noticeflow.example.properties")
    r = subprocess.run([BIN, "check-config", ex], capture_output=True,
                       text=True)
    check(r.returncode == 0, "example properties: %s" % r.stderr)

    bad = [
        ("", "group.id", "missing required key",
         base.replace("group.id=g\n", "")),
        ("metrics.listen", "metrics.listen", "bad listen address",
         base + "metrics.listen=localhost:9464\n"),
        ("", "worker.threads", "out of range", base + "worker.threads=0\n"),
        ("", "no.such.key", "unknown key", base + "no.such.key=1\n"),
        ("", "kafka.no.such.property", "unknown librdkafka property",
         base + "kafka.no.such.property=1\n"),
        ("", "kafka.enable.auto.commit", "forced property changed",
         base + "kafka.enable.auto.commit=false\n"),
        ("", "expected key=value", "not key=value", base + "just words\n"),
    ]
    for _, key, what, text in bad:
        code, out = run(text)
        check(code == 2 and key in out, "%s: exit %d, %r" % (what, code,
                                                            out))

    # secrets: a refused file never echoes the password
    code, out = run(base + "kafka.sasl.password=hunter2-secret\n"
                    "kafka.sasl.mechanisms=SCRAM-SHA-512\n"
                    "kafka.security.protocol=SASL_SSL\n"
                    "kafka.sasl.username=u\nworker.threads=x\n")
    check(code == 2 and "hunter2" not in out, "secret printed: %r" % out)
    code, out = run(base + "kafka.sasl.password=hunter2-secret\n")
    check(code == 0 and "hunter2" not in out, "secret printed: %r" % out)

    # the environment counts only with --env
    env = {"NOTICEFLOW_WORKER_THREADS": "0"}
    code, _ = run(base, env=env)
    check(code == 0, "environment read without --env")
    code, out = run(base, "--env", env=env)
    check(code == 2 and "NOTICEFLOW_WORKER_THREADS" in out,
          "--env: bad NOTICEFLOW_WORKER_THREADS accepted: %r" % out)
    code, out = run(base.replace("group.id=g\n", ""), "--env",
                    env={"NOTICEFLOW_GROUP_ID": "from-env"})
    check(code == 0 and "from-env" in out, "--env group.id: %r" % out)
    code, out = run(base, "-X", "worker.threads=300")
    check(code == 2 and "worker.threads" in out, "-X: %r" % out)
    code, out = run(base, "-X", "bootstrap.servers=127.0.0.1:1")
    check(code == 0, "-X bare librdkafka property: %r" % out)

    # usage
    r = subprocess.run([BIN, "check-config"], capture_output=True)
    check(r.returncode == 2, "no file: exit %d" % r.returncode)
    r = subprocess.run([BIN, "check-config", "/nonexistent.properties"],
                       capture_output=True, text=True)
    check(r.returncode == 2 and "cannot open" in r.stderr,
          "missing file: %r" % r.stderr)

    try:
        conn, _ = srv.accept()
        conn.close()
        check(False, "check-config connected to the bootstrap server")
    except BlockingIOError:
        pass
    srv.close()
    print("check-config: %d failure(s)" % len(failures))
    return min(len(failures), 100)


if __name__ == "__main__":
    sys.exit(main())
