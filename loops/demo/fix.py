"""The demo's fix step: reads the iteration's report and mends the fault behind its first root
cause it recognises, one fault per run, like an engineer taking the top item.

Usage: fix.py FAULTS_FILE. greenloop sets GREENLOOP_REPORT_JSON (the report's data) and
GREENLOOP_REPORT (its Markdown). The root causes come ranked: critical first, then the most
failures. Each states facts (`kind`, `value`, `target`), which is what this fix reads.
Exits 1 when the report shows no cause this fix knows how to mend.
"""
import json
import os
import re
import sys

# The fault behind each fact a root cause can state, and what mending it means.
FAULTS = [
    ("suite_hangs", lambda f: f["kind"] == "hang",
     "GET /api/threads never answered, so mission-critical hung"),
    ("ws_1011", lambda f: f["kind"] == "ws_close" and f["value"] == "1011",
     "the agent handler crashed: the WebSocket closed with 1011"),
    ("events_stop", lambda f: f["kind"] == "stalled",
     "the event stream stopped after agent_started"),
    ("agents_404", lambda f: f["kind"] == "http_status" and f["value"] == "404",
     "the agent routes were missing (404)"),
]


def fault_for(cause):
    """The fault behind one root cause, or None."""
    for fault, states, what in FAULTS:
        if any(states(fact) for fact in cause["facts"]):
            return fault, what
    return None


def active_faults(text):
    return {m.group(1) for m in re.finditer(r"^\s*(\w+)\s*=\s*true\b", text, re.M)}


def main():
    if len(sys.argv) != 2:
        print("usage: fix.py FAULTS_FILE", file=sys.stderr)
        return 2
    faults_path = sys.argv[1]
    with open(os.environ["GREENLOOP_REPORT_JSON"], encoding="utf-8") as f:
        report = json.load(f)
    with open(faults_path, encoding="utf-8") as f:
        faults_text = f.read()
    active = active_faults(faults_text)
    at = f"Loop {report['loop']} / Iteration {report['iteration']}"
    causes = report["root_causes"]
    print(f"reading the report of {at}: {report['verdict']}, {len(causes)} root causes")
    for rank, cause in enumerate(causes, 1):
        found = fault_for(cause)
        if found is None or found[0] not in active:
            continue
        fault, what = found
        mended = re.sub(rf"^(\s*{fault}\s*=\s*)true\b.*$", rf"\1false  # mended by fix.py after {at}",
                        faults_text, count=1, flags=re.M)
        tmp = faults_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(mended)
        os.replace(tmp, faults_path)
        left = sorted(active - {fault})
        print(f"root cause {rank}: {cause['headline']} ({len(cause['tests'])} failures)")
        print(f"faults still on: {', '.join(left) if left else 'none'}")
        # The last line is what greenloop shows under "fix succeeded", and in the next report.
        print(f"mended {fault}: {what}")
        return 0
    print(f"nothing to mend: no root cause of {at} matches a fault that is on "
          f"({', '.join(sorted(active)) or 'none'})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
