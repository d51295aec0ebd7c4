#!/usr/bin/env python3
"""Writes a known amount of output for the log tests.

bigout.py LINES LONG: LINES numbered 100-byte lines on stdout (with
every 1000th line also a line on stderr), then one line of LONG 'x'
bytes, then "tail-without-newline" with no final newline.
"""
import sys

lines, long_len = int(sys.argv[1]), int(sys.argv[2])
out, err = sys.stdout.buffer, sys.stderr.buffer
pad = b"y" * 87
for i in range(lines):
    out.write(b"line %07d %s\n" % (i, pad))  # 5+7+1+87 = 100 bytes
    if i % 1000 == 0:
        out.flush()
        err.write(b"err %d\n" % i)
        err.flush()
out.write(b"x" * long_len + b"\n")
out.write(b"tail-without-newline")
out.flush()
