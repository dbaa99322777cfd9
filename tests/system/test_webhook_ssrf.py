"""Test 8: SSRF. With the loopback allowance off, the dispatcher refuses
every special address, in any spelling, after DNS resolution, before a
single byte is sent: it exits 2 naming the reason, and the listeners
behind the loopback URLs never see a connection.

No packet is ever sent to 10.0.0.1 or 169.254.169.254: the refusal
happens at start-up, before any socket exists (nf_egress).
"""
import os

import pytest

import nfsys
import nfwebhook as W


@pytest.fixture
def listeners():
    v4 = W.Receiver("whsec_" + "A" * 32, host="127.0.0.1")
    v6 = W.Receiver("whsec_" + "A" * 32, host="::1")
    yield v4, v6
    v4.close()
    v6.close()


def run_dispatch(cfg, tmpdir, name):
    p = W.start_dispatcher(cfg, tmpdir, name=name)
    code = p.wait(60)
    return code, p.log_text()


def test_ssrf_refused_before_any_byte(tmpdir, listeners):
    v4, v6 = listeners
    topics = W.AlertTopics("wh-ssrf", partitions=1)
    secret = W.write_secret(tmpdir, W.new_secret())
    urls = [
        "https://127.0.0.1:%d/hook" % v4.port,
        "https://[::1]:%d/hook" % v6.port,
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/hook",
        "https://0x7f.1:%d/hook" % v4.port,
        "https://2130706433:%d/hook" % v4.port,
        "https://[::ffff:127.0.0.1]:%d/hook" % v4.port,
        "https://localhost:%d/hook" % v4.port,  # a name → 127.0.0.1
        "http://127.0.0.1:%d/hook" % v4.port,   # plain http
        "file:///etc/passwd",
    ]
    for i, url in enumerate(urls):
        cfg = topics.config(url, secret, **{"webhook.allow.loopback":
                                            "false"})
        code, log = run_dispatch(cfg, tmpdir, "ssrf-%d" % i)
        assert code == 2, "%s: exit %s\n%s" % (url, code, log[-2000:])
        assert "refused" in log or "only https" in log, (url, log[-2000:])
    assert v4.connections == 0 and v6.connections == 0, \
        "a refused endpoint was contacted"


def test_metadata_refused_even_with_allowance(tmpdir):
    topics = W.AlertTopics("wh-ssrf2", partitions=1)
    secret = W.write_secret(tmpdir, W.new_secret())
    for i, url in enumerate(("https://169.254.169.254/",
                             "https://[::ffff:169.254.169.254]/",
                             "https://10.0.0.1/")):
        cfg = topics.config(url, secret)  # allowance on
        code, log = run_dispatch(cfg, tmpdir, "ssrf2-%d" % i)
        assert code == 2 and "refused" in log, (url, log[-2000:])


def test_secret_never_logged(tmpdir, listeners):
    """The signing secret appears in no log line, even at debug level; the
    receiver's verifier refuses a signature made with another secret."""
    v4, _ = listeners
    topics = W.AlertTopics("wh-secret", partitions=1)
    secret = W.new_secret()
    cfg = topics.config(v4.url("http"), W.write_secret(tmpdir, secret),
                        **{"log.level": "debug"})
    d = W.start_dispatcher(cfg, tmpdir, name="secret")
    try:
        nfsys.produce(topics.alerts, W.alert_items(1, topics.t.input))
        nfsys.wait_until(lambda: v4.requests, "one delivery", [d],
                         timeout=60)
        assert d.term() == 0
        log = d.log_text()
    finally:
        d.close()
    assert secret[6:] not in log and secret not in log
    # negative control: the fixture's receiver holds another secret, so
    # its independent verifier must have refused the signature ...
    req = v4.requests[0]
    assert not req.verified and "signature" in req.error, req.error
    # ... and the right secret verifies the same bytes
    import standardwebhooks
    standardwebhooks.Webhook(secret).verify(req.body, req.headers)
    assert os.path.exists(cfg["webhook.secret.file"])
