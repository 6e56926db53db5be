"""A tiny test suite for the example loop: runs three checks and writes JUnit XML.

It stands in for pytest so the example needs nothing but Python 3.
"""
import sys
import time
from xml.sax.saxutils import quoteattr


def check_addition():
    assert 1 + 1 == 2


def check_greeting():
    import os
    assert os.environ.get("EXAMPLE_GREETING") == "hello", "EXAMPLE_GREETING is not set"


def check_sleepy():
    time.sleep(0.05)


def main():
    target = next(a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--junitxml="))
    cases = []
    for check in (check_addition, check_greeting, check_sleepy):
        start = time.monotonic()
        try:
            check()
            failure = None
        except AssertionError as e:
            failure = str(e) or "assertion failed"
        cases.append((check.__name__, time.monotonic() - start, failure))
        print(f"{check.__name__}: {'FAILED' if failure else 'ok'}")
    failures = sum(1 for c in cases if c[2])
    with open(target, "w") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites>')
        out.write(f'<testsuite name="example" tests="{len(cases)}" failures="{failures}" errors="0" skipped="0">')
        for name, duration, failure in cases:
            out.write(f'<testcase classname="example.checks" name="{name}" time="{duration:.3f}">')
            if failure:
                out.write(f"<failure message={quoteattr(failure)}>{failure}</failure>")
            out.write("</testcase>")
        out.write("</testsuite></testsuites>\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
