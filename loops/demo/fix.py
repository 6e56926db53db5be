"""The demo's fix step: reads the iteration's report and mends the fault behind its first
primary issue it recognises, one fault per run, like an engineer taking the top item.

Usage: fix.py FAULTS_FILE. greenloop sets GREENLOOP_REPORT_JSON (the report's data) and
GREENLOOP_REPORT (its Markdown). The primary issues come ranked: critical suites first, then
the biggest cluster. Exits 1 when the report shows no failure this fix knows how to mend.
"""
import json
import os
import re
import sys

# What each fault looks like in a report: a test of a hung suite, or words in the signature.
SYMPTOMS = [
    ("ws_1011", "the agent handler crashed: the WebSocket closed with 1011", re.compile(r"\b1011\b")),
    ("events_stop", "the event stream stopped after agent_started", re.compile(r"stalled|never arrived")),
    ("agents_404", "the agent routes were missing (404)", re.compile(r"\b404\b")),
]


def fault_for(cluster, statuses):
    """The fault behind one cluster, or None."""
    if any(statuses.get(test) == "timeout" for test in cluster["tests"]):
        return "suite_hangs", "GET /api/threads never answered, so mission-critical hung"
    for fault, what, pattern in SYMPTOMS:
        if pattern.search(cluster["signature"]):
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
    statuses = {test["id"]: test["status"] for test in report["tests"]}
    at = f"Loop {report['loop']} / Iteration {report['iteration']}"
    print(f"reading the report of {at}: {report['verdict']}, {len(report['clusters'])} primary issues")
    for rank, cluster in enumerate(report["clusters"], 1):
        found = fault_for(cluster, statuses)
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
        print(f"primary issue {rank}: {cluster['signature']} ({cluster['count']} tests)")
        print(f"faults still on: {', '.join(left) if left else 'none'}")
        # The last line is what greenloop shows under "fix succeeded".
        print(f"mended {fault}: {what}")
        return 0
    print(f"nothing to mend: no primary issue of {at} matches a fault that is on "
          f"({', '.join(sorted(active)) or 'none'})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
