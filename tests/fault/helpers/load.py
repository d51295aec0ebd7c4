#!/usr/bin/env python3
"""Concurrent API clients for the fault suite, on 127.0.0.1 only.

load.py URL USER:PASS FLOW THREADS RATE OUT STOPFILE: THREADS clients,
each with its own keep-alive HTTPS connection, together send about RATE
requests a second until STOPFILE exists. Client T alternates
POST /api/flows/FLOW/runs and PUT /api/flows/put-T (a new version each
time: its description is "T-I", I counting its PUTs). Every answer is
one line of OUT:

    run STATUS CODE RUN_ID        (RUN_ID "-" unless 201)
    put STATUS CODE VERSION DESC  (VERSION "-" unless 200/201)
    err - - WHAT                  (no HTTP answer at all)

CODE is the JSON error's code ("-" when the answer is not an error).
"""
import base64
import http.client
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse

url, cred, flow, threads, rate, out, stopfile = sys.argv[1:8]
threads, rate = int(threads), float(rate)
parts = urllib.parse.urlsplit(url)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
auth = "Basic " + base64.b64encode(cred.encode()).decode()
lock = threading.Lock()
outf = open(out, "a", buffering=1)


def record(line):
    with lock:
        outf.write(line + "\n")


def connect():
    return http.client.HTTPSConnection(parts.hostname, parts.port,
                                       context=ctx, timeout=90)


def error_code(body):
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return "-"


def field(body, name):
    """The answer's field NAME, or "?" when the body does not have it."""
    try:
        return str(json.loads(body)[name])
    except (ValueError, KeyError, TypeError):
        return "?"


def send(conn, method, path, body):
    conn.request(method, path, body=json.dumps(body), headers={
        "Authorization": auth, "Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, data


def client(t):
    conn = connect()
    period = threads / rate
    nput = 0
    i = 0
    next_at = time.monotonic()
    while not os.path.exists(stopfile):
        i += 1
        if i % 2:
            method, path, body = "POST", "/api/flows/%s/runs" % flow, {}
        else:
            nput += 1
            desc = "%d-%d" % (t, nput)
            method, path = "PUT", "/api/flows/put-%d" % t
            body = {"description": desc,
                    "tasks": [{"name": "t", "command": ["true"]}]}
        try:
            status, data = send(conn, method, path, body)
        except (OSError, http.client.HTTPException) as e:
            record("err - - %s" % type(e).__name__)
            conn.close()
            conn = connect()
            continue
        code = error_code(data) if status >= 400 else "-"
        if method == "POST":
            rid = field(data, "id") if status == 201 else "-"
            record("run %d %s %s" % (status, code, rid))
        else:
            ver = field(data, "version") if status in (200, 201) else "-"
            record("put %d %s %s %s" % (status, code, ver, desc))
        # Paced, but never catching up in a burst after a slow answer.
        next_at = max(next_at + period, time.monotonic() - period)
        time.sleep(max(0.0, next_at - time.monotonic()))


workers = [threading.Thread(target=client, args=(t,)) for t in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
