"""The demo backend's HTTP API: health, tools, and the agent endpoints."""
from harness import http, run


def test_health():
    status, body = http("GET", "/health")
    assert status == 200 and body == {"status": "ok"}, f"unexpected health answer: {status} {body}"


def test_tools_listed():
    _, body = http("GET", "/api/tools")
    assert "search" in body["tools"], f"the search tool is missing: {body}"


def test_agent_start():
    status, body = http("POST", "/api/agents/start", {"message": "hello"})
    assert status == 200, f"expected 200, got {status}"
    assert body["agent_id"].startswith("agent-"), f"no agent id: {body}"


def test_agent_status():
    _, body = http("GET", "/api/agents/status")
    assert body["status"] in ("idle", "running"), f"unknown agent status: {body}"


if __name__ == "__main__":
    run("tests.test_api", [test_health, test_tools_listed, test_agent_start, test_agent_status])
