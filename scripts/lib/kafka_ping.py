#!/usr/bin/env python3
"""Readiness probe for scripts/kafka.sh: one Kafka Metadata request.

Standard library only (it runs before any venv exists). Sends ApiVersions v0
to learn the Metadata versions the broker accepts, then Metadata v4 (the
oldest non-flexible version Kafka 4.x still serves) for no topics, and
succeeds when the answer lists at least --brokers brokers and a controller.

usage: kafka_ping.py HOST:PORT [--brokers N] [--timeout S] [--quiet]
exit: 0 ready, 1 answered but not ready (too few brokers / no controller),
      2 no answer (refused, timeout, not Kafka).
"""
import argparse
import socket
import struct
import sys

API_METADATA = 3
API_VERSIONS = 18
METADATA_VERSION = 4


class Reader:
    def __init__(self, buf):
        self.buf = buf
        self.pos = 0

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise ValueError("short response")
        vals = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return vals[0] if len(vals) == 1 else vals

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.buf[self.pos:self.pos + n]
        self.pos += n
        return s.decode("utf-8", "replace")


def request(sock, api_key, version, corr, body):
    client = b"noticeflow-ping"
    hdr = struct.pack(">hhih", api_key, version, corr, len(client)) + client
    msg = hdr + body
    sock.sendall(struct.pack(">i", len(msg)) + msg)
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    if size < 4 or size > 64 * 1024 * 1024:
        raise ValueError("bad response size %d" % size)
    r = Reader(recv_exact(sock, size))
    if r.take(">i") != corr:
        raise ValueError("correlation id mismatch")
    return r


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ValueError("connection closed")
        out += chunk
    return out


def metadata_range(sock):
    r = request(sock, API_VERSIONS, 0, 1, b"")
    err = r.take(">h")
    if err != 0:
        raise ValueError("ApiVersions error %d" % err)
    for _ in range(r.take(">i")):
        key, lo, hi = r.take(">hhh")
        if key == API_METADATA:
            return lo, hi
    raise ValueError("broker lists no Metadata API")


def probe(host, port, timeout):
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        lo, hi = metadata_range(sock)
        if not lo <= METADATA_VERSION <= hi:
            raise ValueError("Metadata v%d not in broker range %d..%d"
                             % (METADATA_VERSION, lo, hi))
        # topics: empty array (no topics), allow_auto_topic_creation false
        r = request(sock, API_METADATA, METADATA_VERSION, 2,
                    struct.pack(">ib", 0, 0))
        r.take(">i")  # throttle_time_ms
        brokers = []
        for _ in range(r.take(">i")):
            node = r.take(">i")
            bhost = r.string()
            bport = r.take(">i")
            r.string()  # rack
            brokers.append((node, bhost, bport))
        cluster = r.string()
        controller = r.take(">i")
        return brokers, cluster, controller


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("address")
    ap.add_argument("--brokers", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    host, _, port = a.address.rpartition(":")
    try:
        brokers, cluster, controller = probe(host, int(port), a.timeout)
    except (OSError, ValueError) as e:
        if not a.quiet:
            print("no answer from %s: %s" % (a.address, e), file=sys.stderr)
        return 2
    if not a.quiet:
        print("cluster %s controller %d brokers %s" % (
            cluster, controller,
            ",".join("%d@%s:%d" % b for b in sorted(brokers))))
    if len(brokers) < a.brokers or controller < 0:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
