# probe.py DATA PIDS_JSON OTHER_LOG: a task that tries everything a task
# must not be able to do (tests/sched/task_least_privilege.sh) and prints
# one line per try: "DENIED what" or "ALLOWED what". Then it leaves a
# setsid'd process behind ("ESCAPEE pid") and fork-bombs up to a bound
# ("FORKS n").
import json, os, signal, subprocess, sys, time

data, pids, other_log = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
own_dir = os.path.join(data, "logs", os.environ["SLUICE_RUN_ID"])


def attempt(what, fn):
    try:
        fn()
    except OSError as e:
        print("DENIED", what, "(%s)" % e.strerror, flush=True)
        return
    print("ALLOWED", what, flush=True)


def read(path):
    with open(path, "rb") as f:
        f.read(1)


def write(path):
    with open(path, "ab") as f:
        f.write(b"forged line\n")


for f in ("htpasswd", "tls/key.pem", "sluice.db", "sluice.db-wal"):
    attempt("read " + f, lambda f=f: read(os.path.join(data, f)))
attempt("read /etc/shadow", lambda: read("/etc/shadow"))
attempt("write sluice.db", lambda: write(os.path.join(data, "sluice.db")))
attempt("write another run's log", lambda: write(other_log))
attempt("symlink in own log folder", lambda: os.symlink(
    "/etc/passwd", os.path.join(own_dir, "t.2.log")))
attempt("hard link in own log folder", lambda: os.link(
    os.path.join(data, "htpasswd"), os.path.join(own_dir, "h")))
for name, pid in sorted(pids.items()):
    attempt("signal " + name, lambda pid=pid: os.kill(int(pid), 0))
    attempt("read environ of " + name,
            lambda pid=pid: read("/proc/%d/environ" % int(pid)))
print("ID", subprocess.run(["id"], capture_output=True, text=True).stdout,
      end="", flush=True)
esc = subprocess.Popen(["setsid", "sleep", "300"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("ESCAPEE", esc.pid, flush=True)
kids = []
while len(kids) < 5000:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(3)
        os._exit(0)
    kids.append(pid)
print("FORKS", len(kids), flush=True)
for pid in kids:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
