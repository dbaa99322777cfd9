"""A real local HTTP(S) webhook receiver for the system tests.

Runs in a thread of the test process, on 127.0.0.1 (or ::1), plain http or
https with a certificate of a CA the test makes itself (openssl CLI):

    ca = TestCA(tmpdir)                        # CA + server cert for
    r = Receiver(secret, tls=ca.server("localhost", "127.0.0.1"))
    r.behave(lambda req: (503, {}, b""))       # answer per request
    ...
    r.requests  # every request: time, headers, body, verified, error

Every request is verified with the `standardwebhooks` package from PyPI
(an implementation independent of ours). `connections` counts accepted TCP
connections, so a test can assert that a refused endpoint got none.
"""
import http.server
import os
import socket
import ssl
import subprocess
import threading
import time

import standardwebhooks

OK = (200, {}, b"ok")


class Request:
    def __init__(self, headers, body, verified, error, t):
        self.headers = headers
        self.body = body
        self.verified = verified
        self.error = error
        self.t = t
        self.status = None  # what the receiver answered (None: no answer)

    @property
    def id(self):
        return self.headers.get("webhook-id")


class Receiver:
    def __init__(self, secret, tls=None, host="127.0.0.1", hang_s=None):
        self.secret = secret
        self.requests = []
        self.connections = 0
        self.lock = threading.Lock()
        self.respond = lambda req: OK
        self.hang = threading.Event()  # set: stop hanging (for shutdown)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                hdrs = {k.lower(): v for k, v in self.headers.items()}
                verified, error = True, None
                try:
                    standardwebhooks.Webhook(outer.secret).verify(body, hdrs)
                except Exception as e:  # any failure is a finding
                    verified, error = False, repr(e)
                req = Request(hdrs, body, verified, error, time.time())
                with outer.lock:
                    outer.requests.append(req)
                status, extra, payload = outer.respond(req)
                req.status = status
                if status is None:  # accept and never answer
                    outer.hang.wait(600)
                    return
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        family = socket.AF_INET6 if ":" in host else socket.AF_INET

        class Server(http.server.ThreadingHTTPServer):
            address_family = family
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # refused TLS handshakes are expected in the tests

            def get_request(self):
                sock, addr = super().get_request()
                with outer.lock:
                    outer.connections += 1
                if tls:
                    sock = tls.wrap_socket(sock, server_side=True,
                                           do_handshake_on_connect=False)
                return sock, addr

        self.server = Server((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.host = host
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, scheme="https", host=None, path="/hook"):
        h = host or self.host
        if ":" in h:
            h = "[%s]" % h
        return "%s://%s:%d%s" % (scheme, h, self.port, path)

    def behave(self, fn):
        self.respond = fn

    def ids(self):
        with self.lock:
            return [r.id for r in self.requests]

    def close(self):
        self.hang.set()
        self.server.shutdown()
        self.server.server_close()


class TestCA:
    """A throw-away CA and server certificates, made with the openssl CLI."""

    def __init__(self, tmpdir):
        self.dir = str(tmpdir)
        self.key = os.path.join(self.dir, "ca.key")
        self.cert = os.path.join(self.dir, "ca.pem")
        self._run("req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                  self.key, "-out", self.cert, "-days", "2", "-subj",
                  "/CN=noticeflow test CA")

    def _run(self, *args):
        subprocess.run(("openssl",) + args, check=True, capture_output=True)

    def server(self, *names):
        """An ssl.SSLContext serving a certificate for @names (DNS names
        or IP addresses) signed by this CA."""
        tag = "-".join(n.replace(":", "_") for n in names)
        key = os.path.join(self.dir, "srv-%s.key" % tag)
        csr = os.path.join(self.dir, "srv-%s.csr" % tag)
        crt = os.path.join(self.dir, "srv-%s.pem" % tag)
        ext = os.path.join(self.dir, "srv-%s.ext" % tag)
        san = ",".join(("IP:" if n.replace(".", "").isdigit() or ":" in n
                        else "DNS:") + n for n in names)
        with open(ext, "w") as f:
            f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n" % san)
        self._run("req", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                  "-out", csr, "-subj", "/CN=%s" % names[0])
        self._run("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey",
                  self.key, "-CAcreateserial", "-out", crt, "-days", "2",
                  "-extfile", ext)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        return ctx
