"""Secure Kafka (issue 6): the worker over SASL_SSL with SCRAM-SHA-512
against a real broker whose SASL_SSL listener, CA and SCRAM user are made
by `scripts/kafka.sh start --sasl`; a wrong password and an untrusted CA
stop it (exit 1) with a message saying what to check, and no password
ever reaches the log.

The broker is its own cluster (NF_SASL_KAFKA_PORT, default 31692: below
the ephemeral port range, so no client socket can hold it), started here
and stopped at the end. Its version is NF_SASL_KAFKA_VERSION, default
3.9.1: Debian bookworm's librdkafka 2.0.2 computes SCRAM's final message
with the client nonce twice, which Kafka 4.x brokers refuse whatever the
password (fixed in librdkafka 2.6.1, confluentinc/librdkafka#4895);
3.9 still accepts it. With a newer librdkafka set it to 4.1.1.
"""
import os
import subprocess
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import nfcheck
import nfsys

ROOT = nfsys.ROOT
PORT = os.environ.get("NF_SASL_KAFKA_PORT", "31692")
VERSION = os.environ.get("NF_SASL_KAFKA_VERSION", "3.9.1")
KAFKA_SH = os.path.join(ROOT, "scripts", "kafka.sh")


@pytest.fixture(scope="module")
def sasl():
    env = dict(os.environ, NF_KAFKA_PORT=PORT, NF_KAFKA_VERSION=VERSION)
    plain = subprocess.run([KAFKA_SH, "start", "--sasl"], env=env,
                           capture_output=True, text=True, timeout=600)
    assert plain.returncode == 0, plain.stderr[-2000:]
    info = subprocess.run([KAFKA_SH, "sasl"], env=env, capture_output=True,
                          text=True, check=True).stdout
    s = dict(line.split("=", 1) for line in info.splitlines() if "=" in line)
    s["plain"] = plain.stdout.strip().splitlines()[-1]
    yield s
    subprocess.run([KAFKA_SH, "stop"], env=env, capture_output=True,
                   timeout=120)


def topics(s, prefix):
    base = nfsys.unique(prefix)
    names = {"input": base + "-in", "incident": base + "-incident",
             "loyalty_campaign": base + "-campaign", "other": base + "-other",
             "dlq": base + "-dlq", "group": base + "-group"}
    admin = AdminClient({"bootstrap.servers": s["plain"]})
    futs = admin.create_topics([NewTopic(names[k], 2, 1) for k in (
        "input", "incident", "loyalty_campaign", "other", "dlq")])
    for f in futs.values():
        f.result(60)
    return names


def config(s, t, **extra):
    cfg = {
        "input.topics": t["input"], "group.id": t["group"],
        "output.topic.incident": t["incident"],
        "output.topic.loyalty_campaign": t["loyalty_campaign"],
        "output.topic.other": t["other"],
        "output.topic.dead_letter": t["dlq"],
        "kafka.bootstrap.servers": s["bootstrap"],
        "kafka.security.protocol": "SASL_SSL",
        "kafka.sasl.mechanisms": s["mechanism"],
        "kafka.sasl.username": s["username"],
        "kafka.sasl.password": s["password"],
        "kafka.ssl.ca.location": s["ca"],
        "kafka.consumer.auto.commit.interval.ms": "500",
        "metrics.listen": "",
    }
    cfg.update(extra)
    return cfg


def end_total(bootstrap, names):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "nfsys-w"})
    try:
        n = 0
        for t in names:
            for p in nfcheck.partitions_of(bootstrap, t):
                lo, hi = c.get_watermark_offsets(TopicPartition(t, p), 10)
                n += hi - lo
        return n
    finally:
        c.close()


def test_worker_over_sasl_ssl(worker_bin, procs, tmp_path, sasl):
    t = topics(sasl, "sasl")
    n = 60
    p = Producer({"bootstrap.servers": sasl["plain"]})
    for key, value, headers in nfsys.make_docs(n):
        p.produce(t["input"], value=value, key=key, headers=headers)
    assert p.flush(60) == 0
    w = nfsys.start_worker(config(sasl, t), tmp_path, "w")
    procs.append(w)
    outs = [t[k] for k in ("incident", "loyalty_campaign", "other", "dlq")]
    nfsys.wait_until(lambda: end_total(sasl["plain"], outs) >= n,
                     "outputs over SASL_SSL", [w])

    def committed():
        got = nfcheck.committed_offsets(sasl["plain"], t["group"],
                                        t["input"])
        ends = nfcheck.end_offsets(sasl["plain"], t["input"])
        return all(got.get(q) == hi for q, (lo, hi) in ends.items())
    nfsys.wait_until(committed, "committed == end", [w])
    assert w.term() == 0, w.log_tail()
    assert end_total(sasl["plain"], outs) == n
    log = w.log_text()
    assert sasl["password"] not in log
    assert '"value":"***"' in log  # the config echo masks it


@pytest.mark.parametrize("case", ["wrong_password", "untrusted_ca"])
def test_refused_with_a_clear_error(worker_bin, procs, tmp_path, sasl, case):
    t = topics(sasl, "saslbad")
    extra = ({"kafka.sasl.password": "not-the-password-42"}
             if case == "wrong_password" else
             {"kafka.ssl.ca.location": sasl["untrusted_ca"]})
    w = nfsys.start_worker(config(sasl, t, **extra), tmp_path, case)
    procs.append(w)
    t0 = time.monotonic()
    code = w.wait(120)
    log = w.log_text()
    print("%s: exit %d after %.1f s" % (case, code, time.monotonic() - t0))
    assert code == 1, log[-3000:]
    want = ("Kafka authentication failed: check kafka.sasl.mechanism, "
            "kafka.sasl.username and kafka.sasl.password"
            if case == "wrong_password" else
            "Kafka TLS: the broker certificate is not trusted: check "
            "kafka.ssl.ca.location")
    assert want in log
    assert "not-the-password-42" not in log
    assert sasl["password"] not in log
