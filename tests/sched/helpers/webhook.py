#!/usr/bin/env python3
"""A webhook receiver for the notification tests, on 127.0.0.1 only.

webhook.py PORTFILE BODIES [FAIL_FIRST]: listens on a free port (written
to PORTFILE), appends every POST body as one line to BODIES and the
time it came (seconds, wall clock) as one line to BODIES.times, and
answers 500 to the first FAIL_FIRST requests (default 0), 200 afterwards.
"""
import http.server
import sys
import time

portfile, bodies = sys.argv[1], sys.argv[2]
fail_first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
seen = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        seen += 1
        with open(bodies + ".times", "a") as f:
            f.write("%.3f\n" % time.time())
        with open(bodies, "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        ok = seen > fail_first
        self.send_response(200 if ok else 500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
