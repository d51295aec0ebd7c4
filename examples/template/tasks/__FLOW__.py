#!/usr/bin/env python3
"""The "greet" task of the flow __FLOW__: a plain Python script.

Sluice runs it the way you would in a terminal, from the top folder of
this repository (the task's "workdir", "." in flows/__FLOW__.json):

    python3 tasks/__FLOW__.py

You can do exactly that to try it; without Sluice it uses the defaults
below. What Sluice adds is a few environment variables:

    SLUICE_PARAMS   the run's parameters as JSON, e.g. {"who": "world",
                    "times": 3}: the defaults from flows/__FLOW__.json,
                    changed by whoever started the run
                    (sluicectl run --local flows/__FLOW__.json -p who=Ada)
    SLUICE_RESULT   a file name: JSON written there is this task's result,
                    which the next tasks receive in SLUICE_UPSTREAM
    SLUICE_RUN_ID, SLUICE_TASK, SLUICE_ATTEMPT
                    which run this is, which task, which try (1, 2, ...)

Whatever the script prints is its log, shown live in the dashboard. It
succeeds when it ends normally (exit status 0). An uncaught exception or
sys.exit(1) makes it fail; the flow file says how often Sluice tries
again ("retries") and how long one try may take ("timeout_s", in seconds).
"""
import json
import os
import time


def main():
    # The parameters. .get() gives a default when the script runs by hand.
    params = json.loads(os.environ.get("SLUICE_PARAMS", "{}"))
    who = params.get("who", "world")
    times = int(params.get("times", 3))

    # Logging is printing. flush=True sends each line to the log at once
    # instead of when the script ends.
    print(f"run {os.environ.get('SLUICE_RUN_ID', '(by hand)')}, "
          f"try {os.environ.get('SLUICE_ATTEMPT', '1')}", flush=True)
    for i in range(times):
        print(f"hello {who} ({i + 1}/{times})", flush=True)
        time.sleep(0.2)

    # The result: any JSON (at most 1 MiB). The "report" task prints it.
    result = {"greeting": f"hello {who}", "times": times}
    result_file = os.environ.get("SLUICE_RESULT")
    if result_file:
        with open(result_file, "w") as f:
            json.dump(result, f)
    else:
        print(f"result (not saved: no SLUICE_RESULT): {json.dumps(result)}")


if __name__ == "__main__":
    main()
