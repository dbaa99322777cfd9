"""Shared helpers of the webhook system tests (dispatcher + receiver)."""
import base64
import hashlib
import json
import os
import secrets
import time

import nfcheck
import nfsys
from webhook_receiver import Receiver, TestCA  # noqa: F401 (re-export)


def new_secret():
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_id(event_id, url):
    """Independent derivation of the contract's webhook-id."""
    d = hashlib.sha256((event_id + "\n" + url).encode()).digest()[:18]
    return "msg_" + base64.urlsafe_b64encode(d).decode()


class AlertTopics:
    """A Topics set (input, categories, DLQ) plus alerts, retry and alert
    dead-letter topics."""

    def __init__(self, prefix, partitions=2):
        self.t = nfsys.Topics(prefix, partitions=partitions)
        base = self.t.input[:-3]
        self.alerts = base + "-alerts"
        self.retry = base + "-alerts-retry"
        self.adlq = base + "-alerts-dlq"
        nfsys.create_topics([(self.alerts, partitions, {}),
                             (self.retry, partitions, {}),
                             (self.adlq, 1, {})])

    def config(self, url, secret_file, **extra):
        cfg = self.t.worker_config(**{
            "output.topic.alerts": self.alerts,
            "alerts.topic.retry": self.retry,
            "alerts.topic.dead_letter": self.adlq,
            "webhook.url": url,
            "webhook.secret.file": secret_file,
            "webhook.allow.loopback": "true",
            "webhook.retry.schedule": "0s,1s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s",
            "webhook.timeout.ms": "5000",
            "webhook.connect.timeout.ms": "2000",
            # worker and dispatcher side by side: no fixed metrics port
            "metrics.listen": "127.0.0.1:0",
        })
        cfg.update(extra)
        return cfg


def write_secret(tmpdir, secret):
    path = os.path.join(str(tmpdir), "webhook.secret")
    with open(path, "w") as f:
        f.write(secret + "\n")
    os.chmod(path, 0o600)
    return path


def start_dispatcher(cfg, tmpdir, name="dispatch"):
    path = os.path.join(str(tmpdir), name + ".properties")
    with open(path, "w") as f:
        for k, v in cfg.items():
            f.write("%s=%s\n" % (k, v))
    return nfsys.Proc([nfsys.NF_BIN, "dispatch", "--config", path],
                      os.path.join(str(tmpdir), name + ".log"))


def alert_items(n, tag, topic="in"):
    """Alert messages as the worker writes them (contract "Alert notes")."""
    out = []
    for i in range(n):
        eid = "%s-%s/0/%d" % (tag, topic, i)
        body = json.dumps({
            "type": "noticeflow.alert.v1", "event_id": eid,
            "severity": "high", "category": "incident",
            "summary": "テスト大学: 不正アクセス, 1,000人分, 判明 2024-01-05",
            "affected_count": 1000}, ensure_ascii=False).encode()
        out.append((("k%d" % i).encode(), body,
                    [("content-type", b"application/json"),
                     ("noticeflow-event-id", eid.encode()),
                     ("noticeflow-alert-severity", b"high")]))
    return out


def event_ids(items):
    return [dict(h)["noticeflow-event-id"].decode() for _, _, h in items]


def read(topic):
    return nfcheck.read_topic(nfsys.BOOTSTRAP, topic)


def hdr(msg, name):
    return nfsys.hdr(msg, name)


def wait_ids(receiver, want, procs, timeout=120, ok_only=True):
    """Wait until every webhook-id in @want was answered 2xx (or just
    received when not ok_only)."""
    def done():
        with receiver.lock:
            got = {r.id for r in receiver.requests
                   if not ok_only or (r.status or 999) < 300}
        return set(want) <= got
    nfsys.wait_until(done, "webhook ids delivered", procs, timeout=timeout)


def now():
    return time.time()
