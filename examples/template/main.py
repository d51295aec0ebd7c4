#!/usr/bin/env python3
"""A Sluice task: a plain Python script.

Sluice runs it with the flow's parameters on the command line (see
flow.json: "--name={{params.name}}" keeps the value one argument even when
it starts with "-", where "--name", "{{params.name}}" would let a value
such as "--repeat=9" pass for an option) and these environment variables: SLUICE_RUN_ID, SLUICE_FLOW,
SLUICE_TASK, SLUICE_ATTEMPT, SLUICE_PARAMS (all parameters as JSON) and
SLUICE_RESULT (a path: JSON written there becomes this task's result,
handed to downstream tasks in SLUICE_UPSTREAM). Print to stdout/stderr for
the log; exit non-zero to fail (and be retried, if the task has retries).
"""
import argparse
import json
import os
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="world")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(f"run {os.environ.get('SLUICE_RUN_ID', '-')}, "
          f"attempt {os.environ.get('SLUICE_ATTEMPT', '-')}", flush=True)
    for i in range(args.repeat):
        print(f"hello {args.name} ({i + 1}/{args.repeat})", flush=True)
        time.sleep(0.2)

    result_path = os.environ.get("SLUICE_RESULT")
    if result_path:
        with open(result_path, "w") as f:
            json.dump({"greeted": args.name, "times": args.repeat}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
