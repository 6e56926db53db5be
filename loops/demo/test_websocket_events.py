"""The agent events a user sees over the WebSocket, one run per test."""
from harness import AGENT_EVENTS, agent_run, run


def test_agent_started_event():
    events = agent_run("hello", until="agent_started")
    assert events[0] == "agent_started", f"first event was {events[0]}"


def test_agent_thinking_event():
    events = agent_run("what can you do?", until="agent_thinking")
    assert events[:2] == ["agent_started", "agent_thinking"], f"events: {events}"


def test_tool_events():
    events = agent_run("weather in Berlin", until="tool_completed")
    assert events.index("tool_executing") < events.index("tool_completed"), f"events: {events}"


def test_agent_completed_event():
    events = agent_run("summarise my week", until="agent_completed")
    assert events == AGENT_EVENTS, f"events out of order: {events}"


if __name__ == "__main__":
    run("tests.test_websocket_events", [
        test_agent_started_event, test_agent_thinking_event, test_tool_events, test_agent_completed_event,
    ])
