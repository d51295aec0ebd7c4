#!/usr/bin/env python3
"""tests/lib/pty_run.py COMMAND...: runs COMMAND on a new pseudo-terminal,
as a user's terminal would (its own session, the terminal its controlling
tty, COMMAND the foreground process group), and copies what it prints to
standard output. SIGUSR1 types Ctrl-C on that terminal (the kernel's line
discipline then sends SIGINT to the foreground group, exactly as a key
press does); SIGTERM is passed on to COMMAND. Exits with COMMAND's status
(128 + N when a signal N ended it)."""
import os
import pty
import signal
import sys


def main():
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[1], sys.argv[1:])
    signal.signal(signal.SIGUSR1, lambda *_: os.write(master, b"\x03"))
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGTERM))
    out = sys.stdout.buffer
    while True:
        try:
            chunk = os.read(master, 65536)
        except InterruptedError:
            continue
        except OSError:  # EIO: every holder of the terminal closed it
            break
        if not chunk:
            break
        out.write(chunk)
        out.flush()
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status)
             else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    main()
