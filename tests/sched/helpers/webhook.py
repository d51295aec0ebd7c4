#!/usr/bin/env python3
"""A webhook receiver for the notification tests, on 127.0.0.1 only.

webhook.py PORTFILE BODIES [FAIL_FIRST]: listens on a free port (or on
$WEBHOOK_PORT when set), written to PORTFILE; appends every POST body as
one line to BODIES, the time it came (seconds, wall clock) as one line
to BODIES.times and its Idempotency-Key header (or "-") as one line to
BODIES.keys and its path as one line to BODIES.paths; answers 500 to the
first FAIL_FIRST requests (default 0), 200 afterwards. With
$WEBHOOK_SECRET set it checks each request as a push webhook is checked
(X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body with the
secret>), writes "good" or "bad" as one line to BODIES.signed and
answers a bad one 401. With $WEBHOOK_HOLD_FIRST=S it records the first request
at once but answers it only S seconds later (requests are served each
in its own thread, so later ones are not held up).
"""
import hashlib
import hmac
import http.server
import os
import sys
import threading
import time

portfile, bodies = sys.argv[1], sys.argv[2]
fail_first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
hold_first = float(os.environ.get("WEBHOOK_HOLD_FIRST", "0"))
secret = os.environ.get("WEBHOOK_SECRET")
lock = threading.Lock()
seen = 0


def signed(headers, body):
    """True when headers carry body's signature with secret."""
    want = "sha256=" + hmac.new(secret.encode(), body,
                                hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, headers.get("X-Hub-Signature-256", ""))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with lock:
            seen += 1
            nth = seen
            with open(bodies + ".times", "a") as f:
                f.write("%.3f\n" % time.time())
            with open(bodies + ".keys", "a") as f:
                f.write(self.headers.get("Idempotency-Key", "-") + "\n")
            with open(bodies + ".paths", "a") as f:
                f.write(self.path + "\n")
            good = secret is None or signed(self.headers, body)
            if secret is not None:
                with open(bodies + ".signed", "a") as f:
                    f.write(("good" if good else "bad") + "\n")
            with open(bodies, "ab") as f:
                f.write(body.replace(b"\n", b" ") + b"\n")
        if nth == 1 and hold_first > 0:
            time.sleep(hold_first)
        try:
            self.send_response(401 if not good else
                               200 if nth > fail_first else 500)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass  # the sender gave up (or was killed) meanwhile

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(
    ("127.0.0.1", int(os.environ.get("WEBHOOK_PORT", "0"))), Handler)
srv.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
