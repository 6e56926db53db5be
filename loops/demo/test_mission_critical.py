"""The golden path a user takes on every visit. Like many real suites it sets no client
timeout, so a backend that stops answering hangs it until greenloop's idle_timeout kills it."""
from harness import http, run


def test_backend_health():
    status, _ = http("GET", "/health")
    assert status == 200, f"expected 200, got {status}"


def test_threads_listed():
    _, body = http("GET", "/api/threads")
    assert body["threads"], "the user has no threads"


def test_calculator_tool_available():
    _, body = http("GET", "/api/tools")
    assert "calculator" in body["tools"], f"tools: {body['tools']}"


if __name__ == "__main__":
    run("tests.test_mission_critical", [test_backend_health, test_threads_listed, test_calculator_tool_available])
