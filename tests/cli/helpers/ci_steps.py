#!/usr/bin/env python3
"""tests/cli/helpers/ci_steps.py PROJECT FLOW OUTDIR: parses the CI files a
`sluicectl init` project has with a real YAML parser, checks what each must
hold (triggers, the check steps, the sync on main only with the secrets
from the CI's store) and writes the shell the CI would run to OUTDIR:
gh-<n>.sh, one per step of GitHub's check job after the install, gh-sync.sh,
gl-check.sh and gl-sync.sh (GitLab's scripts). Exits 1 naming what is
wrong."""
import os
import sys

import yaml


def fail(what):
    sys.exit(f"FAIL: {what}")


def github(proj, flow, out):
    with open(os.path.join(proj, ".github/workflows/sluice.yml")) as f:
        doc = yaml.safe_load(f)
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare on as true
    if not (isinstance(on, dict) and "push" in on and "pull_request" in on):
        fail(f"GitHub triggers: {on!r}")
    check, sync = doc["jobs"]["check"], doc["jobs"]["sync"]
    steps = check["steps"]
    if not steps[0].get("uses", "").startswith("actions/checkout@"):
        fail("GitHub: the check job does not begin with a checkout")
    runs = [s for s in steps if "run" in s]
    if runs[0]["name"] != "Install sluicectl":
        fail("GitHub: the first step is not the install")
    text = "\n".join(s["run"] for s in runs)
    for want in ("sluicectl apply --dry-run flows/*.json",
                 f"sluicectl run --local flows/{flow}.json"):
        if want not in text:
            fail(f"GitHub's check job does not run {want}")
    for n, step in enumerate(runs[1:]):
        with open(os.path.join(out, f"gh-{n}.sh"), "w") as f:
            f.write(step["run"])
    if sync.get("needs") != "check" or \
            sync.get("if") != ("github.event_name == 'push' && "
                               "github.ref == 'refs/heads/main'"):
        fail(f"GitHub's sync job: needs {sync.get('needs')!r}, "
             f"if {sync.get('if')!r}")
    env = sync["steps"][0]["env"]
    if env != {"SLUICE_URL": "${{ secrets.SLUICE_URL }}",
               "SLUICE_WEBHOOK_SECRET": "${{ secrets.SLUICE_WEBHOOK_SECRET }}",
               "SLUICE_REPO": "${{ vars.SLUICE_REPO }}"}:
        fail(f"GitHub's sync step takes {env!r}")
    with open(os.path.join(out, "gh-sync.sh"), "w") as f:
        f.write(sync["steps"][0]["run"])


def gitlab(proj, flow, out):
    with open(os.path.join(proj, ".gitlab-ci.yml")) as f:
        doc = yaml.safe_load(f)
    if doc.get("stages") != ["check", "sync"]:
        fail(f"GitLab stages: {doc.get('stages')!r}")
    check, sync = doc["check"], doc["sync"]
    if check.get("stage") != "check" or sync.get("stage") != "sync":
        fail("GitLab: the jobs are not in their stages")
    script = "\n".join(check["script"])
    for want in ("sluicectl apply --dry-run flows/*.json",
                 f"sluicectl run --local flows/{flow}.json"):
        if want not in script:
            fail(f"GitLab's check job does not run {want}")
    if sync.get("rules") != [{"if": '$CI_COMMIT_BRANCH == "main"'}]:
        fail(f"GitLab's sync rules: {sync.get('rules')!r}")
    with open(os.path.join(out, "gl-check.sh"), "w") as f:
        f.write(script + "\n")
    with open(os.path.join(out, "gl-sync.sh"), "w") as f:
        f.write("\n".join(sync["script"]) + "\n")


def main():
    proj, flow, out = sys.argv[1:4]
    github(proj, flow, out)
    gitlab(proj, flow, out)


if __name__ == "__main__":
    main()
